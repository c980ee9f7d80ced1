/// Small playbooks the CLI tests write into a temporary folder. Line numbers matter: the tests
/// expect diagnostics at exact places.
enum CLIFixtures {
    static let valid = """
        version: 1
        playbook: small
        triggers:
          - id: by-hand
            manual: {}
        channels:
          outbox: { type: file, path: outbox.jsonl }
        steps:
          - id: note
            log: { message: "started by {{ trigger.id }}" }
          - id: tell
            post: { to: [outbox], text: "We are on it." }

        """

    /// Two errors: a type mismatch inside an expression (line 8) and an unknown channel (line 11).
    static let invalid = """
        version: 1
        playbook: broken
        triggers:
          - id: t
            manual: {}
        steps:
          - id: a
            if: "now.hour == 'x'"
            log: { message: hi }
          - id: b
            post: { to: [nowhere], text: "a, b: 100%" }

        """

    static let invalidDiagnostics = [
        (line: 8, column: 22, message: "in the 'if' of step 'a': cannot compare a number with text"),
        (line: 11, column: 18, message: "step 'b' uses unknown channel 'nowhere'; define it under 'channels'"),
    ]

    /// A secret read from the environment (line 7, column 39 is where the value starts).
    static let usesSecret = """
        version: 1
        playbook: secret
        triggers:
          - id: by-hand
            manual: {}
        channels:
          x: { type: x, token: "${env.PLAYBOOK_CLI_TEST_TOKEN}" }
        steps:
          - id: say
            post: { to: [x], text: "hello" }

        """

    /// Not a playbook at all: a scenario file, which `validate DIR` must skip.
    static let scenario = """
        test: this is a scenario, not a playbook
        playbook: ../valid.yaml

        """
}
