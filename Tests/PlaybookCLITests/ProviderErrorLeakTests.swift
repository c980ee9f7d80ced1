import Foundation
import PlaybookTestSupport
import Testing

/// A provider that quotes the token it refused, after enough words that a message cut at 200
/// characters before redaction would have kept half of it: no run of 8 characters of the token
/// may reach stderr (human or JSON log), `playbook status`, or the bytes of the state.
@Suite struct ProviderErrorLeakTests {
    static let token = "EAAB" + String(repeating: "sbCS1iHgBAKZCZAZBZCq7Rw", count: 10)

    /// Answers every request with Meta's error envelope quoting the token.
    static let provider = #"""
        import http.server, json, sys
        token = sys.argv[1]
        said = "Invalid OAuth access token signature. " * 4 + "Malformed access token " + token
        body = json.dumps({"error": {"message": said, "type": "OAuthException", "code": 190, "fbtrace_id": "A1"}}).encode()
        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def log_message(self, *args):
                pass
            def answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                self.send_response(400)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            do_GET = answer
            do_POST = answer
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        print(server.server_address[1], flush=True)
        server.serve_forever()
        """#

    static func playbook(_ name: String, port: Int) -> String {
        """
        version: 1
        playbook: \(name)
        triggers: [{ id: manual, manual: {} }]
        channels:
          ads: { type: meta_ads, ad_account: "act_1234567890", access_token: "${env.META_TOKEN}", base_url: "http://127.0.0.1:\(port)" }
        steps:
          - { id: pause, retry: { attempts: 1 }, timeout: 10s, pause_ads: { channel: ads, campaigns: all } }
        """
    }

    static func fragment(of token: String, in text: String) -> String? {
        let characters = Array(token)
        for start in 0...(characters.count - 8) {
            let fragment = String(characters[start..<start + 8])
            if text.contains(fragment) { return fragment }
        }
        return nil
    }

    @Test func aTokenQuotedInAProviderErrorNeverLeaks() async throws {
        let output = Pipe()
        let peer = try ChildProcess(
            "/usr/bin/env", ["python3", "-c", Self.provider, Self.token], environment: ProcessInfo.processInfo.environment, standardOutput: output)
        defer { peer.signal(SIGKILL) }
        let port = try #require(Int(String(decoding: await firstOutput(of: output), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)))

        let workspace = try Workspace(["human.yaml": Self.playbook("human", port: port), "json.yaml": Self.playbook("json", port: port)])
        let environment = ["META_TOKEN": Self.token]
        let human = try await workspace.run(["run", "human.yaml", "--yes"], environment: environment)
        let json = try await workspace.run(["run", "json.yaml", "--yes", "--log-format", "json"], environment: environment)
        #expect(human.status == 3 && json.status == 3, "\(human.stderr)\n\(json.stderr)")
        #expect(human.stderr.contains("code 190") && human.stderr.contains("[redacted]"), "\(human.stderr)")
        #expect(json.stderr.contains("code 190"), "\(json.stderr)")
        let statusText = try await workspace.run(["status", "human.yaml"], environment: environment)
        let statusJSON = try await workspace.run(["status", "json.yaml", "--format", "json"], environment: environment)
        for (name, output) in [("run", human), ("run --log-format json", json), ("status", statusText), ("status --format json", statusJSON)] {
            let leaked = Self.fragment(of: Self.token, in: output.stdout + output.stderr)
            #expect(leaked == nil, "\(name) shows \(leaked ?? "")")
        }
        let state = workspace.url.appendingPathComponent(".playbook")
        for file in try FileManager.default.contentsOfDirectory(atPath: state.path) {
            let bytes = try Data(contentsOf: state.appendingPathComponent(file))
            let leaked = Self.fragment(of: Self.token, in: String(decoding: bytes, as: UTF8.self))
            #expect(leaked == nil, "\(file) holds \(leaked ?? "")")
        }
    }
}
