import Hummingbird
import PlaybookChannels
import PlaybookEngine

/// What `--listen` answers: the watcher's own paths (`/healthz`, `/metrics`, webhook triggers)
/// first, then the console's and the approval links', and anything else by the watcher (its 404).
///
/// The watcher's paths win so that a webhook trigger keeps its path whatever the console adds.
public struct ListenerRoutes: HTTPResponder {
    public typealias Context = BasicRequestContext

    private let own: Set<String>
    private let handler: WatchRequestResponder
    private let console: RouterResponder<BasicRequestContext>

    /// `ownPaths` are answered by `handler` whatever the console has at that path.
    public init(ownPaths: [String], maximumBody: Int = Watcher.maximumBody, handler: @escaping @Sendable (WatchRequest) async -> WatchResponse, console: Console) {
        own = Set(ownPaths + ["/healthz", "/metrics"])
        self.handler = WatchRequestResponder(handler: handler, maximumBody: maximumBody)
        self.console = console.router().buildResponder()
    }

    public func respond(to request: Request, context: BasicRequestContext) async throws -> Response {
        let path = request.uri.path
        if !own.contains(path), Console.claims(path) { return try await console.respond(to: request, context: context) }
        return try await handler.respond(to: request, context: context)
    }

    /// What `run --listen` answers besides the console: `/healthz`, and 404 for anything else.
    public static func runHealth(_ request: WatchRequest) async -> WatchResponse {
        switch request.path {
        case "/healthz":
            return WatchResponse(status: 200, body: "{\"status\":\"ok\"}\n")
        default:
            return WatchResponse(status: 404, body: "{\"error\":\"nothing at \(request.path.filter { $0.isLetter || $0.isNumber || "/-_.".contains($0) })\"}\n")
        }
    }
}
