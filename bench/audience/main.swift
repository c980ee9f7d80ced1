import Foundation
import PlaybookCore

// Audience benchmark (issue: audience). For 100,000 and 1,000,000 generated contacts, in fresh
// processes (so each peak memory is its own): the time to merely read the CSV, then read +
// evaluate three segments + route + render the message (Mustache, per contact locale) for every
// member. Targets: at least 200,000 contacts/s, and peak memory at 1,000,000 no more than 1.2x
// that at 100,000.
//
//   swift run -c release bench-audience

func peakMemoryMB() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
    else { return 0 }
    return (Double(line.split(separator: " ").compactMap { Double($0) }.first ?? 0)) / 1024
}

func seconds(_ d: Swift.Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

func generate(_ path: String, count: Int) throws {
    FileManager.default.createFile(atPath: path, contents: nil)
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    defer { try? handle.close() }
    let zones = ["Europe/Rome", "Europe/London", "America/New_York", "Asia/Tokyo", ""]
    var chunk = "id,name,email,phone,tags,consent_email,consent_sms,timezone,locale,city\n"
    for i in 0..<count {
        let tags = i % 3 == 0 ? "vip;newsletter" : (i % 3 == 1 ? "newsletter" : "fan")
        chunk += "c\(i),Person \(i),p\(i)@example.com,+39333\(String(format: "%07d", i % 10_000_000)),\(tags),\(i % 7 != 0),\(i % 2 == 0),\(zones[i % 5]),\(i % 2 == 0 ? "it" : "en"),City \(i % 100)\n"
        if chunk.utf8.count > 1 << 20 {
            try handle.write(contentsOf: Data(chunk.utf8))
            chunk = ""
        }
    }
    try handle.write(contentsOf: Data(chunk.utf8))
}

/// The same people twice, for the format comparison: the native layout and Shopify's customers
/// export (national phone numbers with a country, yes/no consent, tags with commas, the city and
/// the country as extra columns — the native file keeps them too, so both carry the same facts).
/// Neither has a timezone or locale, so both runs do the same work after reading.
func generatePair(native: String, shopify: String, count: Int) throws {
    for (path, isShopify) in [(native, false), (shopify, true)] {
        FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        var chunk =
            isShopify
            ? "\u{FEFF}Customer ID,First Name,Last Name,Email,Accepts Email Marketing,Default Address City,Default Address Country Code,Phone,Accepts SMS Marketing,Tags\r\n"
            : "id,name,email,phone,tags,consent_email,consent_sms,timezone,locale,default_address_city,default_address_country_code\n"
        for i in 0..<count {
            let tags = i % 3 == 0 ? ["vip", "newsletter"] : (i % 3 == 1 ? ["newsletter"] : ["fan"])
            let number = String(format: "%07d", i % 10_000_000)
            if isShopify {
                chunk +=
                    "'\(7_390_000_000_000 + i),Person,\(i),p\(i)@example.com,\(i % 7 != 0 ? "yes" : "no"),City \(i % 100),IT,'333 \(number),\(i % 2 == 0 ? "yes" : "no"),\"\(tags.joined(separator: ", "))\"\r\n"
            } else {
                chunk += "\(7_390_000_000_000 + i),Person \(i),p\(i)@example.com,+39333\(number),\(tags.joined(separator: ";")),\(i % 7 != 0),\(i % 2 == 0),,,City \(i % 100),IT\n"
            }
            if chunk.utf8.count > 1 << 20 {
                try handle.write(contentsOf: Data(chunk.utf8))
                chunk = ""
            }
        }
        try handle.write(contentsOf: Data(chunk.utf8))
        try handle.close()
    }
}

/// Runs this bench again with `arguments` (a fresh process, so each measurement's peak memory is
/// its own) and returns the figures it prints; a failed measurement stops the bench.
func measuredInChild(_ arguments: [String], fields: Int) throws -> [Substring] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    let figures = output.split(whereSeparator: \.isWhitespace)
    guard figures.count == fields else {
        print("\(arguments[0]) failed: \(output)")
        exit(1)
    }
    return figures
}

/// The bench's playbook, checked as `playbook validate` would; an invalid one stops the bench.
func checked(_ yaml: String, path: String) -> Playbook {
    let result = PlaybookLoader.check(bytes: Array(yaml.utf8), path: path)
    guard let playbook = result.playbook, result.isValid else {
        print("invalid: \(result.diagnostics.prefix(3).map(\.message))")
        exit(1)
    }
    return playbook
}

/// What a run does with each contact of a notify step: its segment, its routes (consent,
/// channel, quiet hours) and, with `render`, its message. The same loop for every measurement.
struct AudiencePass {
    let facts: Facts
    let renderer: MessageRenderer
    let values: MessageValues
    let steps: [(PlaybookCore.Expression, DeliveryRouting)]

