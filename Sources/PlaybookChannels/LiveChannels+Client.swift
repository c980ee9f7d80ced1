import AsyncHTTPClient
import NIOCore

extension LiveChannels {
    /// How the channels' HTTP client behaves.
    /// - No redirects: a provider API does not redirect a POST, and following one would send the
    ///   channel's headers, signature and body to the host the answer names (AsyncHTTPClient
    ///   strips only `Authorization` and `Cookie`, and allows https to http). `HTTPTransport`
    ///   fails a 3xx instead.
    /// - No hidden deadline: each request's deadline is the step's `timeout`. The connect timeout
    ///   only ends connection attempts that no request waits for any more (the library's default
    ///   of 10 s would cut a call the step allows two minutes).
    public static let clientConfiguration: HTTPClient.Configuration = {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow)
        configuration.timeout = .init(connect: .minutes(10))
        return configuration
    }()

    /// The HTTP client `with(playbook:environment:)` makes, for callers that share one between
    /// many playbooks (`playbook watch`) and shut it down themselves.
    public static func makeClient() -> HTTPClient {
        HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
    }

    /// Shuts down a client made by `makeClient()` (or `LiveProber.makeClient()`).
    public static func shutdown(_ client: HTTPClient) async {
        try? await client.shutdown()
    }
}
