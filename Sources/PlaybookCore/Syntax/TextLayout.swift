/// Where each character of a scalar's text was written in the file.
///
/// An expression or a template can fail at any character, and the diagnostic should point there.
/// That is a fixed shift for a scalar written on one line without escapes, but not for a
/// single-quoted scalar with `''`, a double-quoted one with `\"`, or a block (`|`, `>`) or flow
/// scalar spread over several lines. Those are recorded as runs: from `offset` on, characters of
/// the text sit at consecutive columns from `line`:`column`, until the next run.
public struct TextLayout: Sendable, Hashable {
    public struct Run: Sendable, Hashable {
        public var offset: Int
        public var line: Int
        public var column: Int
    }

    public var runs: [Run]

    /// Where the character at `offset` (in Unicode scalars) of the text was written.
    public func location(ofOffset offset: Int, file: String) -> SourceLocation? {
        guard var run = runs.first else { return nil }
        for next in runs.dropFirst() {
            if next.offset > offset { break }
            run = next
        }
        return SourceLocation(file: file, line: run.line, column: run.column + max(0, offset - run.offset))
    }

    /// Aligns `text` (the scalar's value, in Unicode scalars) with the source lines it was read
    /// from, starting at 1-based `line`:`column` (the scalar's mark). Returns nil when the two
    /// cannot be aligned (a construct this walk does not model): callers then point at the scalar.
    ///
    /// The walk is greedy: a character of the text matches the next character of the source; an
    /// escape (`''`, `\x`) matches one character; a line break or folding space of the text matches
    /// the end of a source line; blank and indentation columns are skipped.
    static func align(_ text: [Unicode.Scalar], style: YAMLNode.ScalarStyle, lines: [[Unicode.Scalar]], line: Int, column: Int) -> TextLayout? {
        var row = line - 1
        var col = column - 1
        guard row < lines.count else { return nil }
        var blockIndent: Int?
        switch style {
        case .plain: break
        case .singleQuoted, .doubleQuoted: col += 1
        case .literal, .folded:
            // Content starts on the line after the header; its indentation is that of the first
            // non-blank line, or given by an indentation indicator in the header.
            let header = lines[row].dropFirst(col)
            let indicator = header.prefix { $0 != " " && $0 != "#" }.first { ("1"..."9").contains($0) }
            row += 1
            let parentIndent = lines[line - 1].prefix { $0 == " " }.count
            if let indicator, let n = Int(String(indicator)) {
                blockIndent = parentIndent + n
            } else {
                var probe = row
                while probe < lines.count, lines[probe].allSatisfy({ $0 == " " }) { probe += 1 }
                guard probe < lines.count else { return text.isEmpty ? TextLayout(runs: []) : nil }
                blockIndent = lines[probe].prefix { $0 == " " }.count
            }
            // A header on the file's last line (`>1` and nothing after) has no content lines.
            guard row < lines.count else { return text.isEmpty ? TextLayout(runs: []) : nil }
            col = min(blockIndent!, lines[row].count)
        }
        var runs: [Run] = []
        var contiguous = false
        func place(_ offset: Int) {
            if !contiguous {
                runs.append(Run(offset: offset, line: row + 1, column: col + 1))
                contiguous = true
            }
        }
        func nextLine() -> Bool {
            row += 1
            contiguous = false
            guard row < lines.count else { return false }
            if let blockIndent {
                col = min(blockIndent, lines[row].count)
            } else {
                col = lines[row].prefix { $0 == " " || $0 == "\t" }.count
            }
            return true
        }
        var offset = 0
        var steps = 0
        let limit = 4 * (text.count + lines.count) + 16
        while offset < text.count {
            steps += 1
            if steps > limit { return nil }
            let c = text[offset]
            let source = lines[row]
            let atEnd = col >= source.count
                || (style != .literal && style != .folded && source[col...].allSatisfy { $0 == " " || $0 == "\t" } && c != source[col])
            if atEnd {
                // A line break of the text (or the space a fold turns it into) is the end of this line.
                if c == "\n" || c == " " {
                    place(offset)
                    offset += 1
                }
                if !nextLine() { return offset == text.count ? TextLayout(runs: runs) : nil }
                continue
            }
            let s = source[col]
            if style == .singleQuoted, c == "'", s == "'", col + 1 < source.count, source[col + 1] == "'" {
                place(offset)
                offset += 1
                col += 2
                contiguous = false
                continue
            }
            if style == .doubleQuoted, s == "\\" {
                guard col + 1 < source.count else {
                    // An escaped line break continues the scalar on the next line, adding nothing.
                    if !nextLine() { return nil }
                    continue
                }
                let width: Int
                switch source[col + 1] {
                case "x": width = 4
                case "u": width = 6
                case "U": width = 10
                default: width = 2
                }
                place(offset)
                offset += 1
                col += width
                contiguous = false
                continue
            }
            guard c == s || (c == "{" && s == YAMLDocumentLoader.openBrace) || (c == "}" && s == YAMLDocumentLoader.closeBrace) else { return nil }
            place(offset)
            offset += 1
            col += 1
        }
        return TextLayout(runs: runs)
    }
}
