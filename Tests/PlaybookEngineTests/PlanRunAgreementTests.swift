import Foundation
import PlaybookCore
import Testing

@testable import PlaybookEngine

/// The plan's delivery counts and what a run sends come from one walk over the contacts
/// (`ContactWalk`): for the same playbook and contacts — members and not, duplicate addresses,
/// contacts no channel reaches, a row without an id, quiet hours — they agree channel by channel.
@Suite struct PlanRunAgreementTests {
    static let yaml = """
        version: 1
        playbook: agree
        timezone: Europe/Rome
        triggers: [{ id: t, manual: {} }]
        channels:
          sms: { type: twilio, account_sid: AC1, auth_token: "${env.T}", from: "+390000000000" }
          mail: { type: smtp, host: smtp.example.com, from: "Shop <shop@example.com>" }
        audience:
          contacts: contacts.csv
          segments: { vip: "'vip' in contact.tags", everyone: "'vip' in contact.tags or 'fan' in contact.tags" }
        settings: { quiet_hours: "22:00-07:00" }
        steps:
          - { id: tell, notify: { segment: vip, via: [sms, mail], message: { text: "Hi {{ contact.name }}" } } }
          - { id: all, notify: { segment: everyone, via: [mail, sms], mode: all, message: { text: "Hello {{ contact.name }}" } } }
        """

    /// id,name,email,phone,tags,consent_email,consent_sms,timezone,locale
    static let contacts = [
        "a1,Ada,a1@example.com,+393330000001,vip,true,true,Europe/Rome,en",  // SMS in quiet hours (22:30 in Rome)
        "a2,Bea,a2@example.com,+393330000001,vip,true,true,Europe/Rome,en",  // a1's phone again
        "a3,Cy,a3@example.com,,vip,true,true,,en",  // no phone: mail
        "a4,Dan,a4@example.com,,vip,false,true,,en",  // no phone, no email consent: unreachable
        "a5,Eve,x@example.com,,fan,true,true,,en",
        "a6,Fay,X@Example.COM,,fan,true,true,,en",  // a5's email, other case
        "a7,Gil,a7@example.com,+393330000007,fan,true,false,,en",  // no SMS consent: mail only
        "a8,Hal,a8@example.com,+393330000008,other,true,true,,en",  // in no segment
        "a9,Ida,a9@example.com,+12125550199,vip,true,true,America/New_York,en",  // 16:30 in New York
        ",No Id,n@example.com,,vip,true,true,,en",  // skipped: no id
    ]

    static let start = ISO8601DateFormatter().date(from: "2021-10-04T20:30:00Z")!

    @Test func thePlanCountsWhatTheRunSendsChannelByChannel() async throws {
        let fixture = try EngineFixture(Self.yaml, extraContacts: Self.contacts)
        let plan = try Planner.plan(fixture.playbook, .init(start: Self.start))
        let tell = try #require(plan.steps.first { $0.id == "tell" }?.deliveries)
        let all = try #require(plan.steps.first { $0.id == "all" }?.deliveries)
        // The cases the playbook is made of are all there.
        #expect(tell.byChannel == ["sms": 2, "mail": 1] && tell.duplicates == 1 && tell.unreachable == 1 && tell.deferred == 1)
        #expect(all.byChannel == ["mail": 6, "sms": 2] && all.duplicates == 2 && all.unreachable == 1)

        let clock = FastClock(origin: Self.start, factor: 400_000)
        let channels = RecordingChannels(clock: clock)
        let outcome = try await Engine(journal: fixture.journal, channels: channels, clock: clock).run(fixture.playbook, .init())
        #expect(outcome.statuses == ["tell": .succeeded, "all": .succeeded])
        let sent = await channels.sent
        for (step, planned) in [("tell", tell), ("all", all)] {
            let ofStep = sent.filter { $0.message.step == step }
            let byChannel = Dictionary(grouping: ofStep, by: \.channel).mapValues(\.count)
            #expect(byChannel == planned.byChannel, "step \(step)")
        }
        // Delivery keys are `incident/step/contact/channel`, as journaled by earlier versions: a
        // resume finds them.
        let incident = try #require(outcome.incident)
        #expect(Set(sent.map(\.message.idempotencyKey)).isSuperset(of: ["\(incident)/tell/a1/sms", "\(incident)/tell/a3/mail", "\(incident)/all/a5/mail"]))
    }

}
