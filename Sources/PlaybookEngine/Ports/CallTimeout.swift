/// The step's `timeout` for the channel call being made, as a task-local value.
///
/// Adapters bound each call by it (HTTP adapters through `HTTPTransport`, which turns it into the
/// request's deadline; SMTP through its read timeouts). The engine does not race every call
/// against a sleeping task: at 100,000 deliveries those sleepers cost ~30 MB until they expire.
public enum CallTimeout {
    @TaskLocal public static var seconds: Double?
}
