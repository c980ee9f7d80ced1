import AsyncHTTPClient

extension HTTPTransport {
    /// Runs `body` with a transport on an HTTP client of its own, shut down afterwards even when
    /// `body` throws (tests, one-off calls).
    public static func with<T: Sendable>(baseURL: String?, _ body: (HTTPTransport) async throws -> T) async throws -> T {
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: LiveChannels.clientConfiguration)
        do {
            let result = try await body(HTTPTransport(client: client, baseURL: baseURL))
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }
}
