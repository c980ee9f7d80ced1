import Foundation
import PlaybookCore

extension Engine {
    /// How often a waiting approval reads the journal: a decision made by another process
    /// (`playbook approve`, the console) is seen within this many seconds.
    static let approvalPollInterval: Double = 2

    /// The skip reason of an approval cancelled because its incident resolved first.
    static let approvalCancelledByResolution = "the incident resolved"

    /// `approve`: journals the approval (its token's id, never the token), sends the request
    /// with `approval.url` and `approval.expires_at`, and waits on the clock for a decision or
    /// the timeout. A resumed run finds the approval journaled: it signs the same link again
    /// from the stored id, sends only what was not delivered yet, and waits until the same expiry.
    func approve(_ step: Step, _ request: ApprovalRequest, playbook: Playbook, incident: IncidentRecord, facts: Facts) async -> ActionResult {
        guard let approvals = journal as? any ApprovalJournal else {
            return .failed("this state (\(journal.location)) cannot keep approvals")
        }
        let id = step.id.value
        let key: ApprovalKey
        let record: ApprovalRecord
        do {
            key = try await approvals.approvalKey()
            if let existing = try await approvals.approval(incident: incident.id, step: id) {
                record = existing
            } else {
                let now = clock.now()
                let token = ApprovalToken.issue(incident: incident.id, step: id, expiresAt: now.addingTimeInterval(request.timeout), key: key)
                try await approvals.createApproval(
                    ApprovalRecord(incident: incident.id, step: id, tokenID: token.id, requestedAt: now, expiresAt: token.expiresAt))
                // Another process may have journaled it first: the row in the journal is the one.
                guard let stored = try await approvals.approval(incident: incident.id, step: id) else { return .failed("the approval was not journaled") }
                record = stored
            }
        } catch {
            return .failed(redactor.redact("cannot journal the approval: \(error)"))
        }
        if record.status != .pending { return Self.result(of: record, request) }
        guard let nonce = Self.bytes(hex: record.tokenID), nonce.count == 16 else { return .failed("the journaled approval has a damaged token id") }
        let token = ApprovalToken.issue(incident: incident.id, step: id, expiresAt: record.expiresAt, key: key, nonce: nonce)
        let url = approvalLinkBase.map { base in (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/approve/" + token.encoded } ?? ""

        var sender = self
        sender.redactor = redactor.adding([token.encoded])
        sender.channels = OutboxRedactingChannels(
            base: channels, fileChannels: Set(playbook.channels.filter { $0.type == .file }.map(\.id.value)),
            redactor: SecretRedactor(secrets: [token.encoded]))
        var values = facts
        values.approval = (url: url, expiresAt: record.expiresAt)
        let sent = await sender.sendApprovalRequest(step, request, playbook: playbook, incident: incident, facts: values)
        if stop.isRequested { return .failed("interrupted") }

        let outcome = await waitForDecision(step, request, incident: incident, facts: facts, approvals: approvals)
        guard var outcome else { return .failed("interrupted while waiting for a decision") }
        if let problem = sent.failure { outcome.detail = (outcome.detail ?? "") + "; the request failed: \(problem)" }
        outcome.detail = outcome.detail.map(sender.redactor.redact)
        return outcome
    }

    /// Posts the request on `to` and sends it to the segment via `via`, as `post` and `notify`
    /// do (the same journaling and resume), except that quiet hours never hold it.
    private func sendApprovalRequest(_ step: Step, _ request: ApprovalRequest, playbook: Playbook, incident: IncidentRecord, facts: Facts) async
        -> (sentAny: Bool, failure: String?)
    {
        var failures: [String] = []
        var sentAny = false
        if !request.to.isEmpty {
            var posting = step
            posting.action = .post(to: request.to, content: request.content, link: nil, mode: .all)
            let result = await post(posting, playbook: playbook, incident: incident, facts: facts)
            if result.status == .failed { failures.append(result.detail ?? "post failed") } else { sentAny = true }
        }
        if let segment = request.segment, !request.via.isEmpty {
            var notifying = step
            notifying.action = .notify(segment: segment, via: request.via, content: request.content, mode: .first)
            var awake = playbook
            awake.settings.quietHours = nil
            // Always this runner's own fan-out, even with a shared journal: the shared one
            // journals each rendered message for other runners to send, and this one holds the link.
            let result = await notify(notifying, playbook: awake, incident: incident, facts: facts)
            if result.status == .failed { failures.append(result.detail ?? "notify failed") } else { sentAny = true }
        }
        return (sentAny, failures.isEmpty ? nil : failures.joined(separator: "; "))
    }

    /// Reads the journal every `approvalPollInterval` (on the engine's clock) until the approval
    /// is decided, expires (then `on_timeout` decides, unless someone was first) or its incident
    /// resolves (then it is cancelled). Nil when the run is stopped meanwhile.
    private func waitForDecision(
        _ step: Step, _ request: ApprovalRequest, incident: IncidentRecord, facts: Facts,
        approvals: any ApprovalJournal
    ) async -> ActionResult? {
        let id = step.id.value
        var announced = false
        while true {
            let record: ApprovalRecord
            do {
                guard let current = try await approvals.approval(incident: incident.id, step: id) else {
                    return .failed("the approval vanished from the journal")
                }
                record = current
                if record.status != .pending { return Self.result(of: record, request) }
                let now = clock.now()
                if facts.active == true, await !isStillActive(incident) {
                    _ = try await approvals.decideApproval(incident: incident.id, step: id, status: .cancelled, by: Self.approvalCancelledByResolution, at: now)
                    continue
                }
                if now >= record.expiresAt {
                    let status: ApprovalRecord.Status = request.onTimeout == .approve ? .approved : .denied
                    _ = try await approvals.decideApproval(incident: incident.id, step: id, status: status, by: ApprovalRecord.timeoutDecider, at: now)
                    continue
                }
            } catch {
                return .failed(redactor.redact("cannot read the approval from the journal: \(error)"))
            }
            if !announced {
                announced = true
                progress.report(.log(step: id, message: "waiting for a decision until \(Self.iso(record.expiresAt)) (on_timeout: \(request.onTimeout.rawValue))"))
            }
            let wake = min(record.expiresAt, clock.now().addingTimeInterval(Self.approvalPollInterval))
            guard await stop.sleep(until: wake, clock: clock) else { return nil }
        }
    }

    /// The step's outcome for a decided approval.
    static func result(of record: ApprovalRecord, _ request: ApprovalRequest) -> ActionResult {
        let who = record.decidedBy ?? "unknown"
        let when = record.decidedAt.map { " at \(iso($0))" } ?? ""
        let timedOut = who == ApprovalRecord.timeoutDecider
        switch record.status {
        case .approved:
            return .succeeded(timedOut ? "no decision by \(iso(record.expiresAt)): approved (on_timeout: approve)" : "approved by \(who)\(when)")
        case .denied:
            return .failed(timedOut ? "no decision by \(iso(record.expiresAt)): denied (on_timeout: deny)" : "denied by \(who)\(when)")
        case .cancelled:
            return ActionResult(status: .skipped, detail: approvalCancelledByResolution)
        case .pending:
            return .failed("still pending")
        }
    }

    static func iso(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let byte = UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16) else { return nil }
            out.append(byte)
        }
        return out
    }
}

