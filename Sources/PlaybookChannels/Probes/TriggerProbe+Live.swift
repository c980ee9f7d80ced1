import AsyncHTTPClient
import PlaybookCore
import PlaybookEngine

extension TriggerProbe {
    /// Reads `trigger` once over the network, with the checks and rules of `watch`, on an HTTP
    /// client of its own that is shut down afterwards (`run` probes once before it opens an
    /// incident; it has no watcher's clients to borrow).
    public static func readLive(
        _ trigger: Trigger, of playbook: Playbook, journal: any Journal, environment: [String: String],
        makeClient: () -> HTTPClient = LiveProber.makeClient
    ) async throws -> TriggerReading? {
        try await withHTTPClient(makeClient) { client in
            let probe = TriggerProbe(prober: LiveProber(client: client), sources: LiveSourceReader(client: client, environment: environment), journal: journal)
            return await probe.read(trigger, of: playbook)
        }
    }
}
