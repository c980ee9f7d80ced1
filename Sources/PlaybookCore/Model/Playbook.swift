/// A loaded playbook: the typed model of the file format (docs/language.md), every part knowing where it was written.
///
/// Built by `PlaybookReader` even when the file has errors (missing parts are left empty), so
/// that the checks can report every problem in one pass.
public struct Playbook: Sendable {
    public var file: String
    /// The directory that relative paths (contacts, calendars, csv sources) are resolved against.
    public var directory: String
    public var location: SourceLocation
    public var version: Located<Int>?
    public var name: Located<String>
    public var description: String?
    public var timezone: Located<String>?
    public var vars: JSONValue = .object([])
    public var sources: [DataSource] = []
    public var triggers: [Trigger] = []
    public var channels: [Channel] = []
    public var audience: Audience?
    public var templates: [Template] = []
    public var settings = Settings()
    public var condition: Condition?
    public var steps: [Step] = []
    public var recovery: [Step] = []
    /// Definitions written but not readable (already reported): references to them are not errors again.
    public var unreadable = UnreadableDefinitions()

    public init(file: String, directory: String, location: SourceLocation) {
        self.file = file
        self.directory = directory
        self.location = location
        self.name = Located("", at: location)
    }

    public func channel(_ id: String) -> Channel? { channels.first { $0.id.value == id } }
    public func trigger(_ id: String) -> Trigger? { triggers.first { $0.id.value == id } }
    public func template(_ id: String) -> Template? { templates.first { $0.id.value == id } }
    public func source(_ id: String) -> DataSource? { sources.first { $0.id.value == id } }

    /// The timezone identifier of the playbook (UTC by default).
    public var timezoneIdentifier: String { timezone?.value ?? "UTC" }
}

/// An expression written in the playbook (`if:`, a segment), parsed when it could be.
public struct Condition: Sendable {
    public var text: String
    public var node: YAMLNode
    public var expression: Expression?

    public var location: SourceLocation { node.location }

    /// Where an offset inside the expression was written.
    public func location(ofOffset offset: Int) -> SourceLocation { node.location(ofTextOffset: offset) }
}

/// `settings:` of a playbook.
public struct Settings: Sendable {
    public var quietHours: Located<TimeWindow>?
    public init() {}
}

/// `audience:`: where the contacts are and how they are segmented.
public struct Audience: Sendable {
    /// The contacts file's path, as written (`contacts: FILE` or `contacts: {path: FILE, …}`).
    public var contacts: Located<String>?
    /// Which tool's export the file is (`format:`); the native layout by default.
    public var format: ContactsFormat = .playbook
    /// `columns:` (and `consent_values:`) for any other export.
    public var columns: ContactsColumns?
    public var segments: [Segment] = []

    public func segment(_ id: String) -> Segment? { segments.first { $0.id.value == id } }
}

public struct Segment: Sendable {
    public var id: Located<String>
    public var condition: Condition
}

/// A message template: Mustache text for each part, optionally per locale.
public struct Template: Sendable {
    public var id: Located<String>
    public var subject: Located<String>?
    public var text: Located<String>?
    public var html: Located<String>?
    public var locales: [(locale: Located<String>, variant: TemplateVariant)] = []
}

public struct TemplateVariant: Sendable {
    public var subject: Located<String>?
    public var text: Located<String>?
    public var html: Located<String>?
}
