import AsyncHTTPClient

/// Runs `body` with an HTTP client made by `make`, and shuts the client down when `body` ends,
/// on every path: a return, a throw, or a start refused halfway.
///
/// An `HTTPClient` must be shut down before it is released (a debug build traps otherwise, and a
/// release build leaks its connections), so no code path of a command may forget one; the scope
/// makes that structural instead of a `shutdown` call before each `return` and `throw`. A
/// shutdown that fails after the work is done is not the work's failure: it is not reported.
public func withHTTPClient<T: Sendable>(
    _ make: () -> HTTPClient = LiveChannels.makeClient, _ body: (HTTPClient) async throws -> T
) async throws -> T {
    let client = make()
    let result: T
    do {
        result = try await body(client)
    } catch {
        try? await client.shutdown()
        throw error
    }
    try? await client.shutdown()
    return result
}

extension HTTPTransport {
    /// Runs `body` with a transport on an HTTP client of its own, shut down afterwards even when
    /// `body` throws (tests, one-off calls).
    public static func with<T: Sendable>(baseURL: String?, _ body: (HTTPTransport) async throws -> T) async throws -> T {
        try await withHTTPClient { client in try await body(HTTPTransport(client: client, baseURL: baseURL)) }
    }
}
