import Foundation
import PlaybookCore
import Testing

/// The catalog of §4's platforms and its documentation in docs/watch.md, kept equal.
@Suite struct PlatformCatalogTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func documented(_ check: ProbeCheck) -> String {
        switch check {
        case .dns(let name, let server): return "`dns \(name)`" + (server.map { " (server \($0))" } ?? "")
        case .http(let url, let expect): return "`http \(url)`" + (expect == 200...399 ? "" : " (\(expect.lowerBound)-\(expect.upperBound))")
        case .statuspage(let url, let component): return "`statuspage \(url)`" + (component.map { " (component \($0))" } ?? "")
        }
    }

    @Test func everyPlatformOfTheContractHasThreeChecks() {
        #expect(PlatformCatalog.ids == ["facebook", "instagram", "whatsapp", "messenger", "threads", "x", "tiktok", "youtube", "linkedin", "pinterest", "telegram", "shopify"])
        for platform in PlatformCatalog.platforms {
            #expect(platform.checks.count == 3, "\(platform.id)")
            #expect(platform.checks.contains { if case .dns = $0 { return true } else { return false } }, "\(platform.id) has no dns check")
        }
    }

    @Test func docsWatchListsTheCatalogAsItIs() throws {
        let text = try String(contentsOf: Self.root.appendingPathComponent("docs/watch.md"), encoding: .utf8)
        for platform in PlatformCatalog.platforms {
            let row = "| `\(platform.id)` | " + platform.checks.map(Self.documented).joined(separator: ", ") + " |"
            #expect(text.contains(row), "docs/watch.md should have the row:\n\(row)")
        }
    }
}
