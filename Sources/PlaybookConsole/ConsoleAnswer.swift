import Foundation
import HTTPTypes
import Hummingbird
import PlaybookCore

/// An answer of the console before it becomes a Hummingbird `Response`: pages carry the
/// console's security headers, JSON is the journal's shape, redirects are 303 (after a POST).
/// An `Error` so that a check can return it as the failure of a `Result` (the answer to give instead).
enum ConsoleAnswer: Error {
    case html(HTTPResponse.Status, String, nonce: String? = nil)
    case json(HTTPResponse.Status, JSONValue)
    case redirect(String)

    /// A POST without the right CSRF token.
    static let csrfRefused = ConsoleAnswer.html(
        .forbidden, MessagePage.render(title: "Refused", message: "refused: the form's CSRF token is missing or wrong; nothing was changed. Reload the page and try again.", back: true))

    /// A console path while the console is off.
    static func off(api: Bool) -> ConsoleAnswer {
        api ? .json(.notFound, .object([("error", .string(ConsoleSettings.offNotice))]))
            : .html(.notFound, MessagePage.render(title: "Console off", message: ConsoleSettings.offNotice))
    }

    func response() -> Response {
        var headers = HTTPFields()
        let body: String
        let status: HTTPResponse.Status
        switch self {
        case .html(let code, let page, let nonce):
            status = code
            body = page
            headers[.contentType] = "text/html; charset=utf-8"
            for (name, value) in HTML.securityHeaders(nonce: nonce) { if let field = HTTPField.Name(name) { headers[field] = value } }
        case .json(let code, let value):
            status = code
            body = value.serialized(pretty: true) + "\n"
            headers[.contentType] = "application/json"
            headers[.cacheControl] = "no-store"
        case .redirect(let location):
            status = .seeOther
            body = ""
            headers[.location] = location
            headers[.cacheControl] = "no-store"
        }
        let buffer = ByteBuffer(string: body)
        headers[.contentLength] = String(buffer.readableBytes)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: buffer))
    }
}

/// The fields of the console's forms (URL-encoded, read by Hummingbird's decoder); each form
/// uses some of them.
struct ConsoleForm: Decodable {
    var csrf: String?
    var token: String?
    var decision: String?
    var trigger: String?

    /// The form of a POST; an unreadable one is empty (and then fails its CSRF check).
    static func read(_ request: Request, _ context: BasicRequestContext) async throws -> ConsoleForm {
        (try? await URLEncodedFormDecoder().decode(ConsoleForm.self, from: request, context: context)) ?? ConsoleForm()
    }
}
