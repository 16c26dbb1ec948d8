// The documented ranges of dispo's numeric settings shared by pipeline keys and command-line flags
// (Pipelines/README.md and README.md list them), the checks that enforce them, and checked arithmetic for
// sizes computed from input. A value outside its range is an InputError naming where it came from, so no
// size taken from a file or a flag can reach an allocation or an Int conversion unchecked.

public enum Limits {
    /// Compute threads (BLAS, element-wise layers, compression): `--threads`, `threads.*`.
    public static let threads = 1...1024
    /// Responses per prompt: `--n`, `rollout.group_size`, `eval.samples`.
    public static let samples = 1...65_536
    /// New tokens per response: `--max-new-tokens`, `rollout.max_new_tokens`.
    public static let newTokens = 1...1_048_576
    /// Sequences handled together (prompts per step, responses per step, micro-batches, decode slots, channel
    /// capacities).
    public static let sequences = 1...1_048_576
    /// Steps, updates, counts of problems: anything counted that is not held in memory at once.
    public static let count = 0...1_000_000_000
    /// Sampling and log-prob temperatures (0 only where it means greedy).
    public static let temperature: ClosedRange<Double> = 0...100
    /// Rewards and penalties.
    public static let reward: ClosedRange<Double> = -1e6...1e6
    /// Learning rates.
    public static let learningRate: ClosedRange<Double> = 0...10

    /// `range` as text: `[1, 65536]`.
    public static func text<T: Comparable>(_ range: ClosedRange<T>) -> String { "[\(range.lowerBound), \(range.upperBound)]" }

    /// Throws unless `value` is in `range`. `what` describes the value ("responses per prompt").
    public static func check(_ value: Int, _ range: ClosedRange<Int>, file: String, place: String, what: String? = nil) throws {
        guard range.contains(value) else {
            throw InputError(file: file, place: place, expected: "a whole number in \(text(range))" + (what.map { " (\($0))" } ?? ""),
                             found: "\(value)")
        }
    }

    /// Throws unless `value` is finite and in `range`; `lowerOpen` excludes the lower bound (`(0, 10]`).
    public static func check(_ value: Double, _ range: ClosedRange<Double>, lowerOpen: Bool = false, file: String,
                             place: String, what: String? = nil) throws {
        let inside = value.isFinite && range.contains(value) && !(lowerOpen && value == range.lowerBound)
        guard inside else {
            let interval = (lowerOpen ? "(" : "[") + "\(range.lowerBound), \(range.upperBound)]"
            throw InputError(file: file, place: place, expected: "a number in \(interval)" + (what.map { " (\($0))" } ?? ""),
                             found: "\(value)")
        }
    }

    /// `a × b`, or an InputError naming `place` when the product does not fit or exceeds `limit`.
    public static func product(_ a: Int, _ b: Int, limit: Int = Int.max, file: String, place: String,
                               what: String) throws -> Int {
        let (value, overflow) = a.multipliedReportingOverflow(by: b)
        guard !overflow, value <= limit else {
            throw InputError(file: file, place: place, expected: "\(what) of at most \(limit)",
                             found: overflow ? "\(a) × \(b), beyond what a 64-bit integer holds" : "\(a) × \(b) = \(value)")
        }
        return value
    }

    /// `a + b`, or an InputError naming `place` when the sum does not fit or exceeds `limit`.
    public static func sum(_ a: Int, _ b: Int, limit: Int = Int.max, file: String, place: String, what: String) throws -> Int {
        let (value, overflow) = a.addingReportingOverflow(b)
        guard !overflow, value <= limit else {
            throw InputError(file: file, place: place, expected: "\(what) of at most \(limit)",
                             found: overflow ? "\(a) + \(b), beyond what a 64-bit integer holds" : "\(a) + \(b) = \(value)")
        }
        return value
    }
}
