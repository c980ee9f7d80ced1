import PlaybookCore

/// Redaction of structured values: their text fields are redacted before they are serialised,
/// so a mask never lands inside a JSON escape and a secret escaped by the serialiser (`\/`,
/// `\"`) is still found.
extension SecretRedactor {
    /// The value with every string in it redacted (object keys are names, not values).
    public func redact(_ value: JSONValue) -> JSONValue {
        guard !isEmpty else { return value }
        switch value {
        case .string(let text): return .string(redact(text))
        case .array(let items): return .array(items.map(redact))
        case .object(let members): return .object(members.map { ($0.0, redact($0.1)) })
        case .null, .bool, .number: return value
        }
    }
}

extension ProgressEvent {
    /// The event with its free text (a step's detail, a log line) redacted.
    public func redacted(by redactor: SecretRedactor) -> ProgressEvent {
        switch self {
        case .stepFinished(let step, let status, let detail): return .stepFinished(step: step, status: status, detail: detail.map(redactor.redact))
        case .log(let step, let message): return .log(step: step, message: redactor.redact(message))
        case .incidentOpened, .stepWaiting, .stepStarted, .deliveries: return self
        }
    }
}

extension WatchEvent {
    /// The event with its message and every text field redacted.
    public func redacted(by redactor: SecretRedactor) -> WatchEvent {
        guard !redactor.isEmpty else { return self }
        var copy = self
        copy.message = redactor.redact(message)
        copy.fields = fields.map { ($0.0, redactor.redact($0.1)) }
        return copy
    }
}