    init(playbook: Playbook, facts: Facts, quietHours: TimeWindow?) throws {
        self.facts = facts
        renderer = try MessageRenderer(content: .template(Located("hello", at: playbook.location)), in: playbook)
        values = MessageValues(facts: facts)
        steps = playbook.steps.map { step -> (PlaybookCore.Expression, DeliveryRouting) in
            guard case .notify(let segment, let via, _, let mode) = step.action else { fatalError() }
            let channels = via.map { ref in (id: ref.value, type: playbook.channel(ref.value)!.type) }
            return (playbook.audience!.segment(segment.value)!.condition.expression!,
                    DeliveryRouting(via: channels, mode: mode, quietHours: quietHours, defaultTimezone: facts.timezone))
        }
    }

    /// Reads `path` once: the messages rendered (or routed, without `render`) and their bytes.
    func run(_ path: String, layout: ContactsLayout, render: Bool) throws -> (rendered: Int, bytes: Int) {
        var caches = Array(repeating: DeliveryRouting.QuietHoursCache(), count: steps.count)
        let moment = Date()
        var (count, bytes) = (0, 0)
        var file = try ContactsFile(path: path, layout: layout)
        defer { file.close() }
        while let contact = file.next() {
            for (index, (expression, routing)) in steps.enumerated() {
                guard Evaluator(resolve: { facts.resolve($0, contact: contact) }).evaluate(expression) == .bool(true) else { continue }
                for _ in routing.routes(for: contact, at: moment, cache: &caches[index]) {
                    count += 1
                    guard render else { continue }
                    bytes += renderer.render(contact: contact, values: values, locale: contact.locale).text.utf8.count
                }
            }
        }
        return (count, bytes)
    }
}

/// Reads (alone, then with segments, routing and rendering) a file in `layout`: the figures of
/// the format comparison.
func measureLayout(_ path: String, format: ContactsFormat) throws {
    let contactsLine = format == .playbook ? path : "{ path: \(path), format: \(format.rawValue) }"
    let yaml = """
        version: 1
        playbook: bench-formats
        timezone: Europe/Rome
        triggers: [{ id: t, manual: {} }]
        channels:
          sms: { type: twilio, account_sid: AC1, auth_token: "${env.T}", from: "+390000000000" }
          mail: { type: smtp, host: smtp.example.com, from: "Shop <shop@example.com>" }
        audience:
          contacts: \(contactsLine)
          segments:
            vip: "'vip' in contact.tags and contact.consent.email"
            city: "contact.fields.default_address_city == 'City 7'"
            news: "'newsletter' in contact.tags and not ('vip' in contact.tags)"
        templates:
          hello: { subject: "We are open", text: "Hi {{ contact.name }}, we are open. {{# contact.tags }}#{{ . }} {{/ contact.tags }}" }
        steps:
          - { id: s1, notify: { segment: vip, via: [mail], template: hello } }
          - { id: s2, notify: { segment: city, via: [sms, mail], template: hello } }
          - { id: s3, notify: { segment: news, via: [mail], template: hello } }
        """
    let playbook = checked(yaml, path: "/tmp/bench-formats.yaml")
    let layout = playbook.audience!.layout
    let clock = ContinuousClock()
    var contacts = 0
    let readCPU = cpuSeconds()
    let read = try clock.measure {
        var file = try ContactsFile(path: path, layout: layout)
        while file.next() != nil { contacts += 1 }
        file.close()
    }
    let readCPUSeconds = cpuSeconds() - readCPU
    let facts = Facts(trigger: [:], triggerID: "t", triggerKind: "manual", triggerTypes: [:], incidentID: "bench", startedAt: Date(), elapsed: 0, now: Date(),
                      active: true, timezone: TimeZone(identifier: "Europe/Rome")!, vars: playbook.vars)
    let pass = try AudiencePass(playbook: playbook, facts: facts, quietHours: nil)
    let fullCPU = cpuSeconds()
    var rendered = 0
    let full = try clock.measure { rendered = try pass.run(path, layout: layout, render: true).rendered }
    let fullCPUSeconds = cpuSeconds() - fullCPU
    print(String(format: "%d %.3f %.3f %d %.1f %.3f %.3f", contacts, seconds(read), seconds(full), rendered, peakMemoryMB(), readCPUSeconds, fullCPUSeconds))
}

/// This process's CPU time: on a machine other work shares, the cost of a run is the time it
/// spent on a core, which waiting for one does not inflate.
func cpuSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

