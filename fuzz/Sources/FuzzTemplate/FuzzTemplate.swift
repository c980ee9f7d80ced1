import Foundation
import FuzzSupport
import PlaybookCore

/// Template parsing and rendering: the validator's template check and the renderer agree (a
/// template `validate` accepts always parses at run time), diagnostics point at real places, and
/// rendering with contacts, lists and nested values never crashes; the compiled fast path renders
/// what swift-mustache renders.
///
/// The input is up to three parts separated by a NUL byte: text, subject, and an `it` variant.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTemplate(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let parts = Fuzz.bytes(data, size).split(separator: 0, maxSplits: 2, omittingEmptySubsequences: false)
        .map { String(decoding: $0, as: UTF8.self) }
    let text = parts[0]
    let subject = parts.count > 1 ? parts[1] : nil
    let variant = parts.count > 2 ? parts[2] : nil
    var accepted = true
    for part in [text, subject, variant].compactMap({ $0 }) {
        let diagnostics = TemplateCheck.diagnostics(of: part, scope: Fuzz.scope)
        Fuzz.requirePositions(diagnostics, "template check")
        if diagnostics.contains(where: { $0.severity == .error }) { accepted = false }
    }
    let renderer: MessageRenderer
    do {
        renderer = try MessageRenderer(subject: subject, text: text, html: text, locales: variant.map { ["it": (subject: $0, text: $0, html: nil)] } ?? [:])
    } catch {
        Fuzz.require(!accepted, "validate accepts a template the renderer cannot parse: \(error)")
        return 0
    }
    let facts = Fuzz.facts(payload: .object([("items", .array([.string("a"), .object([("x", .number(1))])])), ("ok", .bool(true))]))
    let values = MessageValues(facts: facts)
    // The compiled fast path must render exactly what swift-mustache renders from the same values
    // (up to the order of a printed dictionary, which swift-mustache does not fix).
    func same(_ a: String?, _ b: String?) -> Bool {
        guard let a, let b else { return a == nil && b == nil }
        return a == b || (a.contains("[") && a.count == b.count && a.sorted() == b.sorted())
    }
    for contact in [Fuzz.contact, nil] {
        for locale in ["", "it-IT", "it", "en_GB", "x-\u{0}"] {
            let fast = renderer.render(contact: contact, values: values, locale: locale)
            let reference = renderer.referenceRender(MessageRenderer.adding(contact, to: values.untyped), locale: locale)
            Fuzz.require(
                same(fast.subject, reference.subject) && same(fast.text, reference.text) && same(fast.html, reference.html),
                "compiled and swift-mustache differ for locale '\(locale)': \(fast) vs \(reference)")
        }
    }
    return 0
}
