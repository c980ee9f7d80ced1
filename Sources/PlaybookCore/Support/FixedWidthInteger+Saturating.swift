extension FixedWidthInteger {
    /// `value` rounded toward zero and held within the type's range: NaN is 0, anything beyond the
    /// range (infinities included) is `min` or `max`.
    ///
    /// `Int(_:)` traps on such values, and a trap in `watch` stops every playbook it watches. Every
    /// conversion of a number that input can reach (a source's reading, a duration, a flag, a
    /// provider's retry hint) goes through here.
    public init(saturating value: Double) {
        if value.isNaN {
            self = 0
        } else if value <= Double(Self.min) {
            self = .min
        } else if value >= Double(Self.max) {
            // `Double(Self.max)` rounds up to the next power of two for 64-bit types, so every
            // value below it converts exactly.
            self = .max
        } else {
            self.init(value)
        }
    }
}

extension Double {
    /// Seconds as the nanoseconds `Task.sleep` and NIO's timers take: never negative, NaN as 0,
    /// beyond about 584 years as the largest count.
    public var saturatingNanoseconds: UInt64 { UInt64(saturating: self * 1_000_000_000) }
}
