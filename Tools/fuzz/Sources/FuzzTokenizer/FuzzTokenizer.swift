// Fuzzes the tokenizers: encoding and decoding with the built-in char tokenizer and a byte-level BPE
// fixture, loading tokenizer files, and chat templates. Input: byte 0 picks the mode, then
//   0: text encoded by both tokenizers (then decoded back), and the same bytes read as u16 ids and decoded;
//   1: a tokenizer.json (or char vocabulary) loaded, then used to encode and decode a fixed text;
//   2: a chat template (Jinja) parsed and rendered with one user message.

import DispoSupport
import DispoTokenizers
import FuzzSupport

let tokenizers: [any Tokenizer] = [
    "Data/tokenizers/char", "Tests/DispoTokenizersTests/Fixtures/compact/gpt2_tokenizer.json",
].compactMap { try? TokenizerLoader.load(Repository.path($0)) }

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTokenizer(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    let input = Scratch.bytes(data, size)
    let body = Array(input.dropFirst())
    switch input[0] % 3 {
    case 0:
        let text = String(decoding: body, as: UTF8.self)
        for tokenizer in tokenizers {
            let ids = tokenizer.encode(text, addSpecialTokens: true)
            _ = try? tokenizer.decode(ids, skipSpecialTokens: false)
            _ = tokenizer.unknownCharacters(in: text)
            let raw = stride(from: 0, to: body.count - 1, by: 2).map { TokenID(body[$0]) | TokenID(body[$0 + 1]) << 8 }
            _ = try? tokenizer.decode(raw, skipSpecialTokens: true)
        }
    case 1:
        let path = Scratch.directory("tokenizer") + "/tokenizer.json"
        Scratch.write(body, to: path)
        guard let tokenizer = try? TokenizerLoader.load(path) else { return 0 }
        let ids = tokenizer.encode("What is 12 + 30? Answer: \\boxed{42} <|im_end|> ünïcödé 数学", addSpecialTokens: true)
        _ = try? tokenizer.decode(ids, skipSpecialTokens: true)
    default:
        guard let template = try? ChatTemplate(source: String(decoding: body, as: UTF8.self), file: "fuzz.jinja") else { return 0 }
        _ = try? template.render([ChatMessage(role: "user", content: "1+1=")], addGenerationPrompt: true)
    }
    return 0
}
