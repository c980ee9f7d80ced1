/// A problem inside an expression, at an offset (in Unicode scalars) into its text.
public struct ExpressionError: Error, Sendable, Equatable {
    public var message: String
    public var offset: Int

    public init(_ message: String, at offset: Int) {
        self.message = message
        self.offset = offset
    }
}
