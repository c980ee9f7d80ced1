import Foundation

@testable import PlaybookCore

/// The 4 October 2021 outage as the soak replays it (docs/reliability.md):
///
/// - 15:40 UTC Facebook, Instagram and WhatsApp go down; DNS fails with them — and since the
///   probes resolve through the same failing resolver, every platform a shipped playbook probes
///   looks down (harsher than the real day, so that every playbook fires);
/// - 18:05 a flap: everything answers again for 90 seconds;
/// - traffic drops 60% from 15:40 (page views and checkouts);
/// - 15:45 the mail provider's status page calls `watch --listen` (a signed webhook);
/// - 22:30 everything is back; the operator recovers the webhook-started incident at 22:45.
enum OutageWorld {
    static let utc = TimeZone(identifier: "UTC")!

    static func at(_ hhmm: String, second: Int = 0, day: Int = 4) -> Date {
        let parts = hhmm.split(separator: ":").compactMap { Int($0) }
        var components = DateComponents(timeZone: utc, year: 2021, month: 10, day: day, hour: parts[0], minute: parts[1], second: second)
        components.calendar = Calendar(identifier: .gregorian)
        return components.date!
    }

    static let origin = at("15:00")
    static let down = at("15:40")
    static let flapStart = at("18:05")
    static let flapEnd = at("18:06", second: 30)
    static let back = at("22:30")
    static let webhookAt = at("15:45")
    static let operatorRecovers = at("22:45")
    /// When the soak stops: the last quiet-hours deferral of the night has passed.
    static let end = at("12:00", day: 5)

    /// The probe results and source values the playbook's triggers would see.
    static func observations(for playbook: Playbook) -> [Observation] {
        let nowhere = SourceLocation(file: "soak", line: 1, column: 1)
        var out: [Observation] = []
        var platforms = Set<String>()
        for trigger in playbook.triggers {
            switch trigger.kind {
            case .platformDown(let down): platforms.formUnion(down.platforms.map(\.value))
            case .trafficDrop(let drop):
                // A normal value a week earlier (the 7d baselines), normal until 15:40, 40% of it until 22:30.
                let normal: Double =
                    switch drop.baseline {
                    case .fixed(let fixed): fixed
                    case .ago: 120
                    }
                for (time, value) in [(origin.addingTimeInterval(-7 * 86_400), normal), (origin, normal), (down, normal * 0.4), (back, normal)] {
                    out.append(Observation(time: time, subject: .source(drop.source.value, value: value), location: nowhere))
                }
            case .manual, .webhook: break
            }
        }
        for platform in platforms.sorted() {
            for (time, up) in [(origin, true), (down, false), (flapStart, true), (flapEnd, false), (back, true)] {
                out.append(Observation(time: time, subject: .platform(platform, up: up), location: nowhere))
            }
        }
        return out
    }

    /// Every moment a trigger of the playbook fires (the flap makes some fire twice), and when
    /// the incident resolves: §4's rules through `TriggerSimulation`, the code `watch` uses.
    static func schedule(for playbook: Playbook) -> (fires: [(at: Date, trigger: String)], first: TriggerSimulation.Outcome) {
        let observations = observations(for: playbook)
        let outcome = TriggerSimulation.run(triggers: playbook.triggers, observations: observations)
        var histories: [String: [Observation]] = [:]
        for observation in observations.sorted(by: { $0.time < $1.time }) {
            switch observation.subject {
            case .platform(let name, _): histories["platform:" + name, default: []].append(observation)
            case .source(let name, _): histories["source:" + name, default: []].append(observation)
            }
        }
        // Every firing, not only the one that opens the incident: the same state machine, fed the
        // same change points, with each `.fired` transition kept until the incident resolves.
        var due: [Date: [Trigger]] = [:]
        for trigger in playbook.triggers {
            for point in TriggerSimulation.points(of: trigger, histories: histories) { due[point, default: []].append(trigger) }
        }
        var machine = TriggerStateMachine(triggers: playbook.triggers)
        var fires: [(at: Date, trigger: String)] = []
        let until = outcome.resolvedAt ?? end
        func keep(_ transitions: [TriggerStateMachine.Transition]) {
            for case .fired(let trigger, let at, _) in transitions where at <= until { fires.append((at, trigger)) }
        }
        for time in due.keys.sorted() where time <= until {
            var conditions: [String: Bool] = [:]
            for trigger in due[time]! { conditions[trigger.id.value] = TriggerSimulation.condition(of: trigger, at: time, histories: histories) }
            keep(machine.observe(conditions, at: time))
        }
        keep(machine.advance(to: until))
        return (fires.sorted { $0.at < $1.at }, outcome)
    }

