// The Jinja subset against transformers' own Jinja environment (Fixtures/chat/jinja_cases.json from
// Tools/make_chat_template_fixtures.py), and the errors for what it does not support: each names the file,
// the template line and column, and the construct.

import DispoSupport
import DispoTokenizers
import XCTest

final class ChatTemplateTests: XCTestCase {
    private func render(_ source: String, messages: [TemplateValue] = [], addGenerationPrompt: Bool = false,
                        variables: [String: TemplateValue] = [:]) throws -> String {
        try ChatTemplate(source: source, file: "t.jinja").render(messages: messages, addGenerationPrompt: addGenerationPrompt,
                                                                  variables: variables)
    }

    private func error(_ source: String, variables: [String: TemplateValue] = [:],
                       file: StaticString = #filePath, line: UInt = #line) -> InputError? {
        do {
            _ = try render(source, variables: variables)
            XCTFail("expected an error for \(source)", file: file, line: line)
        } catch let error as InputError {
            return error
        } catch {
            XCTFail("expected InputError, got \(error)", file: file, line: line)
        }
        return nil
    }

    func test_jinja_cases_match_transformers_environment() throws {
        let root = try JSONReader.open(SharedData.fixtures + "/chat/jinja_cases.json").object()
        let cases = try root.required("cases").array()
        XCTAssertGreaterThanOrEqual(cases.count, 80)
        for entry in cases {
            let object = try entry.object()
            let name = try object.required("name").string()
            let source = try object.required("template").string()
            var variables: [String: TemplateValue] = [:]
            for (key, value) in try object.required("variables").object().members() { variables[key] = TemplateValue(json: value.node.value) }
            let messages: [TemplateValue]
            if case .list(let list)? = variables.removeValue(forKey: "messages") { messages = list } else { messages = [] }
            let generation = variables.removeValue(forKey: "add_generation_prompt").map { if case .bool(true) = $0 { return true }; return false } ?? false
            if let expected = try object.optional("output")?.string() {
                XCTAssertEqual(try render(source, messages: messages, addGenerationPrompt: generation, variables: variables),
                               expected, name)
            } else {
                XCTAssertThrowsError(try render(source, messages: messages, addGenerationPrompt: generation, variables: variables),
                                     name) { XCTAssertTrue($0 is InputError, name) }
            }
        }
    }

    func test_unsupported_statement_names_line_column_and_tag() throws {
        let e = error("Hello\n  {% include 'other.jinja' %}")
        XCTAssertEqual(e?.file, "t.jinja")
        XCTAssertEqual(e?.place, "template line 2, column 3")
        XCTAssertTrue(e?.expected.contains("{% include %} is not supported") ?? false, e?.description ?? "")
        XCTAssertEqual(e?.found, "\"{% include 'other.jinja' %}\"")
    }

    func test_unsupported_filter_test_and_method_are_named() throws {
        XCTAssertTrue(error("{{ 'a b'|wordcount }}")?.expected.contains("the filter `wordcount` is not supported") ?? false)
        XCTAssertTrue(error("{{ 1 is escaped }}")?.expected.contains("the test `escaped` is not supported") ?? false)
        let method = error("{{ 'a b'.title() }}")
        XCTAssertEqual(method?.place, "template line 1, column 9")
        XCTAssertTrue(method?.expected.contains("the method `title` of a str is not supported") ?? false, method?.description ?? "")
        XCTAssertTrue(error("{{ '%s' % 1 }}")?.expected.contains("operands that support %") ?? false)
        XCTAssertTrue(error("{{ lipsum() }}")?.expected.contains("`lipsum()` is not supported") ?? false)
        XCTAssertTrue(error("{% for x in y recursive %}{% endfor %}")?.expected.contains("recursive") ?? false)
        XCTAssertTrue(error("{{ f(*args) }}")?.expected.contains("not supported") ?? false)
    }

