import Foundation
import Testing

/// `--claim-lease` takes 1 to 86,400 seconds: anything else is a one-line usage error (exit 2)
/// before any state is opened, never a crash later in the fan-out.
@Suite struct ClaimLeaseFlagTests {
    @Test(arguments: ["-5", "0", "0.5", "nan", "inf", "1e19", "86401"])
    func aLeaseOutsideItsBoundsIsRefused(_ lease: String) async throws {
        let workspace = try Workspace(["p.yaml": CLIFixtures.valid])
        for command in [["run", "p.yaml", "--yes"], ["recover", "p.yaml"]] {
            let run = try await workspace.run(command + ["--claim-lease=\(lease)"])
            #expect(run.status == 2, "\(command) \(lease): \(run.stderr)")
            #expect(run.stderrLines == ["playbook: error: --claim-lease must be between 1 and 86400 seconds, found \(Double(lease)!)"], "\(lease)")
        }
        #expect(!FileManager.default.fileExists(atPath: workspace.url.appendingPathComponent(".playbook").path))
    }

    @Test func aLeaseWithinItsBoundsIsTaken() async throws {
        let workspace = try Workspace(["p.yaml": CLIFixtures.valid])
        let run = try await workspace.run(["run", "p.yaml", "--yes", "--claim-lease", "30"])
        #expect(run.status == 0, "\(run.stderr)")
    }
}
