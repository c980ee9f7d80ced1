import Foundation
import PlaybookTestSupport
import Testing

@testable import PlaybookCore

/// `playbook schema`: a draft 2020-12 JSON Schema that accepts every playbook the repository ships
/// and rejects structurally wrong ones, checked with a real validator (Python's `jsonschema`, run
/// through `scripts/validate-with-schema.py`) and agreeing with the loader on every example.
@Suite struct SchemaTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// The shipped playbooks (`playbooks/*.yaml`, scenario files aside) and the valid fixtures.
    static let corpus: [String] = {
        let shipped = ((try? FileManager.default.contentsOfDirectory(atPath: "\(repositoryRoot)/playbooks")) ?? [])
            .filter { $0.hasSuffix(".yaml") && !$0.hasSuffix(".test.yaml") }.sorted().map { "playbooks/\($0)" }
        return shipped + FixtureTests.files("valid").map { "Tests/PlaybookCoreTests/Fixtures/valid/\($0)" }
    }()

    static func schemaObject() throws -> [String: Any] {
        let parsed = try JSONSerialization.jsonObject(with: Data(PlaybookSchema.json.utf8))
        return try #require(parsed as? [String: Any])
    }

    static func definition(_ name: String, in schema: [String: Any]) throws -> [String: Any] {
        let definitions = try #require(schema["$defs"] as? [String: Any])
        return try #require(definitions[name] as? [String: Any], "no $defs/\(name)")
    }

    static func propertyNames(_ schema: [String: Any]) -> Set<String> {
        Set((schema["properties"] as? [String: Any])?.keys.map { $0 } ?? [])
    }

    // MARK: - The document

    @Test func isDraft202012JSONWithIdAndTitle() throws {
        let schema = try Self.schemaObject()
        #expect(schema["$schema"] as? String == "https://json-schema.org/draft/2020-12/schema")
        #expect(schema["$id"] as? String == PlaybookSchema.identifier)
        #expect(schema["title"] as? String == "playbook")
        #expect(schema["additionalProperties"] as? Bool == false)
        #expect(Set(schema["required"] as? [String] ?? []) == ["version", "playbook", "triggers", "steps"])
    }

    @Test func outputIsStableAndPretty() {
        #expect(PlaybookSchema.json == PlaybookSchema.document.serialized(pretty: true))
        #expect(PlaybookSchema.json.hasPrefix("{\n  \"$schema\": "))
    }

    // MARK: - Generated from the reader's tables

    @Test func keysMatchTheReader() throws {
        let schema = try Self.schemaObject()
        #expect(Self.propertyNames(schema) == Set(PlaybookReader.topLevelKeys))
        #expect(Self.propertyNames(try Self.definition("step", in: schema)) == Set(PlaybookReader.stepCommonKeys + Action.names))
        #expect(Self.propertyNames(try Self.definition("trigger", in: schema)) == Set(PlaybookReader.triggerCommonKeys + TriggerKind.names))
        for name in Action.names {
            #expect(!Self.propertyNames(try Self.definition("action-\(name)", in: schema)).isEmpty, "action \(name) has no schema")
        }
        let sources = try Self.definition("source", in: schema)
        #expect((sources["oneOf"] as? [Any])?.count == DataSource.typeNames.count)
        for type in DataSource.typeNames {
            let properties = try #require(try Self.definition("source-\(type)", in: schema)["properties"] as? [String: Any])
            #expect((properties["type"] as? [String: Any])?["const"] as? String == type)
        }
    }

    /// Hovers need a description on every key, written beside it or on the definition it names.
    @Test func everyKeyHasAHoverText() throws {
        let schema = try Self.schemaObject()
        var missing: [String] = []
        func described(_ value: Any) -> Bool {
            guard let object = value as? [String: Any] else { return false }
            if object["description"] != nil { return true }
            guard let target = (object["$ref"] as? String)?.split(separator: "/").last else { return false }
            return (try? Self.definition(String(target), in: schema))?["description"] != nil
        }
        func walk(_ value: Any, _ path: String) {
            if let object = value as? [String: Any] {
                for (key, property) in (object["properties"] as? [String: Any]) ?? [:] where !described(property) {
                    missing.append("\(path)/\(key)")
                }
                // Conditional fragments (`then`, `allOf` rules) refine keys described elsewhere.
                for (key, child) in object where !["allOf", "if", "then", "else", "not"].contains(key) { walk(child, "\(path)/\(key)") }
            } else if let array = value as? [Any] {
                for (index, child) in array.enumerated() { walk(child, "\(path)/\(index)") }
            }
        }
        walk(schema, "")
        #expect(missing == [])
    }

    @Test(arguments: ChannelType.allCases)
    func channelFieldsMatchTheTable(_ type: ChannelType) throws {
        let channel = try Self.definition("channel-\(type.rawValue)", in: try Self.schemaObject())
        let properties = try #require(channel["properties"] as? [String: Any])
        let common = ChannelType.commonFields.filter { $0 != "base_url" || type.isHTTP }
        #expect(Set(properties.keys) == Set(common + type.fields.map(\.name)))
        #expect((properties["type"] as? [String: Any])?["const"] as? String == type.rawValue)
        #expect(Set(channel["required"] as? [String] ?? []) == Set(["type"] + type.fields.filter(\.required).map(\.name)))
        for field in type.fields {
            let description = (properties[field.name] as? [String: Any])?["description"] as? String ?? ""
            #expect(description.lowercased().hasPrefix(String(field.help.prefix(12)).lowercased()), "\(type.rawValue).\(field.name) hover text")
        }
    }

    // MARK: - Validation with jsonschema

    @Test func passesTheMetaSchema() throws {
        let report = try Self.report.get()
        #expect(report.schema == [])
    }

    @Test(arguments: corpus)
    func acceptsRepositoryPlaybook(_ path: String) throws {
        let report = try Self.report.get()
        #expect(report.files["\(Self.repositoryRoot)/\(path)"] == [], "\(path)")
    }

    @Test(arguments: SchemaCase.accepted)
    func acceptsWhatTheLoaderAccepts(_ example: SchemaCase) throws {
        let errors = Self.loaderErrors(example.yaml)
        #expect(errors == [], "the loader rejects \(example.name)")
        let report = try Self.report.get()
        #expect(report.files[Self.path(of: example)] == [], "\(example.name)")
    }

    @Test(arguments: SchemaCase.rejected)
    func rejectsWhatTheLoaderRejects(_ example: SchemaCase) throws {
        let errors = Self.loaderErrors(example.yaml)
        #expect(errors.contains { $0.contains(example.loaderSays) }, "the loader should say '\(example.loaderSays)' for \(example.name), said \(errors)")
        let report = try Self.report.get()
        let schemaErrors = try #require(report.files[Self.path(of: example)], "\(example.name) was not validated")
        #expect(
            schemaErrors.contains { $0.hasPrefix("\(example.schemaAt): ") },
            "the schema should reject \(example.name) at \(example.schemaAt), said \(schemaErrors)")
    }

    /// Editors compile `pattern` as ECMAScript with the `u` flag, which refuses some escapes
    /// Python's `re` allows.
    @Test(.enabled(if: SchemaTests.which("node") != nil, "needs node to compile patterns as ECMAScript"))
    func patternsCompileAsECMAScript() throws {
        let script = """
            const s = JSON.parse(require('fs').readFileSync(0, 'utf8')); let n = 0;
            (function walk(x) { if (x && typeof x === 'object') for (const k in x) { if (k === 'pattern') { new RegExp(x[k], 'u'); n++; } walk(x[k]); } })(s);
            console.log(n);
            """
        let result = try Self.run(["node", "-e", script], input: PlaybookSchema.json)
        #expect(result.status == 0, "\(result.error)")
        #expect((Int(result.output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) > 10)
    }

    // MARK: - Running the validator once

    struct Report: Sendable {
        var schema: [String]
        var files: [String: [String]]
    }

    struct ValidatorFailure: Error, CustomStringConvertible {
        var description: String
    }

    static let scratch = TestScratch.root.appendingPathComponent("schema").path

    static func path(of example: SchemaCase) -> String { "\(scratch)/\(example.name).yaml" }

    /// One run of the validator over every document, shared by the tests.
    static let report: Result<Report, ValidatorFailure> = {
        do {
            try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
            let schemaPath = "\(scratch)/playbook.schema.json"
            try PlaybookSchema.json.write(toFile: schemaPath, atomically: true, encoding: .utf8)
            var files = corpus.map { "\(repositoryRoot)/\($0)" }
            for example in SchemaCase.accepted + SchemaCase.rejected {
                try example.yaml.write(toFile: path(of: example), atomically: true, encoding: .utf8)
                files.append(path(of: example))
            }
            let result = try run(["python3", "\(repositoryRoot)/scripts/validate-with-schema.py", schemaPath] + files)
            guard let object = try? JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any],
                let schema = object["schema"] as? [String], let reported = object["files"] as? [String: [String]]
            else {
                return .failure(ValidatorFailure(description: "the validator failed (scripts/test installs PyYAML and jsonschema): \(result.error)"))
            }
            return .success(Report(schema: schema, files: reported))
        } catch {
            return .failure(ValidatorFailure(description: "cannot run the validator: \(error)"))
        }
    }()

    static func loaderErrors(_ yaml: String) -> [String] {
        let result = PlaybookLoader.check(bytes: Array(yaml.utf8), path: "\(scratch)/inline.yaml", options: CheckOptions(checkEnvironment: false))
        return result.diagnostics.filter { $0.severity == .error }.map(\.message)
    }

    /// Runs a program found on PATH; stderr goes through a file so that no pipe can stall it.
    static func run(_ arguments: [String], input: String? = nil) throws -> (status: Int32, output: String, error: String) {
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        let errorPath = "\(scratch)/stderr-\(UUID().uuidString)"
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: errorPath) }
        let output = Pipe()
        let stdin = Pipe()
        let errorHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        defer { try? errorHandle.close() }
        let process = try ChildProcess(
            "/usr/bin/env", arguments, environment: ProcessInfo.processInfo.environment, standardInput: stdin, standardOutput: output, standardError: errorHandle)
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let status = process.blockingWaitForExit()
        let error = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
        return (status, String(decoding: outputData, as: UTF8.self), error)
    }
}

extension SchemaTests {
    /// Whether a program is on PATH.
    static func which(_ program: String) -> String? {
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
        return paths.map { "\($0)/\(program)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
