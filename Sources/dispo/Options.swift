// Flags shared by several commands, as ParsableArguments groups pulled in with @OptionGroup: each flag means
// the same thing, with the same default and range, wherever it appears (README.md, "Command-line flags").
// Every number is parsed `.unconditional`, so a negative value reaches its range check
// ("--temperature: expected a number in [0, 100], found -1") instead of being mistaken for a flag; every
// number is checked against its documented range (DispoSupport.Limits) before any work starts.

import ArgumentParser
import DispoEngine
import DispoSupport

/// `--model DIR`.
struct ModelOption: ParsableArguments {
    @Option(help: "Model directory (config.json + safetensors).") var model: String
}

/// `--tokenizer PATH`, defaulting to the model directory.
struct TokenizerOption: ParsableArguments {
    @Option(help: "Tokenizer: a tokenizer.json, a directory of tokenizer files, or a char vocabulary file (default: the model directory).")
    var tokenizer: String?
}

/// `--threads N`: the same meaning and default in every command that computes.
struct ThreadOption: ParsableArguments {
    @Option(parsing: .unconditional,
            help: "Threads this command computes with: BLAS and the engine's element-wise layers (dispo shard: block compression), in [1, 1024] (default 1: the machine is often shared; pass $(nproc) for every core).")
    var threads: Int = 1

    func validate() throws { try Flags.check(threads, "--threads", Limits.threads) }
}

/// `--metrics FILE`: the command's metrics as one JSON line (written whole, or not at all).
struct MetricsOption: ParsableArguments {
    @Option(help: "Write the metrics here as one JSON line (keys sorted, non-finite values as null).") var metrics: String?
}

/// How responses are sampled: `--temperature`, `--top-p`, `--top-k`, `--max-new-tokens`, `--seed`. Unset
/// values take the command's defaults (its help says which).
struct SamplingOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Sampling temperature in [0, 100] (0 = greedy).") var temperature: Float?
    @Option(parsing: .unconditional, help: "Nucleus sampling: keep the most likely tokens up to this probability mass, in (0, 1].")
    var topP: Float?
    @Option(parsing: .unconditional, help: "Keep only the K most likely tokens (0 = all), K in [0, 2147483647].") var topK: Int?
    @Option(parsing: .unconditional, help: "New tokens at most per response, in [1, 1048576] (and within the model's context).")
    var maxNewTokens: Int?
    @Option(parsing: .unconditional, help: "Seed of the sampled responses (the same seed gives the same responses).")
    var seed: UInt64 = 0

    func validate() throws {
        if let temperature { try Flags.check(Double(temperature), "--temperature", Limits.temperature) }
        if let topP { try Flags.check(Double(topP), "--top-p", 0...1, lowerOpen: true) }
        if let topK { try Flags.check(topK, "--top-k", 0...Int(Int32.max)) }
        if let maxNewTokens { try Flags.check(maxNewTokens, "--max-new-tokens", Limits.newTokens) }
    }
}

/// Range checks of command-line numbers, reported as usage errors naming the flag.
enum Flags {
    static func check(_ value: Int, _ flag: String, _ range: ClosedRange<Int>) throws {
        guard range.contains(value) else {
            throw ValidationError("\(flag): expected a whole number in \(Limits.text(range)), found \(value)")
        }
    }

    static func check(_ value: Double, _ flag: String, _ range: ClosedRange<Double>, lowerOpen: Bool = false) throws {
        guard value.isFinite, range.contains(value), !(lowerOpen && value == range.lowerBound) else {
            let interval = (lowerOpen ? "(" : "[") + "\(range.lowerBound), \(range.upperBound)]"
            throw ValidationError("\(flag): expected a number in \(interval), found \(value)")
        }
    }

    static func check(_ value: Float, _ flag: String, _ range: ClosedRange<Double>, lowerOpen: Bool = false) throws {
        try check(Double(value), flag, range, lowerOpen: lowerOpen)
    }
}

/// `--prefill-precision f32|bf16` (Generator.usePrefillPrecision).
func parsePrefillPrecision(_ text: String) throws -> PrefillPrecision {
    guard let p = PrefillPrecision(rawValue: text) else {
        throw ValidationError("--prefill-precision: expected f32 or bf16, found \(text)")
    }
    if let why = p.unavailability { throw ValidationError("--prefill-precision \(text): \(why)") }
    return p
}
