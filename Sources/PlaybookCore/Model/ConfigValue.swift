/// A configuration string that may hold `${env.NAME}` references, resolved only when the channel
/// is first used. Any value that names the environment is a secret and is never printed.
public struct ConfigValue: Sendable, Hashable {
    public var raw: String
    public var location: SourceLocation
    /// Environment variables the value names, in order.
    public var environmentNames: [String]

    public init(raw: String, location: SourceLocation, environmentNames: [String]) {
        self.raw = raw
        self.location = location
        self.environmentNames = environmentNames
    }

    public var isSecret: Bool { !environmentNames.isEmpty }

    /// Substitutes the environment; throws naming the first unset variable.
    public func resolve(in environment: [String: String]) throws(UnsetEnvironmentVariable) -> String {
        var out = raw
        for name in environmentNames {
            guard let value = environment[name] else { throw UnsetEnvironmentVariable(name: name, location: location) }
            out = out.replacingOccurrences(of: "${env.\(name)}", with: value)
        }
        return out
    }

    /// Finds the `${env.NAME}` references of a string, or the offset of the first malformed `${`.
    public static func scan(_ text: String) -> Result<[String], ExpressionError> {
        guard text.containsBytes("${") else { return .success([]) }  // most values: no references
        var names: [String] = []
        let scalars = Array(text.unicodeScalars)
        var i = 0
        while i < scalars.count {
            if scalars[i] == "$", i + 1 < scalars.count, scalars[i + 1] == "{" {
                guard let close = scalars[(i + 2)...].firstIndex(of: "}") else {
                    return .failure(ExpressionError("'${' is never closed; write '${env.NAME}'", at: i))
                }
                let inner = String(String.UnicodeScalarView(scalars[(i + 2)..<close]))
                guard inner.hasPrefix("env."), isEnvironmentName(String(inner.dropFirst(4))) else {
                    return .failure(ExpressionError("'${\(inner)}' is not a well-formed reference; write '${env.NAME}' with NAME of letters, digits and '_'", at: i))
                }
                names.append(String(inner.dropFirst(4)))
                i = close + 1
            } else {
                i += 1
            }
        }
        return .success(names)
    }

    static func isEnvironmentName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic) else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
    }
}

/// `${env.NAME}` named a variable that is not set.
public struct UnsetEnvironmentVariable: Error, Sendable {
    public var name: String
    public var location: SourceLocation
    public var message: String { "environment variable '\(name)' is not set" }
}
