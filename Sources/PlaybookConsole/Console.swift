import Foundation
import Hummingbird
import PlaybookCore
import PlaybookEngine
import Synchronization

/// The web console and the approval links of `--listen` (docs/console.md): Hummingbird routes
/// over the journal, the serving process's backend, and the session keeper.
///
/// Every page needs a session, but an approval link's, whose own token is its authority. Every
/// change is a form POST carrying a CSRF token; without a valid one it is refused with 403 and
/// nothing changes. With the console off (no `PLAYBOOK_CONSOLE_TOKEN`) its paths answer 404 with
/// how to turn it on, and approval links still work.
public final class Console: Sendable {
    public let settings: ConsoleSettings
    let backend: any ConsoleBackend
    let sessions = ConsoleSessions()
    let clock: @Sendable () -> Date
    private let plans = Mutex<[String: Plan]>([:])

    static let cookieName = "playbook_session"
    /// How long the answer to a wrong sign-in token waits.
    static let wrongTokenDelay: UInt64 = 500_000_000
    /// Incidents listed on `/` and in `/api/incidents`.
    static let incidentLimit = 50

    public init(settings: ConsoleSettings, backend: any ConsoleBackend, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.settings = settings
        self.backend = backend
        self.clock = clock
    }

    /// Whether `path` is the console's (or an approval link's) rather than the watcher's.
    public static func claims(_ path: String) -> Bool {
        path == "/" || path == "/signin" || path == "/signout" || path == "/incidents" || path.hasPrefix("/incidents/")
            || path == "/api/incidents" || path.hasPrefix("/api/incidents/") || path.hasPrefix("/approve/") || path.hasPrefix("/run/")
    }

