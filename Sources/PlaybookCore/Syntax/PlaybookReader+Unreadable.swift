extension PlaybookReader {
    /// Compares the definitions written in the file with those read into `playbook`, to record
    /// the ones that were written but are broken (see `UnreadableDefinitions`).
    func unreadableDefinitions(_ top: MappingReader, _ playbook: Playbook) -> UnreadableDefinitions {
        var out = UnreadableDefinitions()
        func map(_ node: YAMLNode?, _ kind: UnreadableDefinitions.Kind, read: [Located<String>]) {
            guard let node, !node.isNull else { return }
            guard let entries = node.entries else {
                out.insertSection(kind)
                return
            }
            let readIDs = Set(read.map(\.value))
            for entry in entries where !readIDs.contains(entry.key.value) { out.insert(kind, entry.key.value) }
        }
        map(top.value("sources"), .source, read: playbook.sources.map(\.id))
        map(top.value("channels"), .channel, read: playbook.channels.map(\.id))
        map(top.value("templates"), .template, read: playbook.templates.map(\.id))
        if let audience = top.value("audience"), !audience.isNull {
            if let entries = audience.entries {
                map(entries.first { $0.key.value == "segments" }?.value, .segment, read: playbook.audience?.segments.map(\.id) ?? [])
            } else {
                out.insertSection(.segment)
            }
        }
        let readSteps = Set((playbook.steps + playbook.recovery).map(\.id.value))
        for key in ["steps", "recovery"] {
            guard let node = top.value(key), !node.isNull else { continue }
            guard let items = node.items else {
                out.insertSection(.step)
                continue
            }
            for item in items {
                if let id = Self.scalar("id", in: item), !readSteps.contains(id) { out.insert(.step, id) }
            }
        }
        // A trigger that cannot be read might be of any kind when its kind cannot be told (or there
        // are no triggers to read): then no `trigger.*` name is reported as exposed by none.
        let readTriggers = Set(playbook.triggers.map(\.id.value))
        if let items = top.value("triggers")?.items, !items.isEmpty {
            for item in items {
                if let id = Self.scalar("id", in: item), readTriggers.contains(id) { continue }
                let kinds = (item.entries ?? []).map(\.key.value).filter(TriggerKind.names.contains)
                out.triggerKinds.formUnion(kinds.isEmpty ? TriggerKind.names : kinds)
            }
        } else {
            out.triggerKinds = Set(TriggerKind.names)
        }
        return out
    }

    private static func scalar(_ key: String, in node: YAMLNode) -> String? {
        guard let value = node.entries?.first(where: { $0.key.value == key })?.value, !value.isNull else { return nil }
        return value.scalarText
    }
}
