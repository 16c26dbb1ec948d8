// The built-in arithmetic task: solutions are right, bounds hold, output is reproducible.
import DispoDatasets
import XCTest

final class ArithmeticTaskTests: XCTestCase {
    /// Evaluates the solution's steps and checks they chain into the boxed answer.
    func test_worked_solutions_are_correct_and_within_bounds() {
        let config = ArithmeticConfig()
        var generator = ArithmeticGenerator(config: config, seed: 42)
        for _ in 0..<2000 {
            let p = generator.next()
            let steps = p.solution.components(separatedBy: " \\boxed{")[0].split(separator: " ")
            XCTAssertTrue((config.minOps...config.maxOps).contains(steps.count), p.solution)
            var previous: Int?
            for step in steps {
                let parts = step.dropLast().split(separator: "=")
                let lhs = String(parts[0]), result = Int(parts[1])!
                let op = lhs.dropFirst().first(where: { "+-*".contains($0) })!
                let operands = lhs.split(separator: op, maxSplits: 1).map { Int($0)! }
                if let previous { XCTAssertEqual(operands[0], previous, p.solution) }
                let expected = op == "+" ? operands[0] + operands[1] : op == "-" ? operands[0] - operands[1] : operands[0] * operands[1]
                XCTAssertEqual(result, expected, p.solution)
                XCTAssertTrue((0...config.maxValue).contains(result), p.solution)
                previous = result
            }
            XCTAssertEqual(p.answer, previous)
            XCTAssertTrue(p.solution.hasSuffix("\\boxed{\(p.answer)}"))
            XCTAssertTrue(p.problem.hasSuffix("="))
        }
    }

    func test_parentheses_follow_left_to_right_order() {
        var generator = ArithmeticGenerator(config: ArithmeticConfig(minOps: 3, maxOps: 3), seed: 7)
        for _ in 0..<500 {
            let p = generator.next()
            XCTAssertEqual(Self.evaluate(String(p.problem.dropLast())), p.answer, p.problem)
        }
    }

    func test_same_seed_same_lines() throws {
        let a = try ArithmeticGenerator.jsonLines(count: 50, config: ArithmeticConfig(), seed: 3)
        let b = try ArithmeticGenerator.jsonLines(count: 50, config: ArithmeticConfig(), seed: 3)
        let c = try ArithmeticGenerator.jsonLines(count: 50, config: ArithmeticConfig(), seed: 4)
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, c)
        XCTAssertTrue(a[0].hasPrefix("{\"answer\":\""), a[0])
    }

    func test_bad_config_is_rejected() {
        XCTAssertThrowsError(try ArithmeticConfig(minOps: 3, maxOps: 2).validate())
        XCTAssertThrowsError(try ArithmeticConfig(maxOperand: 0).validate())
    }

    /// A small precedence-respecting evaluator (+, -, *, parentheses) to check the rendering.
    static func evaluate(_ text: String) -> Int {
        var chars = Array(text)[...]
        func number() -> Int {
            if chars.first == "(" { chars.removeFirst(); let v = sum(); chars.removeFirst(); return v }
            var digits = ""
            while let c = chars.first, c.isNumber { digits.append(c); chars.removeFirst() }
            return Int(digits)!
        }
        func product() -> Int {
            var v = number()
            while chars.first == "*" { chars.removeFirst(); v *= number() }
            return v
        }
        func sum() -> Int {
            var v = product()
            while let c = chars.first, c == "+" || c == "-" { chars.removeFirst(); v = c == "+" ? v + product() : v - product() }
            return v
        }
        return sum()
    }
}