    /// The router of every console path.
    public func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.get("/approve/:token") { request, context in try await self.approvalLink(request, context) }
        router.post("/approve/:token") { request, context in try await self.decideByLink(request, context) }
        router.get("/") { request, context in try await self.home(request, context) }
        router.post("/signin") { request, context in try await self.signIn(request, context) }
        router.post("/signout") { request, context in try await self.signOut(request, context) }
        router.get("/incidents/:id") { request, context in try await self.incident(request, context, liveOnly: false) }
        router.get("/incidents/:id/live") { request, context in try await self.incident(request, context, liveOnly: true) }
        router.post("/incidents/:id/recover") { request, context in try await self.recover(request, context) }
        router.post("/incidents/:id/retry") { request, context in try await self.retry(request, context) }
        router.post("/incidents/:id/approvals/:step") { request, context in try await self.decideInConsole(request, context) }
        router.get("/run/:playbook") { request, context in try await self.runPage(request, context) }
        router.post("/run/:playbook") { request, context in try await self.run(request, context) }
        router.get("/api/incidents") { request, context in try await self.apiIncidents(request, context) }
        router.get("/api/incidents/:id") { request, context in try await self.apiIncident(request, context) }
        return router
    }

    // MARK: Sessions

    /// The session of a signed-in request, or the answer to give instead (the sign-in form,
    /// a 401 for the API, the 404 of a console that is off).
    func session(_ request: Request, api: Bool = false) -> Result<String, ConsoleAnswer> {
        guard settings.isOn else { return .failure(ConsoleAnswer.off(api: api)) }
        let cookie = request.cookies[Self.cookieName]?.value
        if let cookie, sessions.isSignedIn(cookie, now: clock()) { return .success(cookie) }
        if api { return .failure(.json(.unauthorized, .object([("error", .string("sign in first: POST /signin with the console token"))]))) }
        return .failure(.html(.ok, SignInPage.render()))
    }

    /// The session of a signed-in form POST whose CSRF token is valid, or the refusal.
    func changeSession(_ request: Request, form: ConsoleForm) -> Result<String, ConsoleAnswer> {
        switch session(request) {
        case .failure(let answer):
            return .failure(settings.isOn ? .html(.forbidden, MessagePage.render(title: "Refused", message: "sign in first; nothing was changed", back: true)) : answer)
        case .success(let session):
            guard sessions.checkCSRF(form.csrf, session: session) else { return .failure(.csrfRefused) }
            return .success(session)
        }
    }

    func signIn(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        guard let token = settings.token else { return ConsoleAnswer.off(api: false).response() }
        let form = try await ConsoleForm.read(request, context)
        guard let session = sessions.signIn(offered: form.token ?? "", token: token, now: clock()) else {
            // A wrong token costs its sender half a second (without holding a thread): guessing slowly.
            try? await Task.sleep(nanoseconds: Self.wrongTokenDelay)
            return ConsoleAnswer.html(.forbidden, SignInPage.render(problem: "wrong token")).response()
        }
        var response = ConsoleAnswer.redirect("/").response()
        response.setCookie(
            Cookie(name: Self.cookieName, value: session, maxAge: Int(ConsoleSessions.lifetime), path: "/", secure: settings.secureCookie, httpOnly: true, sameSite: .strict))
        return response
    }

    func signOut(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let form = try await ConsoleForm.read(request, context)
        switch changeSession(request, form: form) {
        case .failure(let answer): return answer.response()
        case .success(let session):
            sessions.signOut(session)
            var response = ConsoleAnswer.redirect("/").response()
            response.setCookie(Cookie(name: Self.cookieName, value: "", maxAge: 0, path: "/", secure: settings.secureCookie, httpOnly: true, sameSite: .strict))
            return response
        }
    }

    // MARK: Pages

    func home(_ request: Request, _ context: BasicRequestContext, notice: String? = nil) async throws -> Response {
        let session: String
        switch self.session(request) {
        case .failure(let answer): return answer.response()
        case .success(let value): session = value
        }
        var rows: [HomePage.Row] = []
        for playbook in backend.playbooks {
            rows.append(HomePage.Row(playbook: playbook, states: (try? await backend.journal.triggerStates(playbook: playbook.name)) ?? []))
        }
        let incidents = try await backend.journal.incidents(unfinishedOnly: false, limit: Self.incidentLimit)
        let page = HomePage(rows: rows, incidents: incidents, csrf: sessions.csrf(session: session), notice: notice)
        return ConsoleAnswer.html(.ok, page.render()).response()
    }

    func incident(_ request: Request, _ context: BasicRequestContext, liveOnly: Bool, notice: String? = nil) async throws -> Response {
        let session: String
        switch self.session(request) {
        case .failure(let answer): return answer.response()
        case .success(let value): session = value
        }
        let id = try context.parameters.require("id")
        guard let report = try await report(id) else {
            return ConsoleAnswer.html(.notFound, MessagePage.render(title: "No such incident", message: "there is no incident \(id) in this state", back: true)).response()
        }
        let playbook = playbook(named: report.incident.playbook)
        let page = IncidentPage(
            report: report, playbook: playbook?.playbook, plan: playbook.flatMap { plan($0.playbook, for: report.incident) },
            csrf: sessions.csrf(session: session), now: clock(), notice: notice, offersRetry: backend.retriesFailures)
        if liveOnly { return ConsoleAnswer.html(.ok, page.live()).response() }
        let nonce = ConsoleSessions.nonce()
        return ConsoleAnswer.html(.ok, page.render(nonce: nonce), nonce: nonce).response()
    }

    func recover(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let form = try await ConsoleForm.read(request, context)
        if case .failure(let answer) = changeSession(request, form: form) { return answer.response() }
        let id = try context.parameters.require("id")
        guard let report = try await report(id) else { return ConsoleAnswer.html(.notFound, MessagePage.render(title: "No such incident", message: "there is no incident \(id)", back: true)).response() }
        guard report.incident.status == .active else {
            return ConsoleAnswer.html(.conflict, MessagePage.render(title: "Not recovered", message: "incident \(id) is \(report.incident.status.rawValue), not active", back: true)).response()
        }
        do {
            _ = try await backend.recover(playbook: report.incident.playbook)
        } catch {
            return ConsoleAnswer.html(.conflict, MessagePage.render(title: "Not recovered", message: "\(error)", back: true)).response()
        }
        return ConsoleAnswer.redirect("/incidents/\(Self.pathComponent(id))").response()
    }

    /// "Retry what failed": the backend sends again what failed (only a watch can); the incident
    /// page then shows the failed steps running again.
    func retry(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let form = try await ConsoleForm.read(request, context)
        if case .failure(let answer) = changeSession(request, form: form) { return answer.response() }
        let id = try context.parameters.require("id")
        guard let report = try await report(id) else { return ConsoleAnswer.html(.notFound, MessagePage.render(title: "No such incident", message: "there is no incident \(id)", back: true)).response() }
        guard report.retryableSection != nil else {
            return ConsoleAnswer.html(.conflict, MessagePage.render(title: "Nothing retried", message: "incident \(id) has no failed step to send again", back: true)).response()
        }
        do {
            _ = try await backend.retryFailed(playbook: report.incident.playbook, incident: id)
        } catch {
            return ConsoleAnswer.html(.conflict, MessagePage.render(title: "Nothing retried", message: "\(error)", back: true)).response()
        }
        return ConsoleAnswer.redirect("/incidents/\(Self.pathComponent(id))").response()
    }

    func decideInConsole(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let form = try await ConsoleForm.read(request, context)
        if case .failure(let answer) = changeSession(request, form: form) { return answer.response() }
        let id = try context.parameters.require("id")
        let step = try context.parameters.require("step")
        guard let decision = form.decision.flatMap(Approvals.Decision.init(rawValue:)) else {
            return ConsoleAnswer.html(.badRequest, MessagePage.render(title: "Nothing decided", message: "the form has no decision (approve or deny)", back: true)).response()
        }
        guard let report = try await report(id), let playbook = playbook(named: report.incident.playbook) else {
            return ConsoleAnswer.html(.notFound, MessagePage.render(title: "No such incident", message: "there is no incident \(id)", back: true)).response()
        }
        do {
            _ = try await Approvals.decide(decision, step: step, playbook: playbook.playbook, journal: backend.journal, by: Approvals.consoleDecider, now: clock())
        } catch let refusal as Approvals.Refusal {
            return ConsoleAnswer.html(.conflict, MessagePage.render(title: "Nothing decided", message: refusal.description, back: true)).response()
        }
        return ConsoleAnswer.redirect("/incidents/\(Self.pathComponent(id))").response()
    }

    func runPage(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let session: String
        switch self.session(request) {
        case .failure(let answer): return answer.response()
        case .success(let value): session = value
        }
        let name = try context.parameters.require("playbook")
        guard let playbook = playbook(named: name) else {
            return ConsoleAnswer.html(.notFound, MessagePage.render(title: "No such playbook", message: "this process serves no playbook '\(name)'", back: true)).response()
        }
        let trigger = request.uri.queryParameters.get("trigger") ?? playbook.playbook.triggers.first?.id.value ?? ""
        var page = RunPage(playbook: playbook, trigger: trigger, plan: nil, planProblem: nil, csrf: sessions.csrf(session: session))
        do {
            page.plan = try Planner.plan(playbook.playbook, .init(triggerID: trigger, start: clock()))
        } catch {
            page.planProblem = "\(error)"
        }
        return ConsoleAnswer.html(.ok, page.render()).response()
    }

    func run(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let form = try await ConsoleForm.read(request, context)
        if case .failure(let answer) = changeSession(request, form: form) { return answer.response() }
        let name = try context.parameters.require("playbook")
        guard let playbook = playbook(named: name) else {
            return ConsoleAnswer.html(.notFound, MessagePage.render(title: "No such playbook", message: "this process serves no playbook '\(name)'", back: true)).response()
        }
        let trigger = form.trigger ?? playbook.playbook.triggers.first?.id.value ?? ""
        do {
            let incident = try await backend.run(playbook: name, trigger: trigger)
            return ConsoleAnswer.redirect("/incidents/\(Self.pathComponent(incident))").response()
        } catch {
            return ConsoleAnswer.html(.conflict, MessagePage.render(title: "Not started", message: "\(error)", back: true)).response()
        }
    }

    // MARK: API

    func apiIncidents(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        if case .failure(let answer) = session(request, api: true) { return answer.response() }
        var reports: [JSONValue] = []
        for incident in try await backend.journal.incidents(unfinishedOnly: false, limit: Self.incidentLimit) {
            reports.append(IncidentReportRenderer.json(try await IncidentReport.read(incident, from: backend.journal, failureLimit: IncidentReportRenderer.jsonFailureLimit)))
        }
        return ConsoleAnswer.json(.ok, .array(reports)).response()
    }

    func apiIncident(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        if case .failure(let answer) = session(request, api: true) { return answer.response() }
        let id = try context.parameters.require("id")
        guard let report = try await report(id) else { return ConsoleAnswer.json(.notFound, .object([("error", .string("no incident \(id)"))])).response() }
        return ConsoleAnswer.json(.ok, IncidentReportRenderer.json(report)).response()
    }

    // MARK: Reading

    func report(_ id: String) async throws -> IncidentReport? {
        guard let record = try await backend.journal.incident(id) else { return nil }
        return try await IncidentReport.read(record, from: backend.journal, failureLimit: IncidentReportRenderer.textFailureLimit)
    }

    func playbook(named name: String) -> ConsolePlaybook? {
        backend.playbooks.first { $0.name == name }
    }

    /// The incident's plan without contacts (its picture and its gates), kept per incident and resolution.
    func plan(_ playbook: Playbook, for incident: IncidentRecord) -> Plan? {
        let key = "\(incident.id)|\(incident.resolvedAt?.timeIntervalSince1970 ?? -1)"
        if let cached = plans.withLock({ $0[key] }) { return cached }
        guard let plan = try? Planner.plan(playbook, .init(triggerID: incident.trigger, start: incident.startedAt, includeContacts: false, resolvedAt: incident.resolvedAt)) else {
            return nil
        }
        plans.withLock { plans in
            if plans.count > 200 { plans.removeAll() }
            plans[key] = plan
        }
        return plan
    }

    static func pathComponent(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? text
    }
}
