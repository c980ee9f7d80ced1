import Foundation

/// The outside programs the bench drives: Debian's `nginx` and `wrk`, installed with apt-get when
/// missing (as root, else through sudo), so that one command gives the figures on a fresh machine.
enum Tools {
    static let searchPath = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]

    static func find(_ name: String) -> String? {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init) + searchPath
        return path.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The paths of nginx and wrk, installing the missing ones.
    static func ensure() throws -> (nginx: String, wrk: String) {
        var missing: [String] = []
        if find("nginx") == nil { missing.append("nginx") }
        if find("wrk") == nil { missing.append("wrk") }
        if !missing.isEmpty {
            print("installing \(missing.joined(separator: " ")) with apt-get")
            let sudo = geteuid() == 0 ? "" : "sudo "
            let packages = missing.joined(separator: " ")
            let script =
                "\(sudo)apt-get install -y --no-install-recommends \(packages) >/dev/null 2>&1 || "
                + "(\(sudo)apt-get update >/dev/null 2>&1 && \(sudo)apt-get install -y --no-install-recommends \(packages) >/dev/null 2>&1)"
            _ = try run("/bin/sh", ["-c", script])
        }
        guard let nginx = find("nginx"), let wrk = find("wrk") else {
            throw BenchError("cannot install nginx and wrk (apt-get install nginx wrk)")
        }
        return (nginx, wrk)
    }

    /// Runs a program to its end; returns its standard output.
    @discardableResult
    static func run(_ path: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
