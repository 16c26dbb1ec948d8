// `dispo tokenize`: text → token ids, or ids → text with --decode. Parses flags and calls
// DispoTokenizers.TokenizeTool.

import ArgumentParser
import DispoSupport
import DispoTokenizers
import Foundation

struct TokenizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Encode text to token ids (one JSON array per text), or decode ids back to text.",
        discussion: """
            Encoding prints one JSON array of ids per text, one array per line. With --input FILE.jsonl --field NAME, \
            each JSONL line is an object and its string field NAME is one text. Without --input, all of stdin is one \
            text (a final newline included); with --lines, each stdin line is a text. Special tokens written in the \
            text (e.g. <|im_start|>) are matched; --add-special-tokens also adds the post-processor's tokens \
            (e.g. Llama-3's BOS).

            Decoding (--decode) reads one JSON array of ids per line, from --input or stdin, and prints each decoded \
            text as a JSON string on its own line, or as plain text with --text.

            A bad input line stops the command with an error naming the file (or stdin) and the line; the lines \
            before it are printed.
            """)

    @Option(help: "tokenizer.json, char vocabulary file, or a directory holding one (or vocab.json + merges.txt).")
    var tokenizer: String
    @Option(help: "Input file: JSONL to encode (with --field), or id arrays with --decode. Default: stdin.")
    var input: String?
    @Option(help: "JSONL field holding the text (with --input).")
    var field: String?
    @Flag(help: "Encode each stdin line as a separate text.")
    var lines = false
    @Flag(help: "Add the post-processor's special tokens (e.g. BOS) when encoding.")
    var addSpecialTokens = false
    @Flag(help: "Decode id arrays to text instead of encoding.")
    var decode = false
    @Flag(help: "With --decode: leave out special tokens.")
    var skipSpecialTokens = false
    @Flag(help: "With --decode: print plain text instead of JSON strings.")
    var text = false

    func validate() throws {
        if !decode && input != nil && field == nil { throw ValidationError("--input needs --field NAME when encoding") }
        if field != nil && input == nil { throw ValidationError("--field applies to --input FILE.jsonl") }
        if decode && (field != nil || lines || addSpecialTokens) {
            throw ValidationError("--decode reads one id array per line; --field, --lines, --add-special-tokens do not apply")
        }
        if !decode && (skipSpecialTokens || text) { throw ValidationError("--skip-special-tokens and --text apply to --decode") }
    }

    func run() async throws {
        let tokenizer = try TokenizerLoader.load(self.tokenizer)
        let source = input ?? "stdin"
        let data = Data(try input.map { try FileSystem.read($0, "a text or JSONL file") } ?? StandardInput.readAll())
        let write: (String) throws -> Void = { try StandardOutput.line($0) }
        if decode {
            try TokenizeTool.decodeLines(data, file: source, tokenizer: tokenizer, skipSpecialTokens: skipSpecialTokens,
                                         asJSON: !text, write: write)
        } else if let field {
            try TokenizeTool.encodeJSONL(data, file: source, field: field, tokenizer: tokenizer,
                                         addSpecialTokens: addSpecialTokens, write: write)
        } else {
            try TokenizeTool.encodeText(data, file: source, perLine: lines, tokenizer: tokenizer, addSpecialTokens: addSpecialTokens,
                                        write: write)
        }
    }
}
