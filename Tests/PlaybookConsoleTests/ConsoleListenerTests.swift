import Foundation
import Testing

@testable import PlaybookConsole

/// `--listen` on every interface without a console URL: links would point at 0.0.0.0, and the
/// person is told before any link goes out.
@Suite struct ConsoleListenerTests {
    @Test func linksToEveryInterfaceAreWarnedAbout() async throws {
        let everywhere = try await ConsoleListener.bind("0.0.0.0:0", consoleURL: nil, environment: [:])
        #expect(everywhere.unreachableLinkWarning?.contains("set PLAYBOOK_CONSOLE_URL") == true)
        await everywhere.listener.close()
        let behindProxy = try await ConsoleListener.bind("0.0.0.0:0", consoleURL: "https://ops.example.com", environment: [:])
        #expect(behindProxy.unreachableLinkWarning == nil)
        await behindProxy.listener.close()
        let loopback = try await ConsoleListener.bind("127.0.0.1:0", consoleURL: nil, environment: [:])
        #expect(loopback.unreachableLinkWarning == nil)
        #expect(loopback.announcement().contains("console off (set PLAYBOOK_CONSOLE_TOKEN to turn it on)"))
        await loopback.listener.close()
    }

    @Test func aBadConsoleURLOrAddressIsOneLine() async throws {
        do {
            _ = try await ConsoleListener.bind("127.0.0.1:0", consoleURL: "ops.example.com", environment: [:])
            Issue.record("a console URL without a scheme was taken")
        } catch {
            #expect(error.description == "the console URL 'ops.example.com' is not an http:// or https:// URL (PLAYBOOK_CONSOLE_URL or --console-url)")
        }
        do {
            _ = try await ConsoleListener.bind("nowhere", consoleURL: nil, environment: [:])
            Issue.record("a listen address without a port was taken")
        } catch {
            #expect(error.description.contains("is not HOST:PORT"))
        }
    }
}
