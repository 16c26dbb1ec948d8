// The built-in task: multi-step integer arithmetic with worked solutions, for the built-in tiny model.
//
// A problem chains 2–3 operations (+, −, ×) evaluated left to right, written with the fewest parentheses
// that make ordinary precedence agree with that order: `(6+4)*2-20=`. Its worked solution states each step
// and ends in the boxed answer: `6+4=10. 10*2=20. 20-20=0. \boxed{0}`. Knobs bound the operands and every
// intermediate value, so difficulty is set by the number of steps and the size of the numbers. The same
// seed gives the same problems on every machine (SplitMix64).

import DispoSupport
import Foundation

public struct ArithmeticConfig: Sendable, Codable, Equatable {
    /// Fewest and most operations per problem.
    public var minOps = 2
    public var maxOps = 3
    /// Largest operand of + and − (operands start at 1).
    public var maxOperand = 30
    /// Largest factor of ×.
    public var maxFactor = 5
    /// Largest intermediate value; every intermediate stays in 0...maxValue.
    public var maxValue = 99

    public init(minOps: Int = 2, maxOps: Int = 3, maxOperand: Int = 30, maxFactor: Int = 5, maxValue: Int = 99) {
        self.minOps = minOps
        self.maxOps = maxOps
        self.maxOperand = maxOperand
        self.maxFactor = maxFactor
        self.maxValue = maxValue
    }

    /// Checks the knobs describe a non-empty task.
    public func validate() throws {
        guard minOps >= 1, maxOps >= minOps, maxOps <= 64 else {
            throw InputError(file: "arithmetic config", place: "ops", expected: "1 <= min-ops <= max-ops <= 64",
                             found: "\(minOps)...\(maxOps)")
        }
        guard (1...1_000_000_000).contains(maxOperand), (2...1_000_000_000).contains(maxFactor),
              maxValue >= 2 * maxOperand, maxValue <= 1_000_000_000_000 else {
            throw InputError(file: "arithmetic config", place: "bounds",
                             expected: "max-operand in [1, 10^9], max-factor in [2, 10^9], max-value in [2 × max-operand, 10^12]",
                             found: "\(maxOperand), \(maxFactor), \(maxValue)")
        }
    }
}

public struct ArithmeticProblem: Sendable, Equatable {
    public var problem: String
    public var solution: String
    public var answer: Int
}

public struct ArithmeticGenerator: Sendable {
    public let config: ArithmeticConfig
    private var rng: SplitMix64

    public init(config: ArithmeticConfig = ArithmeticConfig(), seed: UInt64) {
        self.config = config
        rng = SplitMix64(seed: seed)
    }

    public mutating func next() -> ArithmeticProblem {
        let ops = rng.within(config.minOps...config.maxOps)
        var value = rng.within(1...config.maxOperand)
        var expression = String(value)
        var lastOp: Character?
        var steps: [String] = []
        for _ in 0..<ops {
            let (op, operand) = drawStep(from: value)
            let result: Int
            switch op {
            case "+": result = value + operand
            case "-": result = value - operand
            default: result = value * operand
            }
            if op == "*", lastOp == "+" || lastOp == "-" { expression = "(\(expression))" }
            expression += "\(op)\(operand)"
            steps.append("\(value)\(op)\(operand)=\(result).")
            value = result
            lastOp = op
        }
        return ArithmeticProblem(problem: expression + "=", solution: steps.joined(separator: " ") + " \\boxed{\(value)}",
                                 answer: value)
    }

    /// Picks an operation and operand that keep the result in 0...maxValue. Trivial steps (+0, −0, ×0, ×1)
    /// are never drawn, so no step can be skipped by a model that ignores it.
    private mutating func drawStep(from value: Int) -> (Character, Int) {
        while true {
            switch rng.below(3) {
            case 0:
                let room = min(config.maxOperand, config.maxValue - value)
                if room >= 1 { return ("+", rng.within(1...room)) }
            case 1:
                let room = min(value, config.maxOperand)
                if room >= 1 { return ("-", rng.within(1...room)) }
            default:
                let room = value == 0 ? config.maxFactor : min(config.maxFactor, config.maxValue / value)
                if room >= 2 { return ("*", rng.within(2...room)) }
            }
        }
    }

    /// One JSONL line per problem: `{"answer":"0","id":"arith-S-I","problem":"…","solution":"…"}`.
    public static func jsonLines(count: Int, config: ArithmeticConfig, seed: UInt64) throws -> [String] {
        var lines: [String] = []
        try forEachLine(count: count, config: config, seed: seed) { lines.append($0) }
        return lines
    }

    /// The same lines, one at a time (nothing is held in memory, so `count` is bounded by the output only).
    public static func forEachLine(count: Int, config: ArithmeticConfig, seed: UInt64, _ body: (String) throws -> Void) throws {
        struct Line: Encodable { var answer, id, problem, solution: String }
        var generator = ArithmeticGenerator(config: config, seed: seed)
        for i in 0..<max(0, count) {
            let p = generator.next()
            try body(try JSONWriter.encode(Line(answer: String(p.answer), id: "arith-\(seed)-\(i)", problem: p.problem,
                                                solution: p.solution)))
        }
    }
}