extension ApprovalRecord {
    /// Who decided an approval that nobody answered in time (`on_timeout`).
    public static let timeoutDecider = "timeout"
}

/// The engine's channels, except that `file` channels — outboxes kept on disk for tests and
/// audits — get messages with the approval link's token masked: a file is not the person
/// asked, and a token at rest there would decide the approval for whoever reads it.
struct OutboxRedactingChannels: ChannelRegistry {
    let base: any ChannelRegistry
    let fileChannels: Set<String>
    let redactor: SecretRedactor

    func messageChannel(_ id: String) async throws(ChannelFailure) -> any MessageChannel {
        let channel = try await base.messageChannel(id)
        return fileChannels.contains(id) ? Masked(channel: channel, redactor: redactor) : channel
    }
    func adsChannel(_ id: String) async throws(ChannelFailure) -> any AdsChannel { try await base.adsChannel(id) }
    func calendarChannel(_ id: String) async throws(ChannelFailure) -> any CalendarChannel { try await base.calendarChannel(id) }
    func webhookChannel(_ id: String) async throws(ChannelFailure) -> any WebhookCallChannel { try await base.webhookChannel(id) }
    func resolve(_ value: ConfigValue) async throws(ChannelFailure) -> String { try await base.resolve(value) }

    struct Masked: MessageChannel {
        let channel: any MessageChannel
        let redactor: SecretRedactor
        func send(_ message: OutboundMessage) async throws(ChannelFailure) -> DeliveryReceipt {
            var masked = message
            masked.text = redactor.redact(message.text)
            masked.subject = message.subject.map(redactor.redact)
            masked.html = message.html.map(redactor.redact)
            masked.link = message.link.map(redactor.redact)
            return try await channel.send(masked)
        }
    }
}
