import Foundation

/// Finds the playbooks and scenario files named on a command line: files as given, directories
/// searched recursively for `*.yaml`/`*.yml`, with scenario files (`*.test.yaml`) kept apart.
public enum PlaybookFiles {
    public static func isScenario(_ path: String) -> Bool {
        path.hasSuffix(".test.yaml") || path.hasSuffix(".test.yml")
    }

    /// Expands arguments into files. `scenarios` picks scenario files in directories (for `test`),
    /// else playbooks (for `validate`). Files named explicitly are always kept.
    public static func expand(_ arguments: [String], scenarios: Bool) throws(PlaybookLoader.FileError) -> [String] {
        var files: [String] = []
        for argument in arguments {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) else {
                throw PlaybookLoader.FileError(path: argument, reason: "no such file or directory")
            }
            guard isDirectory.boolValue else {
                files.append(argument)
                continue
            }
            guard let enumerator = FileManager.default.enumerator(atPath: argument) else {
                throw PlaybookLoader.FileError(path: argument, reason: "cannot be read")
            }
            var found: [String] = []
            while let relative = enumerator.nextObject() as? String {
                let name = (relative as NSString).lastPathComponent
                if name.hasPrefix(".") {
                    enumerator.skipDescendants()
                    continue
                }
                guard relative.hasSuffix(".yaml") || relative.hasSuffix(".yml") else { continue }
                if isScenario(relative) == scenarios {
                    found.append(argument.hasSuffix("/") ? argument + relative : argument + "/" + relative)
                }
            }
            files += found.sorted()
        }
        return files
    }
}
