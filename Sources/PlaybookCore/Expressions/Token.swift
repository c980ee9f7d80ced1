/// A lexical token of the expression language, with its offset (in Unicode scalars) in the source text.
struct Token: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case name([String])
        case text(String)
        case number(Double)
        case duration(Double)
        case percentage(Double)
        case keyword(String)  // or and not in contains true false
        case symbol(String)  // ( ) [ ] , == != < <= > >= -
        case end
    }

    var kind: Kind
    var offset: Int
    var length: Int
}
