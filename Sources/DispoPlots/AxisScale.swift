// Axis scales for the SVG charts: "nice" tick steps of 1, 2 or 5 × 10^k that cover the data (Heckbert,
// "Nice numbers for graph labels", Graphics Gems, 1990), and tick labels rounded to the step's precision
// (0.25 → "0.25", 1500 → "1.5k").

import Foundation

public struct AxisScale: Sendable, Equatable {
    public let lower: Double
    public let upper: Double
    public let step: Double

    /// A scale covering `values` and `includes` (e.g. 0 and 1 for an accuracy axis) with about `targetTicks`
    /// ticks; `integer` keeps the step at 1 or more (training steps). Non-finite values are ignored.
    public init(covering values: [Double], includes: [Double] = [], targetTicks: Int = 6, integer: Bool = false) {
        let finite = (values + includes).filter { abs($0) <= 1e300 }   // also drops NaN and ±inf
        var lo = finite.min() ?? 0, hi = finite.max() ?? 1
        if hi - lo <= max(abs(lo), abs(hi)) * 1e-12 {
            // A flat series: widen around the value; non-negative data keeps a non-negative axis.
            let pad = lo == 0 ? 1 : abs(lo) * 0.1
            lo = lo >= 0 ? max(0, lo - pad) : lo - pad
            hi += pad
        }
        var step = Self.niceNumber((hi - lo) / Double(max(1, targetTicks - 1)), round: true)
        if integer { step = max(1, step.rounded()) }
        self.step = step
        lower = (lo / step).rounded(.down) * step
        upper = max((hi / step).rounded(.up) * step, lower + step)
    }

    /// The tick values from `lower` to `upper`, snapped to the step's decimals (no 0.30000000000000004).
    public var ticks: [Double] {
        let spans = ((upper - lower) / step).rounded()
        guard spans.isFinite, spans >= 0 else { return [lower] }
        let count = Int(min(spans, 1000)) + 1
        let scale = pow(10, Double(decimals))
        return (0..<count).map { ((lower + Double($0) * step) * scale).rounded() / scale }
    }

    /// Maps a value to [0, 1] along the axis.
    public func fraction(_ value: Double) -> Double { (value - lower) / (upper - lower) }

    /// Decimal places the step needs (0.05 → 2, 5 → 0).
    var decimals: Int {
        let exponent = log10(step).rounded(.down)
        return exponent.isFinite ? max(0, min(340, -Int(exponent))) : 0
    }

    /// A tick label: thousands as k and millions as M when the axis reaches them, otherwise the step's decimals.
    public func label(_ value: Double) -> String {
        let top = max(abs(lower), abs(upper))
        let (divisor, suffix) = top >= 1e6 ? (1e6, "M") : top >= 1e4 ? (1e3, "k") : (1.0, "")
        let scaledStep = step / divisor
        let exponent = log10(scaledStep).rounded(.down)
        let places = exponent.isFinite ? max(0, min(340, -Int(exponent))) : 0
        var text = String(format: "%.\(places)f", value / divisor)
        if Double(text) == 0 { text = String(format: "%.\(places)f", 0.0) }    // no "-0"
        return text + suffix
    }

    /// The nice number near `x`: 1, 2, 5 or 10 × 10^k, rounded or rounded up.
    static func niceNumber(_ x: Double, round: Bool) -> Double {
        guard x > 0, x.isFinite else { return 1 }
        let exponent = log10(x).rounded(.down)
        let fraction = x / pow(10, exponent)
        let nice: Double
        if round {
            nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10
        } else {
            nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
        }
        return nice * pow(10, exponent)
    }
}
