// Shared helpers of the engine tests: seeded random data, fixture paths, finite-difference checks.
import DispoEngine
import DispoSupport
import Foundation
import XCTest

enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path
    static let names = ["llama_untied_f32", "qwen2_tied_bf16", "llama_bias_tied_f16_sharded", "qwen3_untied_f32"]
}

func randomFloats(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
    var rng = SplitMix64(seed: seed)
    return (0..<count).map { _ in scale * (Float(rng.next() >> 40) / Float(1 << 24) * 2 - 1) }
}

func temporaryDirectory(_ name: String) -> String {
    let path = NSTemporaryDirectory() + "dispo-engine-\(name)-\(UInt64.random(in: 0...UInt64.max))"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Compares an analytic gradient with central differences of `loss` at `indices` of `x`.
/// |numeric − analytic| ≤ atol + rtol·|analytic| (fp32 forward, loss summed in Double).
func checkGradient(_ label: String, x: UnsafeMutablePointer<Float>, indices: [Int], analytic: (Int) -> Float,
                   loss: () -> Double, eps: Float = 1e-2, atol: Double = 2e-3, rtol: Double = 1e-2,
                   file: StaticString = #filePath, line: UInt = #line) {
    for i in indices {
        let saved = x[i]
        x[i] = saved + eps
        let plus = loss()
        x[i] = saved - eps
        let minus = loss()
        x[i] = saved
        let numeric = (plus - minus) / Double(2 * eps)
        let a = Double(analytic(i))
        XCTAssertLessThanOrEqual(abs(numeric - a), atol + rtol * abs(a),
                                 "\(label)[\(i)]: numeric \(numeric) vs analytic \(a)", file: file, line: line)
    }
}

/// Compares g·d with the central difference of `loss` along a random unit direction d over all `count` entries
/// of `x`: |numeric − analytic| ≤ rtol·max(|analytic|, ‖g‖·1e-2) + atol.
func checkDirectionalGradient(_ label: String, x: UnsafeMutablePointer<Float>, count: Int, analytic: [Float],
                              loss: () -> Double, eps: Float = 2e-3, rtol: Double = 2e-2, atol: Double = 1e-4,
                              file: StaticString = #filePath, line: UInt = #line) {
    var direction = randomFloats(count, seed: UInt64(count) &* 7919)
    let norm = Float(direction.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot())
    for i in 0..<count { direction[i] /= norm }
    let saved = Array(UnsafeBufferPointer(start: x, count: count))
    for i in 0..<count { x[i] = saved[i] + eps * direction[i] }
    let plus = loss()
    for i in 0..<count { x[i] = saved[i] - eps * direction[i] }
    let minus = loss()
    for i in 0..<count { x[i] = saved[i] }
    let numeric = (plus - minus) / Double(2 * eps)
    let projected = zip(analytic, direction).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    let gradNorm = analytic.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
    XCTAssertLessThanOrEqual(abs(numeric - projected), rtol * max(abs(projected), gradNorm * 1e-2) + atol,
                             "\(label) along a random direction: numeric \(numeric) vs analytic \(projected)", file: file, line: line)
}

/// max |a − b| / max |b|: the relative error of a whole tensor.
func relativeError(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Double {
    var diff = 0.0, scale = 0.0
    for i in 0..<count {
        diff = max(diff, abs(Double(a[i]) - Double(b[i])))
        scale = max(scale, abs(Double(b[i])))
    }
    return scale == 0 ? diff : diff / scale
}

/// A tiny config exercising GQA and every bias: V 11, C 8, F 12, L 2, NH 2, KVH 1, HS 4.
/// Qwen3 gets head size 6, so NH·HS = 12 ≠ C.
func tinyConfig(tied: Bool = false, bias: Bool = true, family: String = "llama") -> ModelConfig {
    ModelConfig(modelType: family, vocabSize: 11, hiddenSize: 8, intermediateSize: 12, numHiddenLayers: 2,
                numAttentionHeads: 2, numKeyValueHeads: 1, headDim: family == "qwen3" ? 6 : nil, ropeTheta: 100, maxPositionEmbeddings: 64,
                tieWordEmbeddings: tied, attentionBias: bias, initializerRange: 0.5)
}

/// A tiny random model whose norms and biases are non-trivial too.
func tinyModel(tied: Bool = false, bias: Bool = true, family: String = "llama", seed: UInt64 = 7) -> Transformer {
    let model = Transformer(config: tinyConfig(tied: tied, bias: bias, family: family))
    model.initializeRandom(seed: seed)
    for view in model.layout.tensors where view.shape.count == 1 {
        let noise = randomFloats(view.count, seed: seed &+ UInt64(view.offset), scale: 0.3)
        for i in 0..<view.count { model.parameters[view.offset][i] += noise[i] }
    }
    return model
}

/// A heap buffer of floats that tests perturb in place while a loss closure reads it.
final class Floats {
    let p: UnsafeMutablePointer<Float>
    let count: Int
    init(_ values: [Float]) {
        count = values.count
        p = .allocate(capacity: max(1, count))
        p.initialize(from: values, count: count)
    }
    deinit { p.deallocate() }
    var array: [Float] { Array(UnsafeBufferPointer(start: p, count: count)) }
}