func measure(_ path: String) throws {
    let yaml = """
        version: 1
        playbook: bench-audience
        timezone: Europe/Rome
        triggers: [{ id: t, platform_down: { platforms: [facebook, instagram] } }]
        channels:
          sms: { type: twilio, account_sid: AC1, auth_token: "${env.T}", from: "+390000000000" }
          mail: { type: smtp, host: smtp.example.com, from: "Shop <shop@example.com>" }
        audience:
          contacts: \(path)
          segments:
            vip: "'vip' in contact.tags and contact.consent.email"
            rome: "contact.timezone == 'Europe/Rome' or contact.fields.city == 'City 7'"
            news: "'newsletter' in contact.tags and not ('vip' in contact.tags)"
        settings: { quiet_hours: "21:00-08:00" }
        templates:
          hello:
            subject: "{{ trigger.platform_names }} is down"
            text: "Hi {{ contact.name }}, we are open at {{ vars.url }}. {{# contact.tags }}#{{ . }} {{/ contact.tags }}"
            locales: { it: { text: "Ciao {{ contact.name }}, siamo aperti: {{ vars.url }}" } }
        vars: { url: "https://shop.example.com" }
        steps:
          - { id: s1, notify: { segment: vip, via: [mail], template: hello } }
          - { id: s2, notify: { segment: rome, via: [sms, mail], template: hello } }
          - { id: s3, notify: { segment: news, via: [mail], template: hello } }
        """
    let playbook = checked(yaml, path: "/tmp/bench-audience.yaml")
    let clock = ContinuousClock()
    var contacts = 0
    let read = try clock.measure {
        var file = try ContactsFile(path: path)
        while file.next() != nil { contacts += 1 }
        file.close()
    }
    let afterRead = peakMemoryMB()

    let facts = Facts(trigger: ["platforms": .list([.text("facebook"), .text("instagram")])], triggerID: "t", triggerKind: "platform_down",
                      triggerTypes: Planner.scope(of: playbook).triggerFields, incidentID: "bench", startedAt: Date(), elapsed: 0, now: Date(),
                      active: true, timezone: TimeZone(identifier: "Europe/Rome")!, vars: playbook.vars)
    let pass = try AudiencePass(playbook: playbook, facts: facts, quietHours: playbook.settings.quietHours?.value)
    let segmenting = try clock.measure { _ = try pass.run(path, layout: .native, render: false) }
    var rendered = 0
    var bytes = 0
    let full = try clock.measure { (rendered, bytes) = try pass.run(path, layout: .native, render: true) }
    let rate = Double(contacts) / seconds(full)
    print(String(format: "%d %.3f %.3f %.0f %d %d %.1f %.1f %.3f", contacts, seconds(read), seconds(full), rate, rendered, bytes, afterRead, peakMemoryMB(), seconds(segmenting)))
}

let arguments = CommandLine.arguments
if arguments.count == 3, arguments[1] == "measure" {
    try measure(arguments[2])
    exit(0)
}
if arguments.count == 4, arguments[1] == "measure-format" {
    try measureLayout(arguments[2], format: ContactsFormat(rawValue: arguments[3]) ?? .playbook)
    exit(0)
}
#if DEBUG
let configuration = "debug (use -c release for figures)"
#else
let configuration = "release"
#endif
let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
print("bench-audience: \(ProcessInfo.processInfo.activeProcessorCount) cores, load \(load), \(configuration)")
let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bench-audience-\(UUID().uuidString)").path
try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: directory) }
var peaks: [Int: Double] = [:]
for count in [100_000, 1_000_000] {
    let path = "\(directory)/contacts-\(count).csv"
    try generate(path, count: count)
    let f = try measuredInChild(["measure", path], fields: 9)
    peaks[count] = Double(f[7]) ?? 0
    print("\(count) contacts: read CSV alone \(f[1]) s; read + 3 segments + routing \(f[8]) s; read + 3 segments + routing + render \(f[2]) s = \(f[3]) contacts/s (target >= 200000); \(f[4]) messages rendered; peak \(f[7]) MB (after the read alone \(f[6]) MB)")
}
print(String(format: "peak memory 1,000,000 / 100,000: %.2fx (target <= 1.2x)", (peaks[1_000_000] ?? 0) / (peaks[100_000] ?? 1)))

// A mapped export beside the native layout, the same 1,000,000 people, alternating runs.
let native = "\(directory)/same-native.csv", shopify = "\(directory)/same-shopify.csv"
try generatePair(native: native, shopify: shopify, count: 1_000_000)
var figures: [String: [(read: Double, full: Double, readCPU: Double, fullCPU: Double)]] = [:]
for round in 0..<3 {
    for (path, format) in [(native, "playbook"), (shopify, "shopify")] {
        let f = try measuredInChild(["measure-format", path, format], fields: 7)
        figures[format, default: []].append((Double(f[1]) ?? 0, Double(f[2]) ?? 0, Double(f[5]) ?? 0, Double(f[6]) ?? 0))
        print("round \(round + 1), \(format): \(f[0]) contacts, read alone \(f[1]) s (CPU \(f[5]) s), read + segments + routing + render \(f[2]) s (CPU \(f[6]) s, \(f[3]) messages), peak \(f[4]) MB")
    }
}
let best = { (format: String) in
    let runs = figures[format]!
    return (runs.map(\.read).min()!, runs.map(\.full).min()!, runs.map(\.readCPU).min()!, runs.map(\.fullCPU).min()!)
}
let nativeBest = best("playbook"), shopifyBest = best("shopify")
print(String(format: "shopify export / native layout, wall time (best of 3 each): read alone %.2fx, read + segments + routing + render %.2fx (target <= 1.3x)", shopifyBest.0 / nativeBest.0, shopifyBest.1 / nativeBest.1))
print(String(format: "shopify export / native layout, CPU time (best of 3 each): read alone %.2fx, read + segments + routing + render %.2fx (target <= 1.3x)", shopifyBest.2 / nativeBest.2, shopifyBest.3 / nativeBest.3))
