import Dispatch
import Foundation
import PlaybookEngine

/// SIGINT and SIGTERM request a graceful stop: in-flight calls finish and are journaled.
/// A second signal exits at once (130), as people expect from a second Ctrl-C.
enum SignalHandling {
    final class Installed: @unchecked Sendable {
        var sources: [any DispatchSourceSignal] = []
        func cancel() {
            for source in sources { source.cancel() }
            signal(SIGINT, SIG_DFL)
            signal(SIGTERM, SIG_DFL)
        }
    }

    static func install(_ stop: StopSignal) -> Installed {
        let installed = Installed()
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if stop.isRequested { exit(130) }
                Output.writeError("\nstopping: finishing in-flight calls (signal again to quit at once)\n")
                stop.request()
            }
            source.resume()
            installed.sources.append(source)
        }
        return installed
    }
}

/// Questions on a terminal.
enum Prompt {
    static func confirm(_ question: String) throws -> Bool {
        Output.writeError("\(question) [y/N] ")
        guard let answer = readLine() else { return false }
        return ["y", "yes"].contains(answer.trimmingCharacters(in: .whitespaces).lowercased())
    }

    static func choose(_ question: String, _ options: [String]) throws -> String {
        Output.writeError("\(question)\n" + options.enumerated().map { "  \($0.offset + 1)) \($0.element)\n" }.joined() + "> ")
        guard let answer = readLine()?.trimmingCharacters(in: .whitespaces) else { throw UsageError("no trigger chosen") }
        if let index = Int(answer), options.indices.contains(index - 1) { return options[index - 1] }
        if options.contains(answer) { return answer }
        throw UsageError("'\(answer)' is not one of the triggers")
    }
}
