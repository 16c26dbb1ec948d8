// `--template chat`: prompts rendered with the model's own chat template, checked against the ids transformers'
// apply_chat_template gave (the committed Qwen fixtures of DispoTokenizersTests, made by
// Tools/make_chat_template_fixtures.py), and responses ending with the template's end-of-turn token.

import DispoDatasets
import DispoShards
import DispoSupport
import DispoTokenizers
import Foundation
import XCTest

final class ChatPromptTests: XCTestCase {
    private static let chatFixtures = TestPaths.packageRoot.appendingPathComponent("Tests/DispoTokenizersTests/Fixtures/chat").path
    private static let problem = "Let $f(x) = 3x^2 - 5$. What is $f(f(1))$?"
    private static let system = "Please reason step by step, and put your final answer within \\boxed{}."

    /// The ids transformers gave for case `name` of `family`.
    private func expectedIDs(_ family: String, _ name: String) throws -> [Int32] {
        let cases = try JSONReader.open(Self.chatFixtures + "/\(family)/cases.json").object().required("cases").array()
        for entry in cases {
            let object = try entry.object()
            if try object.required("name").string() == name {
                return try object.required("ids").array().map { Int32(try $0.int()) }
            }
        }
        throw XCTSkip("no case \(name) in \(family)")
    }

    func test_qwen_math_chat_template_renders_the_qwen_boxed_prompt() throws {
        // Given Qwen2.5-Math's own template, whose default system prompt is the \boxed{} instruction
        let template = try ChatTemplate.load(Self.chatFixtures + "/qwen2.5-math")
        // Then the chat prompt without a system prompt is exactly the built-in qwen-boxed prompt
        XCTAssertEqual(try PromptTemplate.chat(ChatPrompt(template: template)).render(problem: Self.problem),
                       try PromptTemplate.qwenBoxed.render(problem: Self.problem))
    }

    func test_shard_job_with_chat_template_writes_transformers_ids_and_ends_responses_with_end_of_turn() throws {
        let directory = Self.chatFixtures + "/qwen2.5-instruct"
        let tokenizer = try TokenizerLoader.load(directory)
        let dir = try scratchDirectory()
        let input = dir + "/p.jsonl"
        let line = "{\"problem\": \(JSONString.literal(Self.problem)), \"answer\": \"7\", \"solution\": \"The answer is 7.\"}\n"
        try line.write(toFile: input, atomically: true, encoding: .utf8)
        var job = ShardJob(input: input, output: dir + "/out")
        job.showProgress = false
        job.template = .chat(ChatPrompt(template: try ChatTemplate.load(directory), systemPrompt: Self.system))
        job.fields = ProblemFields(responseField: "solution")
        // When the job runs
        let summary = try job.run(tokenizer: tokenizer)
        // Then the prompt is transformers' ids for the same conversation, and the response ends with <|im_end|>
        let set = try ShardSet(directory: job.output)
        let record = try set.record(at: 0)
        let prompt = try expectedIDs("qwen2.5-instruct", "system-user")
        XCTAssertEqual(Array(record.tokens.prefix(prompt.count)), prompt)
        XCTAssertEqual(Array(record.tokens.dropFirst(prompt.count)), tokenizer.encode("The answer is 7.") + [151645])
        XCTAssertEqual(set.manifest.info["template"], "chat")
        XCTAssertEqual(set.manifest.info["system_prompt"], Self.system)
        XCTAssertEqual(set.manifest.info["chat_template"], directory + "/tokenizer_config.json")
        XCTAssertTrue(summary.report().contains("end of turn: <|im_end|>; responses end with <|im_end|>"), summary.report())
    }

    func test_chat_variables_and_generation_prompt_reach_the_template() throws {
        let template = try ChatTemplate.load(Self.chatFixtures + "/qwen3")
        var chat = ChatPrompt(template: template)
        chat.variables["enable_thinking"] = .bool(false)
        XCTAssertTrue(try chat.render(problem: "Hi").hasSuffix("<|im_start|>assistant\n<think>\n\n</think>\n\n"))
        chat.addGenerationPrompt = false
        XCTAssertTrue(try chat.render(problem: "Hi").hasSuffix("Hi<|im_end|>\n"))
        XCTAssertThrowsError(try PromptTemplate.named("chat")) { XCTAssertTrue("\($0)".contains("tokenizer_config.json"), "\($0)") }
    }
}