    func test_syntax_errors_name_their_place() throws {
        XCTAssertEqual(error("{% if true %}never closed")?.expected, "{% elif %} or {% else %} or {% endif %} to close this {% if %}")
        XCTAssertEqual(error("a\n{% endfor %}")?.place, "template line 2, column 1")
        XCTAssertEqual(error("{{ 'unterminated }}")?.expected, "a closing quote")
        XCTAssertEqual(error("{{ (1 + 2 }}")?.place, "template line 1, column 11")
        XCTAssertEqual(error("{# open comment")?.expected, "a comment closed by #}")
        XCTAssertEqual(error("{% break %}")?.expected, "{% break %} inside a for loop")
        XCTAssertEqual(error("{{ }}")?.expected, "an expression inside {{ }}")
    }

    func test_raise_exception_reports_the_templates_message() throws {
        let e = error("{{ raise_exception('Conversation roles must alternate') }}")
        XCTAssertTrue(e?.expected.hasSuffix("the template raised: Conversation roles must alternate") ?? false)
    }

    func test_runaway_templates_stop_with_an_error() throws {
        XCTAssertTrue(error("{% for i in range(2000000) %}{% endfor %}")?.expected.contains("range of at most") ?? false)
        XCTAssertTrue(error("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}")?.expected.contains("nested at most") ?? false)
        XCTAssertTrue(error("{{ 'x' * 100000000 }}")?.expected.contains("at most") ?? false)
        XCTAssertTrue(error("{{ 9223372036854775807 + 1 }}")?.expected.contains("within 64 bits") ?? false)
        let parentheses = "{{ " + String(repeating: "(", count: 5000) + "1" + String(repeating: ")", count: 5000) + " }}"
        XCTAssertTrue(error(parentheses)?.expected.contains("nested at most") ?? false)
        XCTAssertTrue(error("{{ " + String(repeating: "not ", count: 5000) + "1 }}")?.expected.contains("nested at most") ?? false)
        XCTAssertTrue(error(String(repeating: "{% if 1 %}", count: 5000))?.expected.contains("nested at most") ?? false)
    }

    func test_reserved_variable_names_are_rejected() throws {
        XCTAssertThrowsError(try render("{{ messages }}", variables: ["messages": .string("x")]))
    }

    func test_template_from_config_names_json_path_in_errors() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dispo-chat-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try #"{"eos_token": {"content": "</s>"}, "chat_template": "{{ bos_token }}{{ eos_token }}\n{% import 'x' %}"}"#
            .write(toFile: dir + "/tokenizer_config.json", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ChatTemplate.load(dir)) { error in
            XCTAssertEqual((error as? InputError)?.file, dir + "/tokenizer_config.json")
            XCTAssertEqual((error as? InputError)?.place, "$.chat_template, template line 2, column 1")
        }
        // A chat_template.jinja beside it wins; special tokens come from the config.
        try "[{{ eos_token }}]{{ bos_token is defined }}".write(toFile: dir + "/chat_template.jinja", atomically: true, encoding: .utf8)
        let template = try ChatTemplate.load(dir)
        XCTAssertEqual(try template.render([], addGenerationPrompt: false), "[</s>]False")
        XCTAssertEqual(template.file, dir + "/chat_template.jinja")
    }

    func test_named_templates_use_default_and_missing_template_is_an_error() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dispo-chat-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try #"{"chat_template": [{"name": "tool_use", "template": "T"}, {"name": "default", "template": "D"}]}"#
            .write(toFile: dir + "/tokenizer_config.json", atomically: true, encoding: .utf8)
        XCTAssertEqual(try ChatTemplate.load(dir).render([], addGenerationPrompt: false), "D")
        try #"{"eos_token": "x"}"#.write(toFile: dir + "/tokenizer_config.json", atomically: true, encoding: .utf8)
        XCTAssertNil(try ChatTemplate.loadIfPresent(dir))
        XCTAssertThrowsError(try ChatTemplate.load(dir)) { error in
            XCTAssertEqual((error as? InputError)?.place, "$.chat_template")
            XCTAssertEqual((error as? InputError)?.found, "no chat_template key")
        }
    }
}
