/// Small builders for schema fragments, so that the generator reads like the schema it writes.
///
/// The schema keeps to keywords that draft-07 validators also understand (what editors' YAML
/// language servers implement), declared as draft 2020-12: `$defs` is reached by JSON pointer,
/// and discrimination uses `oneOf` with `const` or `required`, which editors render well.
extension PlaybookSchema {
    typealias Members = [(String, JSONValue)]

    static func ref(_ name: String, _ description: String? = nil) -> JSONValue {
        JSONValue.object([("$ref", .string("#/$defs/\(name)"))]).setting("description", description.map(JSONValue.string))
    }

    static func strings(_ list: [String]) -> JSONValue { .array(list.map(JSONValue.string)) }

    static func types(_ names: String...) -> JSONValue {
        names.count == 1 ? .string(names[0]) : strings(names)
    }

    /// A mapping with exactly the given keys (`additionalProperties: false` unless `open`).
    static func mapping(_ description: String?, _ properties: Members, required: [String] = [], open: Bool = false, nullable: Bool = false) -> JSONValue {
        var members: Members = []
        if let description { members.append(("description", .string(description))) }
        members.append(("type", nullable ? types("object", "null") : types("object")))
        if !required.isEmpty { members.append(("required", strings(required))) }
        members.append(("properties", .object(properties)))
        if !open { members.append(("additionalProperties", .bool(false))) }
        return .object(members)
    }

    /// A mapping keyed by slug ids (`channels`, `sources`, `templates`, `segments`).
    static func idMap(_ description: String, of value: JSONValue, nullable: Bool = true) -> JSONValue {
        .object([
            ("description", .string(description)),
            ("type", nullable ? types("object", "null") : types("object")),
            ("propertyNames", ref("slug")),
            ("additionalProperties", value),
        ])
    }

    static func list(_ description: String?, of items: JSONValue, minItems: Int = 1) -> JSONValue {
        var members: Members = []
        if let description { members.append(("description", .string(description))) }
        members.append(("type", .string("array")))
        if minItems > 0 { members.append(("minItems", .number(Double(minItems)))) }
        members.append(("items", items))
        return .object(members)
    }

    static func choice(_ description: String?, _ options: [String], default value: String? = nil) -> JSONValue {
        JSONValue.object([("enum", strings(options))])
            .setting("description", description.map(JSONValue.string))
            .setting("default", value.map(JSONValue.string))
    }

    /// Exactly one of the keys must be present.
    static func exactlyOne(of keys: [String]) -> JSONValue {
        .array(keys.map { .object([("required", strings([$0]))]) })
    }
}

extension JSONValue {
    /// This object with a `title` first, where editors and readers look for it.
    func titled(_ title: String) -> JSONValue {
        guard case .object(let members) = self else { return self }
        return .object([("title", .string(title))] + members.filter { $0.0 != "title" })
    }

    /// This object with `key` set to `value` (replacing it in place, else appended); `nil` leaves
    /// it as it is. Other values are returned unchanged.
    func setting(_ key: String, _ value: JSONValue?) -> JSONValue {
        guard let value, case .object(var members) = self else { return self }
        if let index = members.firstIndex(where: { $0.0 == key }) {
            members[index].1 = value
        } else {
            members.append((key, value))
        }
        return .object(members)
    }
}
