import AsyncHTTPClient

extension LiveChannels {
    /// The HTTP client `with(playbook:environment:)` makes, for callers that share one between
    /// many playbooks (`playbook watch`) and shut it down themselves.
    public static func makeClient() -> HTTPClient {
        HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .follow(max: 5, allowCycles: false)))
    }

    /// Shuts down a client made by `makeClient()` (or `LiveProber.makeClient()`).
    public static func shutdown(_ client: HTTPClient) async {
        try? await client.shutdown()
    }
}
