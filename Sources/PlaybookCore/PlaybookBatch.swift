import Foundation

/// Every playbook a command line names, loaded and checked together: what `validate` reports and
/// what `watch` starts from.
///
/// One loop for both, so that they agree on which files are playbooks (scenario files are
/// skipped), on which are valid, and on the order their diagnostics are shown in. A command adds
/// its own admission rule (`watch` refuses a playbook whose sources cannot be reached without an
/// unset `${env.X}`) instead of a copy of the loop.
public struct PlaybookBatch: Sendable {
    /// The files found, in the order they were checked.
    public var files: [String]
    /// The playbooks that are valid and admitted, in the order of their files.
    public var playbooks: [Playbook]
    /// Every diagnostic, file by file: the checks' own, then the admission's.
    public var diagnostics: [Diagnostic]
    /// The text of each file that could be parsed, for diagnostics that show the source line.
    public var sources: [String: SourceFile]
    /// How many files are invalid or were not admitted.
    public var refused: Int

    public var isValid: Bool { refused == 0 }

    /// The command line names nothing that can be read: a usage error (exit 2), not an invalid playbook.
    public struct Unreadable: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// What a command adds to the checks for each valid playbook: more diagnostics, and whether
    /// the playbook is refused.
    public struct Admission: Sendable {
        public var diagnostics: [Diagnostic]
        public var refused: Bool

        public init(diagnostics: [Diagnostic] = [], refused: Bool = false) {
            self.diagnostics = diagnostics
            self.refused = refused
        }
    }

    /// Expands `paths` (files as given, directories searched for playbooks), then loads and
    /// checks each file with `options`, asking `admit` about each valid one.
    public static func load(
        _ paths: [String], options: CheckOptions = CheckOptions(), admit: (Playbook) -> Admission = { _ in Admission() }
    ) throws(Unreadable) -> PlaybookBatch {
        let files: [String]
        do {
            files = try PlaybookFiles.expand(paths, scenarios: false)
        } catch {
            throw Unreadable(description: error.description)
        }
        if files.isEmpty { throw Unreadable(description: "no playbooks found in \(paths.joined(separator: ", "))") }
        var batch = PlaybookBatch(files: files, playbooks: [], diagnostics: [], sources: [:], refused: 0)
        for file in files {
            let result: PlaybookLoader.Result
            do {
                result = try PlaybookLoader.load(path: file, options: options)
            } catch {
                throw Unreadable(description: error.description)
            }
            batch.diagnostics += result.diagnostics
            if let source = result.source { batch.sources[file] = source }
            guard result.isValid, let playbook = result.playbook else {
                batch.refused += 1
                continue
            }
            let admission = admit(playbook)
            batch.diagnostics += admission.diagnostics
            if admission.refused { batch.refused += 1 } else { batch.playbooks.append(playbook) }
        }
        return batch
    }

    /// "3 playbooks", "1 playbook": the count the closing lines name.
    public var count: String { "\(files.count) playbook\(files.count == 1 ? "" : "s")" }

    /// The closing line of `validate`: "2 playbooks valid" or "1 of 2 playbooks invalid".
    public var validationSummary: String {
        isValid ? "\(count) valid" : "\(refused) of \(count) invalid"
    }
}
