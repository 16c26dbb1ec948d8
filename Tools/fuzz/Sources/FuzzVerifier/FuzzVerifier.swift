// Fuzzes the math verifier and the response filters: answer extraction, normalisation, equivalence
// (the expression evaluator included) and repetition detection. Input: a response, a 0 byte, the gold
// answer (without a 0 byte the gold answer is "42").

import DispoVerifier
import FuzzSupport

let scorer = ResponseScorer(config: ScoringConfig(repetition: RepetitionConfig(action: .penalty)))

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzVerifier(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Scratch.bytes(data, size)
    let (response, gold) = Scratch.split(input[...])
    let responseText = String(decoding: response, as: UTF8.self)
    let goldText = gold.map { String(decoding: $0, as: UTF8.self) } ?? "42"
    _ = MathVerifier.grade(response: responseText, gold: goldText)
    _ = scorer.score(response: responseText, gold: goldText, tokens: response.map { Int32($0) }, endedWithEOS: false)
    _ = MathVerifier.compare(answer: goldText, gold: responseText)
    return 0
}
