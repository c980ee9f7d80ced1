/// `--set NAME=VALUE` (and a scenario's `set:`): a fact supplied by the user, typed by the name.
public enum FactAssignment {
    public struct Problem: Error, CustomStringConvertible {
        public var description: String
    }

    /// Parses `NAME=VALUE` into a `trigger.*` or `vars.*` fact. Commas make a list where the name
    /// is a list.
    public static func parse(_ assignment: String, scope: NameScope) throws(Problem) -> (path: [String], value: Value) {
        guard let equals = assignment.firstIndex(of: "=") else {
            throw Problem(description: "--set '\(assignment)' must be NAME=VALUE, e.g. trigger.platforms=facebook,instagram")
        }
        let name = String(assignment[..<equals]).trimmingCharacters(in: .whitespaces)
        let text = String(assignment[assignment.index(after: equals)...])
        return try typed(name: name, text: text, scope: scope)
    }

    public static func typed(name: String, text: String, scope: NameScope) throws(Problem) -> (path: [String], value: Value) {
        let path = name.split(separator: ".").map(String.init)
        guard path.first == "trigger" || path.first == "vars" else {
            throw Problem(description: "--set '\(name)': only trigger.* and vars.* facts can be supplied")
        }
        let type: ValueType
        switch scope.type(of: path) {
        case .success(let t): type = t
        case .failure(let error): throw Problem(description: "--set '\(name)': \(error.message)")
        }
        guard let value = convert(text, to: type) else {
            throw Problem(description: "--set '\(name)': '\(text)' is not a \(type)")
        }
        return (path, value)
    }

    static func convert(_ text: String, to type: ValueType) -> Value? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        switch type {
        case .text, .any: return .text(text)
        case .number:
            if trimmed.hasSuffix("%"), let n = Double(trimmed.dropLast()) { return .number(n / 100) }
            return Double(trimmed).map(Value.number)
        case .bool: return YAMLScalar.bool(trimmed).map(Value.bool)
        case .duration: return Duration.parseSeconds(trimmed).map(Value.duration)
        case .percentage:
            guard trimmed.hasSuffix("%"), let n = Double(trimmed.dropLast()) else { return nil }
            return .percentage(n / 100)
        case .list(let element):
            if trimmed.isEmpty { return .list([]) }
            var items: [Value] = []
            for part in trimmed.split(separator: ",") {
                guard let item = convert(String(part).trimmingCharacters(in: .whitespaces), to: element) else { return nil }
                items.append(item)
            }
            return .list(items)
        }
    }

    /// Converts a YAML value (a scenario's `set:`) to the fact's type.
    public static func typed(name: String, json: JSONValue, scope: NameScope) throws(Problem) -> (path: [String], value: Value) {
        switch json {
        case .array(let items):
            let text = items.map { item -> String in
                if case .string(let s) = item { return s }
                return Value(item).displayText
            }.joined(separator: ",")
            return try typed(name: name, text: text, scope: scope)
        case .string(let s): return try typed(name: name, text: s, scope: scope)
        default: return try typed(name: name, text: Value(json).displayText, scope: scope)
        }
    }
}
