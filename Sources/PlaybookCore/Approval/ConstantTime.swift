/// Comparison of secrets whose duration does not depend on where they differ.
///
/// A comparison that stops at the first differing byte lets an attacker who can time many
/// attempts guess a signature byte by byte. This one always reads every byte of both and folds
/// the differences together, so its time depends only on the lengths, which are public (a
/// signature is always 32 bytes).
public enum ConstantTime {
    /// Whether `a` and `b` hold the same bytes.
    public static func equal<A: Collection, B: Collection>(_ a: A, _ b: B) -> Bool where A.Element == UInt8, B.Element == UInt8 {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }
}
