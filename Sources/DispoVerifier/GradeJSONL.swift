// The JSONL grading loop behind `dispo grade`: one verdict line per input line
// (`{"correct":…,"extracted":…,"reason":…,"reward":…}`) and a final summary line
// (`{"total":…,"correct":…,"accuracy":…,"no_answer":…}`). Bad lines are InputErrors naming file and line.

import DispoSupport
import Foundation

public struct GradeSummary: Sendable, Equatable {
    public var total = 0
    public var correct = 0
    public var noAnswer = 0
    public var accuracy: Double { total == 0 ? 0 : Double(correct) / Double(total) }
    public init() {}

    public mutating func add(_ verdict: Verdict) {
        total += 1
        if verdict.correct { correct += 1 }
        if verdict.isFormatFailure { noAnswer += 1 }
    }

    public var jsonLine: String {
        "{\"total\":\(total),\"correct\":\(correct),\"accuracy\":\(JSONText.number(accuracy)),\"no_answer\":\(noAnswer)}"
    }
}

public enum GradeJSONL {
    /// Grades every line of `path`, passing each verdict line to `emit`; returns the summary
    /// (the caller prints `summary.jsonLine` last). Empty lines are skipped.
    public static func grade(path: String, responseField: String = "response", answerField: String = "answer",
                             rewards: RewardConfig = RewardConfig(), emit: (String) throws -> Void) throws -> GradeSummary {
        let data = try FileSystem.read(path, "a JSONL file of responses and gold answers")
        var summary = GradeSummary()
        var lineNumber = 0
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            if line.allSatisfy(isSpace) { continue }
            let (response, gold) = try fields(line, file: path, line: lineNumber,
                                              responseField: responseField, answerField: answerField)
            let verdict = MathVerifier.grade(response: response, gold: gold)
            summary.add(verdict)
            try emit(verdictLine(verdict, reward: rewards.reward(for: verdict)))
        }
        return summary
    }

    static func fields(_ line: ArraySlice<UInt8>, file: String, line number: Int, responseField: String,
                       answerField: String) throws -> (String, String) {
        let expected = "a JSON object with text fields \"\(responseField)\" and \"\(answerField)\""
        guard let lineText = String(validating: line, as: UTF8.self) else {
            throw InputError(file: file, place: "line \(number)", expected: "UTF-8 text", found: "invalid UTF-8 bytes")
        }
        let members: [(key: String, value: JSONNodeValue)]
        do {
            guard case .object(let m) = try JSONParser.parse(lineText, file: file, firstLine: number).value else {
                throw InputError(file: file, place: "line \(number)", expected: expected, found: InputError.excerpt(lineText))
            }
            members = m
        } catch let error as InputError where JSONParser.isValidSyntax(error) {
            throw error
        } catch {
            throw InputError(file: file, place: "line \(number)", expected: expected, found: InputError.excerpt(lineText))
        }
        let object = Dictionary(members.map { ($0.key, $0.value.value) }, uniquingKeysWith: { a, _ in a })
        guard case .string(let response)? = object[responseField] else {
            throw InputError(file: file, place: "line \(number)", expected: expected,
                             found: "no text field \"\(responseField)\"", hint: "choose it with --response-field")
        }
        guard let gold = text(object[answerField]) else {
            throw InputError(file: file, place: "line \(number)", expected: expected,
                             found: "no text or number field \"\(answerField)\"", hint: "choose it with --answer-field")
        }
        return (response, gold)
    }

    /// A gold answer may be a JSON number (AMC's 27.0, AIME's 70): integral values print without ".0".
    static func text(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let s)?: return s
        case .number(let d, _)?:
            if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
            return "\(d)"
        default: return nil
        }
    }

    /// One verdict as a JSON line.
    public static func verdictLine(_ verdict: Verdict, reward: Double) -> String {
        let extracted = verdict.extracted.map(JSONText.quoted) ?? "null"
        return "{\"correct\":\(verdict.correct),\"extracted\":\(extracted),\"reason\":\(JSONText.quoted(verdict.reason)),"
            + "\"reward\":\(JSONText.number(reward))}"
    }
}

enum JSONText {
    static func quoted(_ s: String) -> String { JSONString.literal(s) }

    static func number(_ x: Double) -> String {
        guard x.isFinite else { return "null" }
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        return "\(x)"
    }
}
