import Foundation
import PlaybookCore
import Testing

/// One `notify` step's walk over the contacts, as the planner counts it and a run sends it.
@Suite struct ContactWalkTests {
    static let yaml = """
        version: 1
        playbook: walk
        timezone: Europe/Rome
        triggers: [{ id: t, manual: {} }]
        channels:
          sms: { type: twilio, account_sid: AC1, auth_token: "${env.T}", from: "+390000000000" }
          mail: { type: smtp, host: smtp.example.com, from: "Shop <shop@example.com>" }
        audience: { contacts: contacts.csv, segments: { vip: "'vip' in contact.tags" } }
        settings: { quiet_hours: "22:00-07:00" }
        steps:
          - { id: tell, notify: { segment: vip, via: [sms, mail], mode: all, message: { text: hi } } }
        """

    /// 20:30 UTC: 22:30 in Rome, inside quiet hours.
    static let moment = ISO8601DateFormatter().date(from: "2021-10-04T20:30:00Z")!

    static func walk(remembering memory: ContactWalk.Memory = .addresses) throws -> ContactWalk {
        let playbook = try #require(PlaybookLoader.check(bytes: Array(yaml.utf8), path: "/nonexistent/walk.yaml").playbook)
        let facts = Facts(
            trigger: [:], triggerID: "t", triggerKind: "manual", triggerTypes: [:], incidentID: "walk-1", startedAt: moment, elapsed: 0, now: moment,
            active: true, timezone: TimeZone(identifier: "Europe/Rome")!, vars: .object([]))
        return try #require(ContactWalk(step: playbook.steps[0], in: playbook, facts: facts, at: moment, remembering: memory))
    }

    static func vip(_ id: String, email: String = "", phone: String = "", consent: Bool = true, zone: String = "") -> Contact {
        Contact(id: id, email: email, phone: phone, tags: ["vip"], consentEmail: consent, consentSMS: consent, timezone: zone)
    }

    @Test func aContactOutsideTheSegmentGetsNothing() throws {
        var walk = try Self.walk()
        #expect(walk.visit(Contact(id: "c1", email: "a@example.com", tags: ["fan"], consentEmail: true)) == .notMember)
        #expect(walk.deliveries.isEmpty)
    }

    @Test func aMemberNoChannelReachesIsUnreachable() throws {
        var walk = try Self.walk()
        #expect(walk.visit(Self.vip("c1", email: "a@example.com", phone: "+393330000001", consent: false)) == .unreachable)
        #expect(walk.deliveries.isEmpty)
    }

    @Test func aMemberGetsOneDeliveryPerChannelWithQuietHoursInItsZone() throws {
        var walk = try Self.walk()
        #expect(walk.visit(Self.vip("c1", email: "a@example.com", phone: "+393330000001", zone: "Europe/Rome")) == .routed)
        #expect(walk.deliveries.map(\.route.channel) == ["sms", "mail"])
        #expect(walk.deliveries.map(\.isDuplicate) == [false, false])
        #expect(walk.deliveries[0].route.deferredUntil == ISO8601DateFormatter().date(from: "2021-10-05T05:00:00Z"))
        #expect(walk.deliveries[1].route.deferredUntil == nil)
    }

    @Test(arguments: [ContactWalk.Memory.addresses, .hashes])
    func anAddressAlreadyServedOnAChannelIsADuplicateThereOnly(_ memory: ContactWalk.Memory) throws {
        var walk = try Self.walk(remembering: memory)
        _ = walk.visit(Self.vip("c1", email: "a@example.com", phone: "+393330000001"))
        #expect(walk.visit(Self.vip("c2", email: "A@Example.com", phone: "+393330000002")) == .routed)
        #expect(walk.deliveries.map(\.isDuplicate) == [false, true])
        // The same phone on another contact, as an email address, is no duplicate: addresses are per channel.
        #expect(walk.visit(Self.vip("c3", email: "+393330000001", phone: "+393330000003")) == .routed)
        #expect(walk.deliveries.map(\.isDuplicate) == [false, false])
    }

    @Test func theKeyOfADeliveryIsIncidentStepContactChannel() throws {
        var walk = try Self.walk()
        let contact = Self.vip("c1", email: "a@example.com")
        _ = walk.visit(contact)
        #expect(walk.key(of: walk.deliveries[0], to: contact, incident: "walk-20211004T203000Z") == "walk-20211004T203000Z/tell/c1/mail")
    }
}
