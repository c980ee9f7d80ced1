/// Which names an expression may read, and their types: the expressions' catalogue, narrowed to what the
/// playbook at hand defines (its triggers' facts, its steps, its vars, its contacts' columns).
public struct NameScope: Sendable {
    /// The `trigger.*` facts that at least one trigger of the playbook exposes.
    public var triggerFields: [String: ValueType]
    /// Step and recovery ids for `steps.ID.status`; nil where steps cannot be named (segments).
    public var stepIDs: Set<String>?
    public var vars: JSONValue
    /// Whether `contact.*` is in scope (segment definitions only).
    public var allowsContact: Bool
    /// Extra CSV columns (`contact.fields.NAME`) when the contacts file could be read; nil when unknown.
    public var contactFields: Set<String>?
    /// Whether `approval.*` is in scope (the text of an `approve` step's request only).
    public var allowsApproval: Bool

    public init(
        triggerFields: [String: ValueType], stepIDs: Set<String>?, vars: JSONValue, allowsContact: Bool, contactFields: Set<String>? = nil,
        allowsApproval: Bool = false
    ) {
        self.triggerFields = triggerFields
        self.stepIDs = stepIDs
        self.vars = vars
        self.allowsContact = allowsContact
        self.contactFields = contactFields
        self.allowsApproval = allowsApproval
    }

    public static let stepStatuses = ["pending", "succeeded", "failed", "skipped"]
    public static let weekdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

    static let incidentFields: [String: ValueType] = ["id": .text, "started_at": .text, "elapsed": .duration, "active": .bool]
    /// `approval.url`: the signed link that decides the approval (empty when no listener serves
    /// it); `approval.expires_at`: when it expires (ISO 8601, UTC).
    public static let approvalFields: [String: ValueType] = ["url": .text, "expires_at": .text]
    static let nowFields: [String: ValueType] = ["hour": .number, "minute": .number, "weekday": .text, "date": .text]
    static let contactScalars: [String: ValueType] = [
        "id": .text, "name": .text, "email": .text, "phone": .text, "tags": .list(.text), "timezone": .text, "locale": .text,
    ]

    /// Every `trigger.*` fact each kind exposes.
    public static func triggerFields(of kind: String) -> [String: ValueType] {
        var fields: [String: ValueType] = ["id": .text, "kind": .text]
        switch kind {
        case "platform_down": fields["platforms"] = .list(.text); fields["platform_names"] = .text
        case "traffic_drop": fields["value"] = .number; fields["baseline"] = .number; fields["drop"] = .number
        case "webhook": fields["payload"] = .any
        default: break
        }
        return fields
    }

