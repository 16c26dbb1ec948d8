// `dispo bench tokenizer`: Swift tokenizer throughput on one thread against Hugging Face tokenizers (Rust) run
// by Tools/bench_tokenizer.py in the same run. Parses flags and calls DispoBench.TokenizerBench.

import ArgumentParser
import DispoBench
import Foundation

struct BenchTokenizerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenizer",
        abstract: "Encoding throughput (one thread) vs Hugging Face tokenizers; ends with `ratio vs tokenizers (Rust): X.XX`.",
        discussion: """
            The corpus is a text file, one text per line. Without --corpus it is built from the math datasets under
            --shared-data (gsm8k train question+answer, MATH train problems, MATH-500 problems+solutions; each text's
            lines become corpus lines). The Python baseline needs `tokenizers`:
              python3 -m venv .venv && .venv/bin/pip install tokenizers   then   --python .venv/bin/python
            """)

    @Option(help: "Tokenizer path.") var tokenizer = "../shared/data/tokenizers/qwen2.5-0.5b"
    @Option(help: "Corpus file, one text per line (default: built from the math datasets).") var corpus: String?
    @Option(help: "Directory holding math/ for the default corpus.") var sharedData = "../shared/data"
    @Option(help: "Python interpreter with `tokenizers` installed.") var python = "python3"
    @Option(name: .customLong("repeat"), parsing: .unconditional, help: "Passes per side; the best is reported; in [1, 1000].")
    var repeatCount = 3

    func validate() throws { try Flags.check(repeatCount, "--repeat", 1...1000) }

    func run() async throws {
        try TokenizerBench.run(TokenizerBenchOptions(
            tokenizer: tokenizer, corpus: corpus, sharedData: sharedData, python: python, repeatCount: repeatCount,
            script: TokenizerBench.defaultScript()))
    }
}
