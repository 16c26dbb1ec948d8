// A one-line progress bar on stderr for long jobs (sharding, benchmarks, later training). Draws only when
// stderr is a terminal, at most ten times a second, so piping output to a file stays clean.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

public final class ProgressBar {
    private let label: String
    private let total: Int?
    private let unit: String
    private let enabled: Bool
    private let start = Date()
    private var lastDraw = Date.distantPast
    private var drew = false

    /// `total` in `unit`s, or nil when unknown (then a counter and a rate are shown).
    public init(label: String, total: Int?, unit: String = "", enabled: Bool? = nil) {
        self.label = label
        self.total = total
        self.unit = unit
        self.enabled = enabled ?? (isatty(2) != 0)
    }

    public func update(_ done: Int, extra: String = "") {
        guard enabled else { return }
        let now = Date()
        guard now.timeIntervalSince(lastDraw) >= 0.1 else { return }
        lastDraw = now
        draw(done, extra: extra, now: now)
    }

    /// Draws the final state and moves to a new line.
    public func finish(_ done: Int, extra: String = "") {
        guard enabled else { return }
        draw(done, extra: extra, now: Date())
        StandardError.write("\n")
    }

    private func draw(_ done: Int, extra: String, now: Date) {
        drew = true
        let elapsed = max(now.timeIntervalSince(start), 1e-9)
        let rate = Double(done) / elapsed
        var line = "\r\(label) "
        if let total, total > 0 {
            let fraction = min(1, Double(done) / Double(total))
            let width = 28
            let filled = Int(fraction * Double(width))
            line += "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] "
            line += "\(Int(fraction * 100))% \(done)/\(total)\(unit)"
            if done > 0, done < total {
                line += " ETA \(Self.duration(Double(total - done) / max(rate, 1e-9)))"
            }
        } else {
            line += "\(done)\(unit)"
        }
        line += String(format: " %.0f%@/s", rate, unit)
        if !extra.isEmpty { line += " " + extra }
        line += "\u{1B}[K"
        StandardError.write(line)
    }

    /// `1h02m`, `3m05s`, `12.3s`.
    public static func duration(_ seconds: Double) -> String {
        if seconds < 60 { return String(format: "%.1fs", seconds) }
        let s = Int(seconds.rounded())
        if s < 3600 { return String(format: "%dm%02ds", s / 60, s % 60) }
        return String(format: "%dh%02dm", s / 3600, (s % 3600) / 60)
    }
}