    /// The type of a dotted name, or why it cannot be read here.
    public func type(of path: [String]) -> Result<ValueType, NameError> {
        let roots = ["trigger", "incident", "now", "vars"] + (stepIDs == nil ? [] : ["steps"]) + (allowsContact ? ["contact"] : [])
            + (allowsApproval ? ["approval"] : [])
        guard let root = path.first else { return .failure(NameError("empty name")) }
        let rest = Array(path.dropFirst())
        func field(_ table: [String: ValueType], _ what: String) -> Result<ValueType, NameError> {
            guard rest.count == 1, let name = rest.first else {
                return .failure(NameError("'\(path.joined(separator: "."))' is not a name; \(what) has \(table.keys.sorted().map { "'\(root).\($0)'" }.joined(separator: ", "))"))
            }
            guard let type = table[name] else {
                let hint = Suggestion.closest(to: name, in: table.keys).map { "; did you mean '\(root).\($0)'?" } ?? ""
                return .failure(NameError("unknown name '\(path.joined(separator: "."))'\(hint)"))
            }
            return .success(type)
        }
        switch root {
        case "trigger":
            if rest.first == "payload", let payload = triggerFields["payload"], rest.count >= 1 { return .success(rest.count == 1 ? payload : .any) }
            if let name = rest.first, triggerFields[name] == nil, Self.allTriggerFields[name] != nil {
                return .failure(NameError("'trigger.\(name)' is not exposed by any trigger of this playbook (\(Self.allTriggerFields[name]!))"))
            }
            return field(triggerFields, "a trigger")
        case "incident": return field(Self.incidentFields, "an incident")
        case "now": return field(Self.nowFields, "the clock")
        case "steps":
            guard let stepIDs else {
                return .failure(NameError("'steps.*' cannot be used here: segments and the playbook's 'if' are decided before any step runs"))
            }
            guard rest.count == 2, rest[1] == "status" else {
                return .failure(NameError("a step's outcome is read as 'steps.ID.status'"))
            }
            guard stepIDs.contains(rest[0]) else {
                return .failure(NameError("unknown step '\(rest[0])' in '\(path.joined(separator: "."))'\(Suggestion.hint(for: rest[0], in: stepIDs))"))
            }
            return .success(.text)
        case "contact" where allowsContact:
            if rest.first == "consent" {
                return rest.count == 2 && ["email", "sms"].contains(rest[1])
                    ? .success(.bool) : .failure(NameError("consent is read as 'contact.consent.email' or 'contact.consent.sms'"))
            }
            if rest.first == "fields" {
                guard rest.count == 2 else { return .failure(NameError("an extra column is read as 'contact.fields.NAME'")) }
                if let contactFields, !contactFields.contains(rest[1]) {
                    return .failure(NameError("the contacts file has no column '\(rest[1])'\(Suggestion.hint(for: rest[1], in: contactFields))"))
                }
                return .success(.text)
            }
            if rest == ["consent"] || rest == ["fields"] {
                return .failure(NameError("'contact.\(rest[0])' needs a field: 'contact.\(rest[0]).…'"))
            }
            return field(Self.contactScalars, "a contact")
        case "vars":
            return varType(rest)
        case "approval" where allowsApproval:
            return field(Self.approvalFields, "an approval")
        default:
            let hint = Suggestion.hint(for: root, in: roots)
            if root == "contact" {
                return .failure(NameError("'contact.*' is known only in segment definitions and in the messages of 'notify' (a contact at a time)"))
            }
            if root == "approval" {
                return .failure(NameError("'approval.*' is known only in the text of an 'approve' step's request (its link and when it expires)"))
            }
            return .failure(NameError("unknown name '\(path.joined(separator: "."))'\(hint)\(hint.isEmpty ? "; names start with \(roots.map { "'\($0).'" }.joined(separator: ", "))" : "")"))
        }
    }

    static let allTriggerFields: [String: String] = [
        "platforms": "platform_down", "platform_names": "platform_down", "value": "traffic_drop",
        "baseline": "traffic_drop", "drop": "traffic_drop", "payload": "webhook",
    ].mapValues { "only \($0) triggers expose it" }

    private func varType(_ path: [String]) -> Result<ValueType, NameError> {
        guard !path.isEmpty else { return .failure(NameError("name a variable: 'vars.NAME'")) }
        var node = vars
        var walked = ["vars"]
        for name in path {
            guard case .object(let members) = node else {
                return .failure(NameError("'\(walked.joined(separator: "."))' has no field '\(name)'"))
            }
            guard let next = members.first(where: { $0.0 == name })?.1 else {
                let hint = members.isEmpty && walked.count == 1
                    ? "; define it under 'vars'"
                    : Suggestion.closest(to: name, in: members.map(\.0)).map { "; did you mean '\((walked + [$0]).joined(separator: "."))'?" } ?? ""
                return .failure(NameError("unknown variable '\((walked + [name]).joined(separator: "."))'\(hint)"))
            }
            node = next
            walked.append(name)
        }
        return .success(Self.type(of: node))
    }

    static func type(of json: JSONValue) -> ValueType {
        switch json {
        case .bool: return .bool
        case .number: return .number
        case .string, .null: return .text
        case .array(let items):
            let types = items.map(type(of:))
            if let first = types.first, types.allSatisfy({ $0 == first }) { return .list(first) }
            return .list(.any)
        case .object: return .any
        }
    }
}

/// Why a name cannot be read.
public struct NameError: Error, Sendable {
    public var message: String
    init(_ message: String) { self.message = message }
}
