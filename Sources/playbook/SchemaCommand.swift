import ArgumentParser
import PlaybookCore

struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the JSON Schema (draft 2020-12) of the playbook language, for editors."
    )

    func run() {
        Output.write(PlaybookSchema.json + "\n")
    }
}
