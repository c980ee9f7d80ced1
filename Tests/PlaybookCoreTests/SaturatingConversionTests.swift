import Foundation
import PlaybookCore
import Testing

/// Every conversion of a number that input can reach — a source's reading against its baseline,
/// a sleep's nanoseconds, a probe's timeout — takes any double without trapping. A trap here
/// once stopped `watch` (and with it every watched playbook) on a reading of 1e19.
@Suite struct SaturatingConversionTests {
    /// The values that break unchecked conversions, and their neighbours.
    static let extremes: [Double] = [
        1e19, -1e19, 1e300, -1e300, .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .infinity, -.infinity, .nan, -.nan,
        .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude, 1e-300, 0, -0.0, 0.5, -0.5, 1, -1,
        9_223_372_036_854_775_807, 9_223_372_036_854_774_784, -9_223_372_036_854_775_808, 18_446_744_073_709_551_615, 4_294_967_296,
    ]

    /// Extremes, then doubles drawn from every bit pattern (NaNs and subnormals included), seeded so
    /// that a failure reproduces.
    static func generated(count: Int = 20_000) -> [Double] {
        var generator = TriggerStateMachineTests.Generator(state: 0x5EED_0F_D0_0B1E)
        return extremes + (0..<count).map { _ in Double(bitPattern: generator.next()) }
    }

    @Test func anIntegerHoldsEveryDoubleWithinItsRange() {
        for value in Self.generated() {
            let int = Int(saturating: value)
            let int64 = Int64(saturating: value)
            let uint64 = UInt64(saturating: value)
            let int32 = Int32(saturating: value)
            if value.isNaN {
                #expect(int == 0 && int64 == 0 && uint64 == 0 && int32 == 0)
                continue
            }
            // Within range, exactly what `init(_:)` gives; beyond it, the nearest bound.
            if let exact = Int64(exactly: value.rounded(.towardZero)) {
                #expect(int64 == exact, "\(value)")
            } else {
                #expect(int64 == (value < 0 ? .min : .max), "\(value)")
            }
            if let exact = UInt64(exactly: value.rounded(.towardZero)) {
                #expect(uint64 == exact, "\(value)")
            } else {
                #expect(uint64 == (value < 0 ? 0 : .max), "\(value)")
            }
            if let exact = Int32(exactly: value.rounded(.towardZero)) {
                #expect(int32 == exact, "\(value)")
            } else {
                #expect(int32 == (value < 0 ? .min : .max), "\(value)")
            }
            #expect(Int64(int) == int64)
        }
    }

    @Test func conversionKeepsOrder() {
        let sorted = Self.generated(count: 5_000).filter { !$0.isNaN }.sorted()
        let converted = sorted.map { Int(saturating: $0) }
        #expect(zip(converted, converted.dropFirst()).allSatisfy { $0 <= $1 })
    }

    @Test func secondsBecomeNanosecondsWithoutTrapping() {
        for value in Self.generated() {
            let nanoseconds = value.saturatingNanoseconds
            if value.isNaN || value <= 0 { #expect(nanoseconds == 0, "\(value)") }
            if value >= 18_446_744_074 { #expect(nanoseconds == .max, "\(value)") }
        }
        #expect(1.5.saturatingNanoseconds == 1_500_000_000)
        #expect((366 * 86_400.0).saturatingNanoseconds == 31_622_400_000_000_000)
    }

    /// `watch`'s detail line of a traffic drop: any reading against any baseline.
    @Test func aDropPercentIsComputedForEveryReadingAndBaseline() {
        let baselines: [Double] = [1, 100, 1e-300, .leastNonzeroMagnitude, 1e19, .infinity, .nan, 0, -1]
        for value in Self.generated(count: 2_000) {
            for baseline in baselines {
                let percent = TriggerConditions.dropPercent(value: value, baseline: baseline)
                #expect(abs(Double(percent)) <= TriggerConditions.maximumPercent, "\(value) vs \(baseline)")
                if !(baseline > 0) { #expect(percent == 0) }
            }
        }
        #expect(TriggerConditions.dropPercent(value: 60, baseline: 100) == 40)
        #expect(TriggerConditions.dropPercent(value: 125, baseline: 100) == -25)
        #expect(TriggerConditions.dropPercent(value: 1e19, baseline: 1) == -1_000_000_000)
        #expect(TriggerConditions.dropPercent(value: -1e19, baseline: 1e-300) == 1_000_000_000)
    }

    @Test func durationsOfAnySizeAreFormatted() {
        for value in Self.generated(count: 5_000) { _ = Duration.format(seconds: value) }
    }

    /// A reading becomes `trigger.value`: shown in plans and logs, sent as JSON, rendered in
    /// templates, whatever its size.
    @Test func numbersOfAnySizeAreShownSentAndRendered() throws {
        let renderer = try MessageRenderer(subject: nil, text: "{{ trigger.value }}", html: nil)
        for value in Self.generated(count: 5_000) {
            for shown in [Value.number(value), .percentage(value), .duration(value)] { _ = shown.displayText }
            let json = JSONValue.number(value).serialized()
            #expect(value.isFinite || json == "null", "\(value)")
            _ = renderer.render(contact: nil, values: MessageValues(["trigger": .object(["value": TemplateValue(.number(value))])]))
        }
    }
}
