import Foundation
import FuzzSupport
import PlaybookCore

/// The expression lexer, parser, type checker and evaluator on arbitrary text: errors point
/// inside the text, every node's span lies within it, and checking and evaluating never crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzExpression(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: Fuzz.bytes(data, size), as: UTF8.self)
    let length = text.unicodeScalars.count
    let expression: PlaybookCore.Expression
    do {
        expression = try PlaybookCore.Expression.parse(text)
    } catch {
        Fuzz.require(error.offset >= 0 && error.offset <= length, "parse error offset \(error.offset) outside 0...\(length): \(error.message)")
        return 0
    }
    func walk(_ e: PlaybookCore.Expression, depth: Int) {
        Fuzz.require(e.offset >= 0 && e.length >= 0 && e.offset + e.length <= length, "node span \(e.offset)+\(e.length) outside \(length)")
        Fuzz.require(depth <= 10_000, "tree deeper than the text")
        switch e.node {
        case .literal, .name: break
        case .list(let items): for item in items { walk(item, depth: depth + 1) }
        case .not(let inner), .negate(let inner): walk(inner, depth: depth + 1)
        case .binary(_, let l, let r):
            walk(l, depth: depth + 1)
            walk(r, depth: depth + 1)
        }
    }
    walk(expression, depth: 0)
    _ = expression.names
    for scope in [Fuzz.scope, NameScope(triggerFields: Fuzz.scope.triggerFields, stepIDs: nil, vars: Fuzz.scope.vars, allowsContact: false)] {
        do {
            try TypeChecker(scope: scope).checkCondition(expression)
        } catch {
            Fuzz.require(error.offset >= 0 && error.offset <= length, "type error offset \(error.offset) outside 0...\(length): \(error.message)")
        }
    }
    let facts = Fuzz.facts()
    let contact = Fuzz.contact
    _ = Evaluator { facts.resolve($0, contact: contact) }.evaluate(expression)
    _ = Evaluator { facts.at(offset: nil, active: nil).resolve($0) }.condition(expression)
    return 0
}
