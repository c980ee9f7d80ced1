import Foundation

/// One replayed probe result of a scenario (docs/ci.md): it holds until the next one for the same
/// platform or source.
public struct Observation: Sendable {
    public enum Subject: Sendable, Equatable {
        case platform(String, up: Bool)
        case source(String, value: Double)
    }

    public var time: Date
    public var subject: Subject
    public var location: SourceLocation

    public init(time: Date, subject: Subject, location: SourceLocation) {
        self.time = time
        self.subject = subject
        self.location = location
    }
}
