// Id-for-id parity with transformers' `apply_chat_template` for the real chat templates of five model families
// (Fixtures/chat/<family>/cases.json from Tools/make_chat_template_fixtures.py): each conversation renders to
// the same text and encodes to the same ids. Qwen2.5-Instruct, Qwen2.5-Math, Qwen3 (thinking on, off, unset)
// and DeepSeek-R1-Distill run from their committed configs and compact tokenizers; Llama 3.2's files are under
// its own licence and stay in ../shared, so its test needs that directory. The end-of-turn ids each template
// gives are checked here too.

import DispoSupport
import DispoTokenizers
import XCTest

final class ChatTemplateParityTests: XCTestCase {
    private struct Case {
        var name: String
        var messages: [TemplateValue]
        var addGenerationPrompt: Bool
        var variables: [String: TemplateValue]
        var text: String
        var ids: [Int32]
    }

    private func cases(_ family: String) throws -> [Case] {
        let root = try JSONReader.open(SharedData.fixtures + "/chat/\(family)/cases.json").object()
        return try root.required("cases").array().map { entry in
            let object = try entry.object()
            var variables: [String: TemplateValue] = [:]
            for (key, value) in try object.required("variables").object().members() { variables[key] = TemplateValue(json: value.node.value) }
            return Case(name: try object.required("name").string(),
                        messages: try object.required("messages").array().map { TemplateValue(json: $0.node.value) },
                        addGenerationPrompt: try object.required("add_generation_prompt").bool(), variables: variables,
                        text: try object.required("text").string(), ids: try SharedData.ids(try object.required("ids")))
        }
    }

    /// Renders and encodes every case of `family` with the template and tokenizer of `directory`.
    private func check(_ family: String, directory: String, tokenizer: (any Tokenizer)? = nil, minimumCases: Int = 9) throws {
        let template = try ChatTemplate.load(directory)
        let tokenizer = try tokenizer ?? TokenizerLoader.load(directory)
        let all = try cases(family)
        XCTAssertGreaterThanOrEqual(all.count, minimumCases)
        for c in all {
            let text = try template.render(messages: c.messages, addGenerationPrompt: c.addGenerationPrompt, variables: c.variables)
            XCTAssertEqual(text, c.text, "\(family) \(c.name)")
            XCTAssertEqual(tokenizer.encode(text), c.ids, "\(family) \(c.name)")
        }
    }

    private func committed(_ family: String) -> String { SharedData.fixtures + "/chat/" + family }

    func test_qwen25_instruct_matches_transformers() throws { try check("qwen2.5-instruct", directory: committed("qwen2.5-instruct")) }
    func test_qwen25_math_matches_transformers() throws { try check("qwen2.5-math", directory: committed("qwen2.5-math")) }
    func test_qwen3_with_and_without_thinking_matches_transformers() throws {
        try check("qwen3", directory: committed("qwen3"), minimumCases: 27)
    }
    func test_deepseek_r1_distill_matches_transformers() throws {
        try check("deepseek-r1-distill", directory: committed("deepseek-r1-distill"))
    }

    func test_llama32_matches_transformers() throws {
        try check("llama-3.2", directory: try SharedData.path("data/tokenizers/llama-3.2-1b-instruct", test: #function))
    }

    func test_full_qwen_files_render_and_encode_the_qwen_families_alike() throws {
        let qwen = try TokenizerLoader.load(try SharedData.path("data/tokenizers/qwen2.5-0.5b", test: #function))
        try check("qwen2.5-instruct", directory: try SharedData.path("data/tokenizers/qwen2.5-0.5b-instruct", test: #function), tokenizer: qwen)
        try check("qwen2.5-math", directory: try SharedData.path("data/tokenizers/qwen2.5-math-1.5b", test: #function), tokenizer: qwen)
        try check("qwen3", directory: try SharedData.path("data/tokenizers/qwen3", test: #function))
    }

    func test_end_of_turn_ids_are_the_templates_turn_markers() throws {
        for (family, expected) in [("qwen2.5-instruct", 151645), ("qwen2.5-math", 151645), ("qwen3", 151645),
                                   ("deepseek-r1-distill", 151643)] as [(String, Int32)] {
            let tokenizer = try TokenizerLoader.load(committed(family))
            XCTAssertEqual(try ChatTemplate.endOfTurnTokenIDs(tokenizerPath: committed(family), tokenizer: tokenizer), [expected], family)
        }
        // Qwen2.5-Math's EOS is <|endoftext|>, but its turns end with <|im_end|>: the sampler needs both.
        XCTAssertEqual(try TokenizerLoader.load(committed("qwen2.5-math")).eosTokenID, 151643)
    }

    func test_end_of_turn_ids_of_llama32_are_eot() throws {
        let directory = try SharedData.path("data/tokenizers/llama-3.2-1b-instruct", test: #function)
        XCTAssertEqual(try ChatTemplate.endOfTurnTokenIDs(tokenizerPath: directory, tokenizer: try TokenizerLoader.load(directory)), [128009])
    }

    func test_end_of_turn_ids_are_empty_without_a_marker_or_a_template() throws {
        let tokenizer = try TokenizerLoader.load(committed("qwen3"))
        let plain = try ChatTemplate(source: "{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}", file: "plain.jinja")
        XCTAssertEqual(try plain.endOfTurnTokenIDs(tokenizer: tokenizer), [])
        XCTAssertEqual(try ChatTemplate.endOfTurnTokenIDs(tokenizerPath: SharedData.fixtures + "/llama3-tiny.json",
                                                          tokenizer: try SharedData.llama()), [])
    }
}
