import Foundation

/// `wrk -t1 -c16 -d4s` POSTing a ~110-byte JSON body (the size of a small webhook event) to the
/// same nginx: the rate a lean C client reaches against this server on this machine, now.
enum Wrk {
    static let body = #"{"event":"incident.notify","incident":"inc-20261205-0001","contact":"c12345","text":"Hello, we are open."}"#

    static func rate(binary: String, port: Int, directory: String, seconds: Int) throws -> Double {
        let script = "\(directory)/post.lua"
        try """
        wrk.method = "POST"
        wrk.body = '\(body)'
        wrk.headers["Content-Type"] = "application/json"
        """.write(toFile: script, atomically: true, encoding: .utf8)
        let output = try Tools.run(binary, ["-t1", "-c16", "-d\(seconds)s", "-s", script, "http://127.0.0.1:\(port)/hook"])
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("Requests/sec:") }),
            let rate = Double(line.dropFirst("Requests/sec:".count).trimmingCharacters(in: .whitespaces))
        else { throw BenchError("cannot read wrk's output:\n\(output)") }
        if output.contains("Non-2xx") { throw BenchError("wrk got errors:\n\(output)") }
        return rate
    }
}