    /// The body the mail provider's status page sends (Statuspage's component update).
    static let webhookBody = Array(
        #"{"component_update":{"new_status":"major_outage","old_status":"operational"},"component":{"name":"Email delivery","status":"major_outage"}}"#.utf8)
}

/// A small deterministic random generator (SplitMix64), so that a seed replays the same faults.
struct SeededRandom: RandomNumberGenerator, Sendable {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The soak's audience: `count` customers in contacts.csv (meta-outage,
/// newsletter-provider-down) and the same customers as a Shopify export (shop-down), as many
/// fans in fans.csv (tiktok-creator), and a team of 12.
enum SoakAudience {
    /// The customers (native rows) as Shopify's customers export: yes/no consent, tags with
    /// commas, CRLF and a byte-order mark, as Shopify writes it.
    static func shopifyExport(of rows: some Sequence<String>) -> String {
        var lines = ["Customer ID,First Name,Last Name,Email,Accepts Email Marketing,Phone,Accepts SMS Marketing,Tags"]
        for row in rows {
            let f = row.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard f.count >= 7 else { continue }
            func yesNo(_ value: String) -> String { ["true", "yes", "1"].contains(value.lowercased()) ? "yes" : value.isEmpty ? "" : "no" }
            let tags = f[4].split(separator: ";").joined(separator: ", ")
            lines.append("'\(f[0]),\(f[1]),,\(f[2]),\(yesNo(f[5])),'\(f[3]),\(yesNo(f[6])),\"\(tags)\"")
        }
        return "\u{FEFF}" + lines.joined(separator: "\r\n") + "\r\n"
    }

    static let timezones = [
        "Europe/Rome", "Europe/Rome", "Europe/Rome", "Europe/London", "Europe/Berlin", "America/New_York",
        "America/Los_Angeles", "Asia/Tokyo", "Asia/Kolkata", "Australia/Sydney", "Pacific/Auckland", "",
    ]
    static let locales = ["it", "it-IT", "en", "de", "fr", "es", ""]
    static let header = "id,name,email,phone,tags,consent_email,consent_sms,timezone,locale"

    static func write(to directory: URL, count: Int, seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        func chance(_ p: Double) -> Bool { Double(random.next() % 10_000) / 10_000 < p }
        func pick<T>(_ items: [T]) -> T { items[Int(random.next() % UInt64(items.count))] }
        func consent(_ yes: Bool) -> String { yes ? pick(["true", "yes", "1", "TRUE"]) : pick(["false", "no", "0", ""]) }

        var customers = [header + ",telegram_chat_id"]
        for i in 0..<count {
            var tags: [String] = []
            if chance(0.2) { tags.append("vip") }
            if chance(0.6) { tags.append("newsletter") }
            if chance(0.05) { tags.append("wholesale") }
            // One customer in fifty shares an address with the one before (a household): one message each.
            let email = chance(0.9) ? (i > 0 && i % 50 == 0 ? "c\(i - 1)@example.com" : "c\(i)@example.com") : ""
            let phone = chance(0.7) ? "+39333\(String(format: "%07d", i))" : ""
            let chat = chance(0.2) ? "\(100_000 + i)" : ""
            customers.append(
                "c\(i),Customer \(i),\(email),\(phone),\(tags.joined(separator: ";")),\(consent(chance(0.8))),\(consent(chance(0.5))),\(pick(timezones)),\(pick(locales)),\(chat)"
            )
        }
        // Rows the reader skips: no id, a bad phone, an unknown timezone.
        customers += [
            ",No Id,x@example.com,,vip,true,true,,,", "bad1,Bad Phone,b@example.com,0039,vip,true,true,,,",
            "bad2,Bad Zone,z@example.com,,vip,true,true,Mars/Olympus,,",
        ]
        try (customers.joined(separator: "\n") + "\n").write(to: directory.appendingPathComponent("contacts.csv"), atomically: true, encoding: .utf8)
        try shopifyExport(of: customers.dropFirst()).write(to: directory.appendingPathComponent("customers_export.csv"), atomically: true, encoding: .utf8)

        var fans = [header + ",tier"]
        for i in 0..<count {
            var tags = ["fan"]
            if chance(0.5) { tags.append("newsletter") }
            if chance(0.03) { tags.append("brand") }
            let email = chance(0.95) ? "f\(i)@fans.example" : ""
            fans.append(
                "f\(i),Fan \(i),\(email),,\(tags.joined(separator: ";")),\(consent(chance(0.7))),false,\(pick(timezones)),\(pick(locales)),\(chance(0.1) ? "supporter" : "free")"
            )
        }
        try (fans.joined(separator: "\n") + "\n").write(to: directory.appendingPathComponent("fans.csv"), atomically: true, encoding: .utf8)

        var team = [header]
        let roles = ["owner;oncall", "dev;oncall", "ads", "support", "dev", "ads;oncall"]
        for i in 0..<12 {
            // Not in Tokyo: its quiet hours end at 23:00 UTC, the very moment traffic-drop resolves,
            // and which of two things due at one instant goes first is no test of anything.
            team.append(
                "t\(i),Team \(i),t\(i)@shop.example.com,+39347\(String(format: "%07d", i)),\(roles[i % roles.count]),true,\(consent(i % 3 != 0)),\(pick(timezones.filter { $0 != "Asia/Tokyo" })),en"
            )
        }
        try (team.joined(separator: "\n") + "\n").write(to: directory.appendingPathComponent("team.csv"), atomically: true, encoding: .utf8)
    }
}
