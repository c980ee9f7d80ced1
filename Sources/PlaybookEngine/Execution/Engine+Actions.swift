import Foundation
import PlaybookCore

extension Engine {
    /// `post`: one delivery per channel (all of them, or until the first succeeds), each journaled
    /// before it is attempted; a templated text over the network's limit fails that channel.
    func post(_ step: Step, playbook: Playbook, incident: IncidentRecord, facts: Facts) async -> ActionResult {
        guard case .post(let to, let content, let link, let mode) = step.action else { return .failed("not a post") }
        let renderer: MessageRenderer
        do {
            renderer = try MessageRenderer(content: content, in: playbook)
        } catch {
            return .failed(error.description)
        }
        let values = MessageValues(facts: facts)
        let text = renderer.render(contact: nil, values: values).text
        let renderedLink = link.flatMap { try? MessageRenderer(subject: nil, text: $0.value, html: nil).render(contact: nil, values: values).text }
        let existing = Dictionary(((try? await journal.deliveries(incident: incident.id, step: step.id.value)) ?? []).map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        var failures: [String] = []
        var sent = 0
        for target in to {
            let key = "\(incident.id)/\(step.id.value)/\(target.value)"
            if existing[key]?.status == .sent {
                sent += 1
                if mode == .first { break }
                continue
            }
            if stop.isRequested { break }
            let type = playbook.channel(target.value)?.type
            if let type, let limit = type.postLengthLimit {
                let length = PostLength.count(text, link: renderedLink, for: type)
                if length > limit {
                    failures.append("\(target.value): the text is \(length) characters, over \(type.displayName)'s limit of \(limit)")
                    try? await journal.planDeliveries([DeliveryRecord(key: key, incident: incident.id, step: step.id.value, channel: target.value, contact: "", address: "", status: .pending)], at: clock.now())
                    try? await journal.markDelivery(key, .failed, detail: failures.last, at: clock.now())
                    continue
                }
            }
            do {
                try await journal.planDeliveries([DeliveryRecord(key: key, incident: incident.id, step: step.id.value, channel: target.value, contact: "", address: "", status: .pending)], at: clock.now())
                try await journal.markDelivery(key, .attempting, at: clock.now())
                let channel = try await channels.messageChannel(target.value)
                let message = OutboundMessage(playbook: playbook.name.value, incident: incident.id, step: step.id.value, action: "post",
                                              idempotencyKey: key, text: text, link: renderedLink)
                _ = try await limited(target.value, in: playbook) {
                    try await Retrying(policy: step.retry, timeout: step.timeout, clock: clock).run { () async throws(ChannelFailure) -> DeliveryReceipt in
                        try await channel.send(message)
                    }
                }
                try await journal.markDelivery(key, .sent, at: clock.now())
                sent += 1
                if mode == .first { break }
            } catch {
                let reason = redactor.redact("\(target.value): \(Retrying.describe(error))")
                try? await journal.markDelivery(key, .failed, detail: reason, at: clock.now())
                failures.append(reason)
            }
        }
        if mode == .first {
            return sent > 0 ? .succeeded("posted") : .failed("no channel accepted the post: \(failures.joined(separator: "; "))")
        }
        return failures.isEmpty ? .succeeded("posted on \(sent) channel\(sent == 1 ? "" : "s")") : .failed(failures.joined(separator: "; "))
    }

    /// `pause_ads` pauses the active campaigns that match, journaling each before pausing it;
    /// `resume_ads` resumes exactly those this incident paused (or the campaigns it names).
    func ads(_ step: Step, playbook: Playbook, incident: IncidentRecord) async -> ActionResult {
        let retrying = Retrying(policy: step.retry, timeout: step.timeout, clock: clock)
        let encoder = JSONEncoder()
        let decoder = JSONDecoder()
        do {
            switch step.action {
            case .pauseAds(let channelRef, let selector):
                let channel = try await channels.adsChannel(channelRef.value)
                let known = try await journal.effects(incident: incident.id, kind: "paused_campaign", channel: channelRef.value)
                let (active, _) = try await limited(channelRef.value, in: playbook) {
                    try await retrying.run { () async throws(ChannelFailure) -> [Campaign] in try await channel.activeCampaigns(matching: selector) }
                }
                // Campaigns journaled as being paused by an earlier, interrupted run are paused again (harmless).
                var campaigns = known.filter { $0.status == "pausing" }.compactMap { try? decoder.decode(Campaign.self, from: Data($0.data.utf8)) }
                campaigns += active.filter { campaign in !campaigns.contains(campaign) }
                for campaign in campaigns {
                    if stop.isRequested { return .failed("interrupted") }
                    let data = String(decoding: try encoder.encode(campaign), as: UTF8.self)
                    try await journal.recordEffect(incident: incident.id, step: step.id.value, kind: "paused_campaign", channel: channelRef.value, item: campaign.id, data: data, status: "pausing")
                    _ = try await limited(channelRef.value, in: playbook) {
                        try await retrying.run { () async throws(ChannelFailure) -> Bool in
                            try await channel.pause(campaign, idempotencyKey: "\(incident.id)/\(step.id.value)/\(campaign.id)")
                            return true
                        }
                    }
                    try await journal.recordEffect(incident: incident.id, step: step.id.value, kind: "paused_campaign", channel: channelRef.value, item: campaign.id, data: data, status: "paused")
                }
                let total = try await journal.effects(incident: incident.id, kind: "paused_campaign", channel: channelRef.value).count
                return .succeeded("\(total) campaign\(total == 1 ? "" : "s") paused")
            case .resumeAds(let channelRef, let selector):
                let channel = try await channels.adsChannel(channelRef.value)
                let paused = try await journal.effects(incident: incident.id, kind: "paused_campaign", channel: channelRef.value)
                var campaigns = paused.filter { $0.status != "resumed" }.compactMap { try? decoder.decode(Campaign.self, from: Data($0.data.utf8)) }
                switch selector {
                case .ids(let ids)?: campaigns = ids.map { id in campaigns.first { $0.id == id } ?? Campaign(id: id, name: id) }
                case .nameMatches(let pattern)?:
                    let regex = try Regex(pattern)
                    campaigns = campaigns.filter { $0.name.contains(regex) }
                default: break
                }
                for campaign in campaigns {
                    if stop.isRequested { return .failed("interrupted") }
                    _ = try await limited(channelRef.value, in: playbook) {
                        try await retrying.run { () async throws(ChannelFailure) -> Bool in
                            try await channel.resume(campaign, idempotencyKey: "\(incident.id)/\(step.id.value)/\(campaign.id)")
                            return true
                        }
                    }
                    let data = String(decoding: try encoder.encode(campaign), as: UTF8.self)
                    try await journal.recordEffect(incident: incident.id, step: step.id.value, kind: "paused_campaign", channel: channelRef.value, item: campaign.id, data: data, status: "resumed")
                }
                return .succeeded("\(campaigns.count) campaign\(campaigns.count == 1 ? "" : "s") resumed")
            default:
                return .failed("not an ads action")
            }
        } catch {
            return .failed(redactor.redact(Retrying.describe(error)))
        }
    }

    /// `reschedule_posts` journals the moves it is about to make, then applies them;
    /// `restore_posts` moves exactly those posts back (those whose time has passed to now + 15m, in order).
    func calendar(_ step: Step, playbook: Playbook, incident: IncidentRecord) async -> ActionResult {
        let retrying = Retrying(policy: step.retry, timeout: step.timeout, clock: clock)
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        do {
            switch step.action {
            case .reschedulePosts(let channelRef, let networks, let window, let shift):
                let channel = try await channels.calendarChannel(channelRef.value)
                var moves = try await journal.effects(incident: incident.id, kind: "moved_post", channel: channelRef.value)
                    .compactMap { try? decoder.decode(PostMove.self, from: Data($0.data.utf8)) }
                if moves.isEmpty {
                    let now = clock.now()
                    let (planned, _) = try await limited(channelRef.value, in: playbook) {
                        try await retrying.run { () async throws(ChannelFailure) -> [PostMove] in
                            try await channel.movesToReschedule(networks: networks.map(\.value), window: window, shift: shift, now: now)
                        }
                    }
                    moves = planned
                    for move in moves {
                        try await journal.recordEffect(incident: incident.id, step: step.id.value, kind: "moved_post", channel: channelRef.value, item: move.postID,
                                                       data: String(decoding: try encoder.encode(move), as: UTF8.self), status: "moved")
                    }
                }
                let toApply = moves
                _ = try await limited(channelRef.value, in: playbook) {
                    try await retrying.run { () async throws(ChannelFailure) -> Bool in
                        try await channel.apply(toApply)
                        return true
                    }
                }
                return .succeeded("\(moves.count) post\(moves.count == 1 ? "" : "s") rescheduled")
            case .restorePosts(let channelRef):
                let channel = try await channels.calendarChannel(channelRef.value)
                let records = try await journal.effects(incident: incident.id, kind: "moved_post", channel: channelRef.value)
                let moves = records.compactMap { try? decoder.decode(PostMove.self, from: Data($0.data.utf8)) }
                let back = Self.restoringMoves(moves, now: clock.now())
                _ = try await limited(channelRef.value, in: playbook) {
                    try await retrying.run { () async throws(ChannelFailure) -> Bool in
                        try await channel.apply(back)
                        return true
                    }
                }
                for move in back {
                    try await journal.recordEffect(incident: incident.id, step: step.id.value, kind: "restored_post", channel: channelRef.value, item: move.postID,
                                                   data: String(decoding: try encoder.encode(move), as: UTF8.self), status: "restored")
                }
                return .succeeded("\(back.count) post\(back.count == 1 ? "" : "s") restored")
            default:
                return .failed("not a calendar action")
            }
        } catch {
            return .failed(redactor.redact(Retrying.describe(error)))
        }
    }

    /// The moves that undo `moves`: each post back to its original time, or — when that time has
    /// passed — to now + 15m, one minute apart in their original order.
    public static func restoringMoves(_ moves: [PostMove], now: Date) -> [PostMove] {
        var late = 0
        return moves.sorted { ($0.from, $0.postID) < ($1.from, $1.postID) }.map { move in
            if move.from > now { return PostMove(postID: move.postID, network: move.network, from: move.to, to: move.from) }
            defer { late += 1 }
            let when = (now.addingTimeInterval(15 * 60 + Double(late) * 60).timeIntervalSince1970 / 60).rounded(.up) * 60
            return PostMove(postID: move.postID, network: move.network, from: move.to, to: Date(timeIntervalSince1970: when))
        }
    }

    /// `webhook`: one call with the rendered body, journaled as a delivery so a resume does not repeat it.
    func webhook(_ step: Step, playbook: Playbook, incident: IncidentRecord, facts: Facts) async -> ActionResult {
        guard case .webhook(let channelRef, let url, let method, let body) = step.action else { return .failed("not a webhook") }
        let key = "\(incident.id)/\(step.id.value)"
        if let existing = try? await journal.deliveries(incident: incident.id, step: step.id.value).first, existing.status == .sent {
            return .succeeded("already called")
        }
        let values = MessageValues(facts: facts)
        let rendered = body.map { Self.renderLeaves($0, values: values) }
        do {
            try await journal.planDeliveries([DeliveryRecord(key: key, incident: incident.id, step: step.id.value, channel: channelRef?.value ?? "url", contact: "", address: "", status: .pending)], at: clock.now())
            try await journal.markDelivery(key, .attempting, at: clock.now())
            let channel = try await channels.webhookChannel(channelRef?.value ?? "")
            // A `url: "${env.HOOK}"` is resolved here, by the registry that holds the environment.
            var target: String?
            if let url { target = try await channels.resolve(url) }
            let retrying = Retrying(policy: step.retry, timeout: step.timeout, clock: clock)
            let call = { [target] () async throws -> Void in
                _ = try await retrying.run { () async throws(ChannelFailure) -> Bool in
                    try await channel.call(method: method, url: target, body: rendered, idempotencyKey: key)
                    return true
                }
            }
            if let channelRef { try await limited(channelRef.value, in: playbook, call) } else { try await call() }
            try await journal.markDelivery(key, .sent, at: clock.now())
            return .succeeded()
        } catch {
            let reason = redactor.redact(Retrying.describe(error))
            try? await journal.markDelivery(key, .failed, detail: reason, at: clock.now())
            return .failed(reason)
        }
    }

    static func renderLeaves(_ value: JSONValue, values: MessageValues) -> JSONValue {
        switch value {
        case .string(let text):
            guard text.contains("{{"), let renderer = try? MessageRenderer(subject: nil, text: text, html: nil) else { return value }
            return .string(renderer.render(contact: nil, values: values).text)
        case .array(let items): return .array(items.map { renderLeaves($0, values: values) })
        case .object(let members): return .object(members.map { ($0.0, renderLeaves($0.1, values: values)) })
        default: return value
        }
    }
}
