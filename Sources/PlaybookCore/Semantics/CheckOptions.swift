/// What a check pass looks at beyond the file itself.
public struct CheckOptions: Sendable {
    /// Whether every `${env.X}` must be set now (`validate --env`).
    public var checkEnvironment: Bool
    public var environment: [String: String]

    public init(checkEnvironment: Bool = false, environment: [String: String] = [:]) {
        self.checkEnvironment = checkEnvironment
        self.environment = environment
    }
}
