// `dispo shard`: dataset file → token shard set(s). Parses flags and runs DispoDatasets.ShardJob.

import ArgumentParser
import DispoDatasets
import DispoShards
import DispoSupport
import DispoTokenizers
import Foundation

struct ShardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shard",
        abstract: "Turn a math dataset (JSONL or JSON array) into token shard sets.",
        discussion: """
        Fields default to what the bundled benchmarks use: the prompt is `problem`, `question` or `prompt`;
        the answer is `answer` (GSM8K's text after `#### `), or the last \\boxed{} of `solution`.
        With --split test=0.05 the output directory holds one shard set per split (train/, test/).

        --template chat renders each problem with the model's own chat template (the `chat_template` of
        tokenizer_config.json, or chat_template.jinja, beside --tokenizer or at --chat-template) as one user turn,
        after an optional --system-prompt turn, with the assistant's turn header at the end (unless
        --no-generation-prompt), exactly as transformers' apply_chat_template does. --chat-var NAME=VALUE sets a
        template variable (VALUE is read as JSON when it is JSON, e.g. enable_thinking=false, else as text).
        With --response-field, the response then ends with the template's end-of-turn token (e.g. <|im_end|>).
        """)

    @Argument(help: "Dataset file (.jsonl, or .json holding an array of objects).")
    var input: String

    @Option(help: "Tokenizer: a tokenizer.json, a directory with tokenizer files, or a char vocabulary file.")
    var tokenizer: String

    @Option(help: "Output directory (the shard set, or one shard set per split).")
    var out: String

    @Option(help: "Input format: jsonl or json (default: from the file name).")
    var format: String?

    @Option(help: "Field holding the problem text (default: problem, question or prompt).")
    var promptField: String?

    @Option(help: "Field holding the gold answer, or `none` (default: answer, else \\boxed{} in solution).")
    var answerField: String?

    @Option(help: "Field holding a worked response to append after the prompt (loss mask covers it).")
    var responseField: String?

    @Option(help: "Field holding pre-tokenized prompt ids (then no template is applied).")
    var idsField: String?

    @Option(help: "Prompt template: \(PromptTemplate.names.joined(separator: ", ")).")
    var template: String = "plain"

    @Option(help: "With --template chat: where the chat template is (a tokenizer directory, tokenizer_config.json or .jinja file; default: --tokenizer).")
    var chatTemplate: String?

    @Option(help: "With --template chat: a system turn before each problem.")
    var systemPrompt: String?

    @Option(help: "With --template chat: a template variable NAME=VALUE, e.g. enable_thinking=false (repeatable).")
    var chatVar: [String] = []

    @Flag(help: "With --template chat: no assistant turn header at the end of the prompt.")
    var noGenerationPrompt = false

    @Option(help: "Block codec: zstd, lz4 or none.")
    var codec: String = "zstd"

    @Option(parsing: .unconditional, help: "zstd compression level, in [1, 19].")
    var level: Int = 3

    @Option(parsing: .unconditional, help: "Uncompressed bytes per block, in KiB, in [1, 65536].")
    var blockKib: Int = 1024

    @OptionGroup var threadOption: ThreadOption

    @Option(parsing: .unconditional, help: "Prompts longer than this many tokens are skipped (or an error, with --overlong error); in [1, 1048576].")
    var maxPromptTokens: Int?

    @Option(help: "What to do with over-long prompts: skip or error.")
    var overlong: String = "skip"

    @Option(help: "Held-out split NAME=FRACTION, e.g. test=0.05 (repeatable).")
    var split: [String] = []

    @Option(parsing: .unconditional, help: "Seed of the split.")
    var seed: UInt64 = 0

    @Option(help: "Name recorded as each record's source (default: folder/stem of the input).")
    var source: String?

    @Flag(help: "Count and skip bad records instead of stopping at the first.")
    var skipBad = false

    @Flag(help: "Keep control characters that look like mangled LaTeX escapes as they are.")
    var noRepair = false

    @Flag(help: "Replace an existing shard set.")
    var overwrite = false

    @Flag(help: "No progress bar.")
    var quiet = false

    func validate() throws {
        try Flags.check(level, "--level", 1...19)
        try Flags.check(blockKib, "--block-kib", 1...65_536)
        if let maxPromptTokens { try Flags.check(maxPromptTokens, "--max-prompt-tokens", Limits.newTokens) }
    }

    func run() async throws {
        var job = ShardJob(input: input, output: out)
        if let format {
            guard let parsed = DatasetFormat(rawValue: format) else { throw ValidationError("--format must be jsonl or json, not \(format)") }
            job.format = parsed
        }
        job.fields = ProblemFields(promptField: promptField, answerField: answerField, responseField: responseField,
                                   idsField: idsField, repairEscapes: !noRepair)
        job.template = try PromptTemplate.named(template, chat: try chatPrompt())
        guard let policy = OverlongPolicy(rawValue: overlong) else { throw ValidationError("--overlong must be skip or error") }
        job.overlong = policy
        job.maxPromptTokens = maxPromptTokens
        job.skipBad = skipBad
        job.seed = seed
        job.source = source
        job.showProgress = !quiet
        job.splits = try split.map(Self.parseSplit)
        job.writer.codec = try Self.codec(codec, level: level)
        job.writer.blockBytes = blockKib << 10
        job.writer.threads = threadOption.threads
        job.writer.overwrite = overwrite
        job.command = (["dispo"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
        let loaded = try TokenizerLoader.load(tokenizer)
        let summary = try job.run(tokenizer: loaded)
        try StandardOutput.line(summary.report())
    }

    /// The chat prompt settings when --template chat; chat options with another template are an error.
    private func chatPrompt() throws -> ChatPrompt? {
        guard template == "chat" else {
            if chatTemplate != nil || systemPrompt != nil || !chatVar.isEmpty || noGenerationPrompt {
                throw ValidationError("--chat-template, --system-prompt, --chat-var and --no-generation-prompt need --template chat")
            }
            return nil
        }
        var chat = ChatPrompt(template: try ChatTemplate.load(chatTemplate ?? tokenizer), systemPrompt: systemPrompt)
        chat.addGenerationPrompt = !noGenerationPrompt
        for item in chatVar {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty else { throw ValidationError("--chat-var takes NAME=VALUE; got \(item)") }
            let json = try? JSONParser.parse(parts[1], file: "--chat-var")
            chat.variables[parts[0]] = json.map { TemplateValue(json: $0.value) } ?? .string(parts[1])
        }
        return chat
    }

    static func parseSplit(_ text: String) throws -> (name: String, fraction: Double) {
        let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, let fraction = Double(parts[1]) else {
            throw ValidationError("--split takes NAME=FRACTION, e.g. test=0.05; got \(text)")
        }
        return (parts[0], fraction)
    }

    static func codec(_ name: String, level: Int) throws -> ShardCodec {
        guard ["zstd", "lz4", "none"].contains(name) else { throw ValidationError("--codec must be zstd, lz4 or none, not \(name)") }
        return try ShardCodec.parse(name, level: level)
    }

}
