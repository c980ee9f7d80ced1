import Foundation
import PlaybookCore
import PlaybookEngine
import PlaybookTestSupport
import Testing

/// Both fan-outs — one runner's (SQLite) and the shared one (PostgreSQL) — send what the plan
/// counts, channel by channel: all three walk the contacts with the one `ContactWalk`. The
/// contacts hold members and not, duplicate addresses, a member no channel reaches and a row
/// without an id. (Quiet hours are in the engine's test with a fast clock.)
@Suite struct FanOutPlanAgreementTests {
    static let contacts = [
        "id,name,email,phone,tags,consent_email,consent_sms,timezone,locale",
        "a1,Ada,a1@example.com,+393330000001,vip,true,true,,en",
        "a2,Bea,a2@example.com,+393330000001,vip,true,true,,en",  // a1's phone again
        "a3,Cy,a3@example.com,,vip,true,true,,en",  // no phone: mail
        "a4,Dan,a4@example.com,,vip,false,true,,en",  // no phone, no email consent: unreachable
        "a5,Eve,x@example.com,,fan,true,true,,en",
        "a6,Fay,X@Example.COM,,fan,true,true,,en",  // a5's email, other case
        "a7,Gil,a7@example.com,+393330000007,fan,true,false,,en",  // no SMS consent: mail only
        "a8,Hal,a8@example.com,+393330000008,other,true,true,,en",  // in no segment
        ",No Id,n@example.com,,vip,true,true,,en",  // skipped: no id
    ]

    static func playbook() throws -> Playbook {
        let directory = TestScratch.root.appendingPathComponent("agree-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try (contacts.joined(separator: "\n") + "\n").write(to: directory.appendingPathComponent("contacts.csv"), atomically: true, encoding: .utf8)
        let file = directory.appendingPathComponent("agree.yaml")
        try """
        version: 1
        playbook: agree
        triggers: [{ id: t, manual: {} }]
        channels:
          sms: { type: twilio, account_sid: AC1, auth_token: "${env.T}", from: "+390000000000" }
          mail: { type: smtp, host: smtp.example.com, from: "Shop <shop@example.com>" }
        audience:
          contacts: contacts.csv
          segments: { vip: "'vip' in contact.tags", everyone: "'vip' in contact.tags or 'fan' in contact.tags" }
        steps:
          - { id: tell, notify: { segment: vip, via: [sms, mail], message: { text: "Hi {{ contact.name }}" } } }
          - { id: all, notify: { segment: everyone, via: [mail, sms], mode: all, message: { text: "Hello {{ contact.name }}" } } }
        """.write(to: file, atomically: true, encoding: .utf8)
        return try #require(PlaybookLoader.load(path: file.path).playbook)
    }

    @Test(arguments: Backend.testable) func eachFanOutSendsWhatThePlanCounts(_ backend: Backend) async throws {
        let playbook = try Self.playbook()
        let plan = try Planner.plan(playbook, .init(start: Date()))
        let journal = try await backend.open()
        let channels = CountingChannels(latency: 0)
        let outcome = try await Engine(journal: journal, channels: channels).run(playbook, .init())
        #expect(outcome.statuses == ["tell": .succeeded, "all": .succeeded])
        // Keys are incident/step/contact/channel.
        let keys = channels.sent.keys.map { $0.split(separator: "/").map(String.init) }
        for step in plan.steps {
            let planned = try #require(step.deliveries, "step \(step.id)")
            #expect(planned.duplicates > 0 && planned.unreachable > 0, "the contacts exercise duplicates and unreachable members")
            let sent = Dictionary(grouping: keys.filter { $0[1] == step.id }, by: { $0[3] }).mapValues(\.count)
            #expect(sent == planned.byChannel, "step \(step.id) on \(backend)")
        }
        #expect(channels.sent.values.allSatisfy { $0 == 1 })
        await journal.close()
    }
}
