// `dispo grade`: grades model responses against gold answers with the math verifier. Reads JSONL
// (`--input`) and writes one verdict per line plus a summary line, or grades one `--response`/`--answer`
// pair. Parsing only; the grading loop is `GradeJSONL` in DispoVerifier.

import ArgumentParser
import DispoSupport
import DispoVerifier

struct GradeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grade",
        abstract: "Grade responses against gold answers: one JSON verdict per line, then a summary line.",
        discussion: """
            Verdict lines: {"correct", "extracted", "reason", "reward"}. Summary: {"total", "correct", \
            "accuracy", "no_answer"}. Answers are taken from the last "Answer:" line, else the last \\boxed{}, \
            else "#### n", else "the answer is …".
            """)

    @Option(help: "JSONL file with one response and gold answer per line.") var input: String?
    @Option(help: "Field holding the response text.") var responseField: String = "response"
    @Option(help: "Field holding the gold answer (text or number).") var answerField: String = "answer"
    @Option(help: "Grade this one response (with --answer) instead of a file.") var response: String?
    @Option(help: "The gold answer for --response.") var answer: String?
    @Option(parsing: .unconditional, help: "Reward for a correct answer, in [-1e6, 1e6].") var rewardCorrect: Double = 1
    @Option(parsing: .unconditional, help: "Reward for an incorrect answer, in [-1e6, 1e6].") var rewardIncorrect: Double = -1
    @Option(parsing: .unconditional, help: "Reward when no answer can be extracted, in [-1e6, 1e6].") var rewardNoAnswer: Double = -1

    func validate() throws {
        try Flags.check(rewardCorrect, "--reward-correct", Limits.reward)
        try Flags.check(rewardIncorrect, "--reward-incorrect", Limits.reward)
        try Flags.check(rewardNoAnswer, "--reward-no-answer", Limits.reward)
        switch (input, response, answer) {
        case (.some, nil, nil), (nil, .some, .some): break
        case (.some, _, _): throw ValidationError("give either --input or --response with --answer, not both")
        default: throw ValidationError("give --input FILE.jsonl, or --response TEXT with --answer TEXT")
        }
    }

    func run() async throws {
        let rewards = RewardConfig(correct: rewardCorrect, incorrect: rewardIncorrect, noAnswer: rewardNoAnswer)
        try rewards.validate(file: "command line")
        if let response, let answer {
            let verdict = MathVerifier.grade(response: response, gold: answer)
            try StandardOutput.line(GradeJSONL.verdictLine(verdict, reward: rewards.reward(for: verdict)))
            return
        }
        guard let input else { return }
        let summary = try GradeJSONL.grade(path: input, responseField: responseField, answerField: answerField,
                                           rewards: rewards) { try StandardOutput.line($0) }
        try StandardOutput.line(summary.jsonLine)
    }
}
