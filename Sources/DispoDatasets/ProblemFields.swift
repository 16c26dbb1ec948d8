// Turns one dataset record (a JSON object) into a math problem: prompt text (or pre-tokenized ids),
// gold answer, optional worked response, and the metadata kept beside the tokens.
//
// Field rules, so the real datasets load as they are:
// - prompt: `--prompt-field`, else the first of `problem`, `question`, `prompt`.
// - answer: `--answer-field` (or `none`), else `answer`; a GSM8K answer (worked text ending `#### n`) gives n
//   and the worked text is kept as `solution`; with no `answer`, the last `\boxed{}` of `solution`.
//   Numbers become text without a spurious fraction: AMC's 27.0 → "27"; AIME's "025" stays "025".
// - LaTeX escapes that a JSON writer mangled (`\f`+`rac` for `\frac`, TAB+`riangle` for `\triangle`,
//   as in AIME'25) are repaired in the prompt and counted.

import DispoSupport
import DispoVerifier
import Foundation

public struct ProblemFields: Sendable {
    public var promptField: String?
    /// nil = automatic; "none" = the dataset has no answers.
    public var answerField: String?
    /// Worked responses to train on (tokens = prompt + response; the loss mask covers the response).
    public var responseField: String?
    /// Pre-tokenized prompt: a field holding an array of token ids.
    public var idsField: String?
    public var repairEscapes = true

    public static let promptCandidates = ["problem", "question", "prompt"]

    public init(promptField: String? = nil, answerField: String? = nil, responseField: String? = nil,
                idsField: String? = nil, repairEscapes: Bool = true) {
        self.promptField = promptField
        self.answerField = answerField
        self.responseField = responseField
        self.idsField = idsField
        self.repairEscapes = repairEscapes
    }
}

public struct MathProblem {
    public var prompt: String?
    public var promptIDs: [TokenID]?
    public var answer: String?
    public var response: String?
    /// The record's fields plus `id`, `source`, `row` and the normalised `answer`.
    public var metadata: [String: JSONValue]
    public var repairedEscapes: Bool
}

extension ProblemFields {
    /// Reads one record. Throws InputError naming `file` and `place` when a required field is missing or
    /// has the wrong type.
    public func problem(from record: DatasetRecord, file: String, place: String, row: Int,
                        source: String) throws -> MathProblem {
        func fail(_ expected: String, _ found: String? = nil) -> InputError {
            InputError(file: file, place: place, expected: expected, found: found)
        }
        var metadata: [String: JSONValue] = [:]
        for (key, value) in record.members { metadata[key] = value }
        var prompt: String?
        var promptIDs: [TokenID]?
        var repaired = false
        if let idsField {
            guard let value = record[idsField] else { throw fail("a field \"\(idsField)\" with token ids", "no such field") }
            guard case .array(let array) = value else { throw fail("an array of token ids in \"\(idsField)\"", value.kindDescription) }
            promptIDs = try array.enumerated().map { i, element in
                guard case .number(let d, _) = element.value, d == d.rounded(), d >= 0, d <= Double(Int32.max) else {
                    throw fail("non-negative integer token ids in \"\(idsField)\"", "\(element.value.kindDescription) at index \(i)")
                }
                return TokenID(d)
            }
        } else {
            let name = try promptField ?? Self.promptCandidates.first(where: { record[$0] != nil }) ?? {
                throw fail("a prompt field (one of \(Self.promptCandidates.joined(separator: ", ")))",
                           "fields \(record.keys.sorted().joined(separator: ", "))")
            }()
            guard let value = record[name] else { throw fail("a field \"\(name)\"", "no such field") }
            guard case .string(var text) = value else { throw fail("a string in \"\(name)\"", value.kindDescription) }
            if repairEscapes, let fixed = Self.repairingEscapes(text) {
                text = fixed
                repaired = true
            }
            prompt = text
        }
        let answer = try goldAnswer(record, metadata: &metadata, fail: fail)
        var response: String?
        if let responseField {
            guard let value = record[responseField] else { throw fail("a field \"\(responseField)\"", "no such field") }
            guard case .string(let text) = value else { throw fail("a string in \"\(responseField)\"", value.kindDescription) }
            response = text
        }
        if let answer { metadata["answer"] = .string(answer) }
        metadata["source"] = .string(source)
        metadata["row"] = .number(Double(row), String(row))
        if metadata["id"] == nil { metadata["id"] = record["unique_id"] ?? .string("\(source):\(row)") }
        return MathProblem(prompt: prompt, promptIDs: promptIDs, answer: answer, response: response,
                           metadata: metadata, repairedEscapes: repaired)
    }

    private func goldAnswer(_ record: DatasetRecord, metadata: inout [String: JSONValue],
                            fail: (String, String?) -> InputError) throws -> String? {
        if answerField == "none" { return nil }
        let name = answerField ?? "answer"
        if let value = record[name] {
            guard let text = Self.scalarText(value) else {
                throw fail("a string or number in \"\(name)\"", value.kindDescription)
            }
            if let marker = text.range(of: "#### ", options: .backwards) {
                let gold = text[marker.upperBound...].trimmingCharacters(in: .whitespacesAndNewlines)
                guard !gold.isEmpty else { throw fail("a final answer after \"#### \" in \"\(name)\"", "nothing") }
                if metadata["solution"] == nil { metadata["solution"] = .string(text) }
                return gold
            }
            let gold = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !gold.isEmpty else { throw fail("a non-empty answer in \"\(name)\"", "\"\"") }
            if case .string = value {} else { metadata["answer_raw"] = value }
            return gold
        }
        if answerField == nil, case .string(let solution)? = record["solution"], let boxed = Boxed.lastContent(in: solution) {
            return boxed
        }
        throw fail(answerField == nil ? "an \"answer\" field or a \\boxed{} answer in \"solution\" (or --answer-field)"
                                      : "a field \"\(name)\"", "no such field")
    }

    /// Text of a JSON string or number; integral numbers lose their ".0". Booleans and null are not answers.
    static func scalarText(_ value: JSONValue) -> String? {
        switch value {
        case .string(let text): return text
        case .number(let d, _):
            if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
            return "\(d)"
        default: return nil
        }
    }

    /// Control characters that stand where a LaTeX command's backslash and first letter were.
    private static let mangled: [(Character, String, [String])] = [
        ("\u{0C}", "\\f", ["rac"]),
        ("\t", "\\t", ["riangle", "imes", "heta", "ext{", "frac", "an "]),
        ("\u{08}", "\\b", ["oxed", "inom", "eta", "ar{", "egin"]),
    ]

    /// The text with mangled LaTeX escapes repaired, or nil when there is nothing to repair.
    public static func repairingEscapes(_ text: String) -> String? {
        guard text.contains(where: { $0 == "\u{0C}" || $0 == "\t" || $0 == "\u{08}" }) else { return nil }
        var out = text
        var changed = false
        for (control, replacement, continuations) in mangled {
            for rest in continuations {
                let broken = String(control) + rest
                if out.contains(broken) {
                    out = out.replacingOccurrences(of: broken, with: replacement + rest)
                    changed = true
                }
            }
        }
        return changed ? out : nil
    }
}
