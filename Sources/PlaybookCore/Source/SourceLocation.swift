/// A position in a playbook file: 1-based line and column, counted in Unicode scalars as libyaml does.
public struct SourceLocation: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// The same line, `offset` scalars further right: used to point inside a scalar (an expression, a template).
    public func advanced(byColumns offset: Int) -> SourceLocation {
        SourceLocation(file: file, line: line, column: column + offset)
    }

    public var description: String { "\(file):\(line):\(column)" }

    public static func < (lhs: SourceLocation, rhs: SourceLocation) -> Bool {
        (lhs.file, lhs.line, lhs.column) < (rhs.file, rhs.line, rhs.column)
    }
}

/// A value together with the place in the source it came from.
public struct Located<Value> {
    public var value: Value
    public var location: SourceLocation
    /// For text written on one line: how many columns after `location` the text itself starts
    /// (1 past an opening quote). Nil when positions inside the text cannot be mapped (block scalars).
    public var textColumnShift: Int?
    /// For text whose characters do not sit at a fixed shift (escapes, several lines): where each was written.
    public var textLayout: TextLayout?

    public init(_ value: Value, at location: SourceLocation, textColumnShift: Int? = nil) {
        self.value = value
        self.location = location
        self.textColumnShift = textColumnShift
    }
}

extension Located where Value == String {
    /// Where the character at `offset` (in Unicode scalars) of the text was written, when known.
    public func location(ofTextOffset offset: Int) -> SourceLocation {
        if let textLayout { return textLayout.location(ofOffset: offset, file: location.file) ?? location }
        guard let shift = textColumnShift else { return location }
        return location.advanced(byColumns: shift + offset)
    }
}

extension Located: Sendable where Value: Sendable {}
extension Located: Equatable where Value: Equatable {}
extension Located: Hashable where Value: Hashable {}

extension Located where Value == String {
    /// Where the character at 1-based `line`:`column` of the text was written, when known
    /// (template parsers count lines and columns rather than offsets).
    public func location(ofTextLine line: Int, column: Int) -> SourceLocation {
        var offset = 0
        var currentLine = 1
        for scalar in value.unicodeScalars {
            if currentLine == line { break }
            offset += 1
            if scalar == "\n" { currentLine += 1 }
        }
        guard currentLine == line else { return location }
        return location(ofTextOffset: offset + max(0, column - 1))
    }
}
