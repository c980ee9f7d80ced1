import Foundation
import PlaybookCore

// Planning benchmark (issue: dry-run timelines). Generates a playbook with 200 steps (20 of them
// notify steps over 5 segments) and a CSV of 100,000 contacts, then — in a fresh process, so the
// peak memory is the plan's own — times reading the CSV alone and planning with delivery counts.
// Targets: plan under 1 s and under 100 MB peak, release build.
//
//   swift run -c release bench-plan [contacts]

func peakMemoryMB() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
    else { return 0 }
    let kb = Double(line.split(separator: " ").compactMap { Double($0) }.first ?? 0)
    return kb / 1024
}

func generate(into directory: String, contacts: Int) throws {
    var rng = SystemRandomNumberGenerator()
    let zones = ["Europe/Rome", "Europe/London", "America/New_York", "Asia/Tokyo", "Europe/Berlin", ""]
    var csv = "id,name,email,phone,tags,consent_email,consent_sms,timezone,locale,city\n"
    csv.reserveCapacity(contacts * 110)
    for i in 0..<contacts {
        let tags = ["vip", "newsletter", "wholesale", "fan"].filter { _ in Bool.random(using: &rng) }.joined(separator: ";")
        let phone = i % 5 == 0 ? "" : "+39333\(String(format: "%07d", i))"
        csv += "c\(i),Person \(i),person\(i % (contacts - 50))@example.com,\(phone),\(tags),\(i % 7 == 0 ? "false" : "true"),\(i % 3 == 0 ? "no" : "yes"),\(zones[i % zones.count]),\(i % 2 == 0 ? "it" : "en"),City \(i % 40)\n"
    }
    try csv.write(toFile: "\(directory)/contacts.csv", atomically: true, encoding: .utf8)
    var yaml = """
        version: 1
        playbook: bench-plan
        timezone: Europe/Rome
        triggers: [{ id: down, platform_down: { platforms: [facebook, instagram] }, for: 3m }]
        channels:
          mail: { type: smtp, host: smtp.example.com, from: "Shop <shop@example.com>" }
          sms: { type: twilio, account_sid: AC1, auth_token: "${env.T}", from: "+390000000000" }
          out: { type: file, path: out.jsonl }
        audience:
          contacts: contacts.csv
          segments:
            vip: "'vip' in contact.tags"
            news: "'newsletter' in contact.tags and contact.consent.email"
            rome: "contact.timezone == 'Europe/Rome' or contact.fields.city == 'City 3'"
            wholesale: "'wholesale' in contact.tags and not ('vip' in contact.tags)"
            everyone: "true"
        settings: { quiet_hours: "21:00-08:00" }
        steps:

        """
    let segments = ["vip", "news", "rome", "wholesale", "everyone"]
    for i in 0..<200 {
        let after = i > 0 && i % 4 == 0 ? ", after: [s\(i - 1)], delay: 5m" : ""
        if i % 10 == 0 {
            yaml += "  - { id: s\(i), at: \(i)m\(after), notify: { segment: \(segments[(i / 10) % 5]), via: [sms, mail], message: { text: \"Hi {{ contact.name }}\" } } }\n"
        } else if i % 10 == 5 {
            yaml += "  - { id: s\(i)\(after), wait: { for: 10m } }\n"
        } else {
            yaml += "  - { id: s\(i), at: \(i)m\(after), if: \"'facebook' in trigger.platforms\", post: { to: [out], text: \"step \(i)\" } }\n"
        }
    }
    try yaml.write(toFile: "\(directory)/bench.yaml", atomically: true, encoding: .utf8)
}

func measure(_ directory: String) throws {
    let clock = ContinuousClock()
    // Reading the CSV alone: the floor under any plan with counts.
    let readTime = try clock.measure {
        var file = try ContactsFile(path: "\(directory)/contacts.csv")
        var n = 0
        while file.next() != nil { n += 1 }
        file.close()
        precondition(n > 0)
    }
    let memoryAfterRead = peakMemoryMB()
    let start = clock.now
    let result = try PlaybookLoader.load(path: "\(directory)/bench.yaml")
    guard let playbook = result.playbook, result.isValid else {
        print("generated playbook is invalid: \(result.diagnostics.prefix(3).map(\.message))")
        exit(1)
    }
    let scope = Planner.scope(of: playbook)
    let plan = try Planner.plan(playbook, .init(start: Date(), assignments: [try FactAssignment.parse("trigger.platforms=facebook", scope: scope)]))
    let json = plan.rendered(.json)
    let planTime = clock.now - start
    let deliveries = plan.steps.compactMap(\.deliveries).reduce(0) { $0 + $1.total }
    func seconds(_ d: Swift.Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
    print("contacts read:      \(plan.audience?.contacts ?? 0) (\(plan.audience?.skippedRows ?? 0) skipped)")
    print("steps planned:      \(plan.steps.count), notify steps: \(plan.steps.filter { $0.action == "notify" }.count), deliveries counted: \(deliveries), json \(json.utf8.count / 1024) KiB")
    print(String(format: "read CSV alone:     %.3f s (peak %.1f MB)", seconds(readTime), memoryAfterRead))
    print(String(format: "load + plan:        %.3f s  (%.2fx the CSV read; target < 1 s)", seconds(planTime), seconds(planTime) / seconds(readTime)))
    print(String(format: "peak memory:        %.1f MB (target < 100 MB)", peakMemoryMB()))
}

let arguments = CommandLine.arguments
if arguments.count == 3, arguments[1] == "measure" {
    try measure(arguments[2])
    exit(0)
}
let contacts = arguments.count > 1 ? Int(arguments[1]) ?? 100_000 : 100_000
let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bench-plan-\(UUID().uuidString)").path
try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: directory) }
try generate(into: directory, contacts: contacts)
var loadAverage = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
#if DEBUG
let configuration = "debug (use -c release for figures)"
#else
let configuration = "release"
#endif
print("bench-plan: \(ProcessInfo.processInfo.activeProcessorCount) cores, load \(loadAverage), \(configuration)")
let process = Process()
process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
process.arguments = ["measure", directory]
try process.run()
process.waitUntilExit()
loadAverage = ""
