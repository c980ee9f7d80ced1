/// Definitions that are written in a playbook but could not be read into the model.
///
/// Their problems are reported where they are written. Recording them keeps the checks that
/// follow from adding a second, misleading error for each reference to them: a channel with a
/// misspelt `type` is broken, not undefined, and "unknown channel 'x'; define it under 'channels'"
/// would send the author looking for the wrong mistake.
public struct UnreadableDefinitions: Sendable {
    public enum Kind: String, Sendable {
        case source, channel, template, segment, step
    }

    private var ids: Set<String> = []
    private var sections: Set<Kind> = []
    /// The kinds of triggers that could not be read, so that the `trigger.*` facts they would
    /// expose are not reported as exposed by no trigger.
    public var triggerKinds: Set<String> = []

    public init() {}

    /// Records one definition, by id.
    public mutating func insert(_ kind: Kind, _ id: String) {
        ids.insert("\(kind.rawValue):\(id)")
    }

    /// Records a whole section that could not be read (`channels:` written as a list).
    public mutating func insertSection(_ kind: Kind) {
        sections.insert(kind)
    }

    /// Whether `id` may be defined, unreadably: references to it are not reported again.
    public func contains(_ kind: Kind, _ id: String) -> Bool {
        sections.contains(kind) || ids.contains("\(kind.rawValue):\(id)")
    }

    /// The unreadable ids of one kind.
    public func ids(of kind: Kind) -> [String] {
        let prefix = "\(kind.rawValue):"
        return ids.filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }.sorted()
    }

    /// Whether the whole section of that kind could not be read.
    public func containsSection(_ kind: Kind) -> Bool { sections.contains(kind) }
}
