// AdamW against a Double reference over several steps, clipping, schedules, and exact resume from saved state.
import DispoEngine
import DispoSupport
import Foundation
import XCTest

final class AdamWTests: XCTestCase {
    func test_updates_match_a_double_reference_and_skip_decay_on_1d_tensors() {
        let model = tinyModel()
        let config = AdamWConfig(beta1: 0.8, beta2: 0.9, eps: 1e-6, weightDecay: 0.5)
        let opt = AdamW(layout: model.layout, config: config)
        let P = model.parameterCount
        var p = (0..<P).map { Double(model.parameters.base[$0]) }, m = [Double](repeating: 0, count: P), v = m
        let oneD = Set(model.layout.tensors.filter { $0.shape.count == 1 }.flatMap { $0.offset..<($0.offset + $0.count) })
        for step in 1...3 {
            let g = randomFloats(P, seed: UInt64(step))
            for i in 0..<P { model.gradients.base[i] = g[i] }
            let lr = 0.01 * Double(step)
            opt.update(parameters: model.parameters, gradients: model.gradients, lr: lr)
            for i in 0..<P {
                if !oneD.contains(i) { p[i] *= 1 - lr * 0.5 }
                m[i] = 0.8 * m[i] + 0.2 * Double(g[i])
                v[i] = 0.9 * v[i] + 0.1 * Double(g[i]) * Double(g[i])
                let mh = m[i] / (1 - pow(0.8, Double(step))), vh = v[i] / (1 - pow(0.9, Double(step)))
                p[i] -= lr * mh / (vh.squareRoot() + 1e-6)
            }
        }
        XCTAssertEqual(opt.step, 3)
        for i in 0..<P { XCTAssertEqual(Double(model.parameters.base[i]), p[i], accuracy: 1e-6) }
    }

    func test_clipping_scales_to_max_norm() {
        let g = Arena(count: 4)
        for (i, x) in [3, 4, 0, 0].enumerated() { g.base[i] = Float(x) }
        XCTAssertEqual(GradientClipping.clip(g, maxNorm: 1), 5, accuracy: 1e-9)
        XCTAssertEqual(GradientClipping.globalNorm(g), 1, accuracy: 1e-5)
        XCTAssertEqual(GradientClipping.clip(g, maxNorm: 10), 1, accuracy: 1e-5)
        XCTAssertEqual(g.base[0], 0.6, accuracy: 1e-6, "below the limit nothing changes")
    }

    func test_schedules() throws {
        let constant = LearningRateSchedule(kind: .constant, peak: 1)
        XCTAssertEqual(constant.lr(step: 1), 1)
        let warm = LearningRateSchedule(kind: .linearWarmup, peak: 2, warmupSteps: 4)
        XCTAssertEqual([1, 2, 4, 9].map { warm.lr(step: $0) }, [0.5, 1, 2, 2])
        let cosine = LearningRateSchedule(kind: .cosine, peak: 1, warmupSteps: 2, totalSteps: 12, minRatio: 0.1)
        XCTAssertEqual(cosine.lr(step: 1), 0.5)
        XCTAssertEqual(cosine.lr(step: 2), 1)
        XCTAssertEqual(cosine.lr(step: 7), 0.55, accuracy: 1e-12)
        XCTAssertEqual(cosine.lr(step: 12), 0.1, accuracy: 1e-12)
        XCTAssertEqual(cosine.lr(step: 50), 0.1, accuracy: 1e-12)
        let json = try JSONWriter.encode(cosine)
        XCTAssertTrue(json.contains("\"cosine\""))
        XCTAssertEqual(try StrictJSONDecoder().decode(LearningRateSchedule.self, fromText: json), cosine)
        XCTAssertThrowsError(try StrictJSONDecoder().decode(LearningRateSchedule.self, fromText: #"{"kind":"step","peak":1,"warmupSteps":0,"totalSteps":0,"minRatio":0}"#))
    }

    func test_saved_state_resumes_bit_for_bit() throws {
        let config = AdamWConfig(beta1: 0.9, beta2: 0.95, weightDecay: 0.1)
        let a = tinyModel(), b = tinyModel()
        let optA = AdamW(layout: a.layout, config: config)
        var optB = AdamW(layout: b.layout, config: config)
        let dir = temporaryDirectory("adam")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for step in 1...4 {
            let g = randomFloats(a.parameterCount, seed: 100 + UInt64(step))
            for i in 0..<g.count { a.gradients.base[i] = g[i]; b.gradients.base[i] = g[i] }
            optA.update(parameters: a.parameters, gradients: a.gradients, lr: 0.01)
            optB.update(parameters: b.parameters, gradients: b.gradients, lr: 0.01)
            if step == 2 {
                try optB.save(path: dir + "/adam.state")
                try b.save(directory: dir)
                let restored = try Transformer.load(directory: dir)
                b.parameters.copy(from: restored.parameters)
                optB = AdamW(layout: b.layout, config: config)
                try optB.load(path: dir + "/adam.state")
                XCTAssertEqual(optB.step, 2)
            }
        }
        XCTAssertEqual(Array(a.parameters.buffer), Array(b.parameters.buffer))
        // A corrupted or foreign state file is an InputError.
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: dir + "/adam.state")))
        bytes[40] ^= 1
        try AtomicFile.write(bytes, to: dir + "/bad.state")
        XCTAssertThrowsError(try optB.load(path: dir + "/bad.state")) { XCTAssertTrue("\($0)".contains("checksum")) }
        let other = AdamW(layout: tinyModel(tied: true).layout, config: config)
        XCTAssertThrowsError(try other.load(path: dir + "/adam.state")) { XCTAssertTrue($0 is InputError) }
        var foreign = Array(try Data(contentsOf: URL(fileURLWithPath: dir + "/adam.state")))
        foreign[32] ^= 1   // a layout with the same parameter count but other tensors
        try AtomicFile.write(foreign, to: dir + "/foreign.state")
        XCTAssertThrowsError(try optB.load(path: dir + "/foreign.state")) { XCTAssertTrue("\($0)".contains("fingerprint")) }
        let otherSettings = AdamW(layout: a.layout, config: AdamWConfig(beta1: 0.9, beta2: 0.99, weightDecay: 0.1))
        XCTAssertThrowsError(try otherSettings.load(path: dir + "/adam.state")) { XCTAssertTrue("\($0)".contains("AdamW settings")) }
    }

    func test_threaded_update_is_bit_identical() {
        let config = ModelConfig(modelType: "llama", vocabSize: 2000, hiddenSize: 128, intermediateSize: 8,
                                 numHiddenLayers: 1, numAttentionHeads: 2)   // embedding: 256k floats, 4 chunks
        var results: [[Float]] = []
        for threads in [1, 2] {
            let model = Transformer(config: config)
            model.initializeRandom(seed: 3)
            let g = randomFloats(model.parameterCount, seed: 4)
            for i in 0..<g.count { model.gradients.base[i] = g[i] }
            let opt = AdamW(layout: model.layout, config: AdamWConfig(weightDecay: 0.1))
            for _ in 0..<2 { opt.update(parameters: model.parameters, gradients: model.gradients, lr: 0.01, threads: threads) }
            results.append(Array(model.parameters.buffer))
        }
        XCTAssertEqual(results[0], results[1])
    }
}

final class AdamWBF16Tests: XCTestCase {
    /// Runs `steps` updates with seeded random gradients; returns the parameters.
    func train(_ precision: AdamWConfig.MomentPrecision, steps: Int, model: Transformer = tinyModel()) -> [Float] {
        let opt = AdamW(layout: model.layout, config: AdamWConfig(beta2: 0.99, weightDecay: 0.1, momentPrecision: precision))
        for step in 1...steps {
            let g = randomFloats(model.parameterCount, seed: UInt64(100 + step), scale: 0.01)
            for i in 0..<g.count { model.gradients.base[i] = g[i] }
            opt.update(parameters: model.parameters, gradients: model.gradients, lr: 1e-3, threads: 2)
        }
        return withExtendedLifetime(model) { Array(model.parameters.buffer) }
    }

    func test_bf16_moments_follow_the_fp32_trajectory() {
        let initial = tinyModel()
        let start = withExtendedLifetime(initial) { Array(initial.parameters.buffer) }
        let exact = train(.f32, steps: 30), half = train(.bf16, steps: 30)
        // Each step moves a parameter by at most ≈ lr; bf16 moments change the step by ≲ 1%.
        var worst: Float = 0, moved: Float = 0
        for i in 0..<exact.count {
            worst = max(worst, abs(half[i] - exact[i]))
            moved = max(moved, abs(exact[i] - start[i]))
        }
        XCTAssertGreaterThan(moved, 0.01)
        XCTAssertLessThan(worst, 0.02 * moved, "largest deviation \(worst) against a largest move of \(moved)")
        XCTAssertEqual(train(.bf16, steps: 30), half, "stochastic rounding is seeded: runs repeat exactly")
    }

    func test_stochastic_rounding_keeps_the_second_moment_unbiased() {
        // A constant gradient g: v̂ = v / (1 − β₂ᵗ) must stay at g²; round-to-nearest bf16 would stall v once
        // (1 − β₂)(g² − v) falls under half a bf16 step.
        let model = tinyModel()
        let opt = AdamW(layout: model.layout, config: AdamWConfig(beta2: 0.999, momentPrecision: .bf16))
        let g: Float = 3e-3
        for i in 0..<model.parameterCount { model.gradients.base[i] = g }
        for _ in 0..<1500 { opt.update(parameters: model.parameters, gradients: model.gradients, lr: 0) }
        let v = UnsafeRawPointer(opt.v.base).assumingMemoryBound(to: UInt16.self)
        var mean = 0.0
        for i in 0..<model.parameterCount { mean += Double(Float(bitPattern: UInt32(v[i]) << 16)) }
        mean /= Double(model.parameterCount)
        let corrected = mean / (1 - pow(0.999, 1500))
        XCTAssertEqual(corrected / Double(g * g), 1, accuracy: 0.01)
    }

    func test_bf16_state_resumes_exactly_and_is_not_mistaken_for_fp32_state() throws {
        let dir = temporaryDirectory("adamw-bf16")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let a = tinyModel(), b = tinyModel()
        let config = AdamWConfig(momentPrecision: .bf16)
        let optA = AdamW(layout: a.layout, config: config)
        for step in 1...3 {
            let g = randomFloats(a.parameterCount, seed: UInt64(step))
            for i in 0..<g.count { a.gradients.base[i] = g[i] }
            optA.update(parameters: a.parameters, gradients: a.gradients, lr: 0.01)
        }
        try optA.save(path: dir + "/state.bin")
        b.parameters.copy(from: a.parameters)
        let optB = AdamW(layout: b.layout, config: config)
        try optB.load(path: dir + "/state.bin")
        let g = randomFloats(a.parameterCount, seed: 9)
        for (model, opt) in [(a, optA), (b, optB)] {
            for i in 0..<g.count { model.gradients.base[i] = g[i] }
            opt.update(parameters: model.parameters, gradients: model.gradients, lr: 0.01)
        }
        XCTAssertEqual(Array(a.parameters.buffer), Array(b.parameters.buffer))
        XCTAssertThrowsError(try AdamW(layout: a.layout, config: AdamWConfig()).load(path: dir + "/state.bin")) { error in
            XCTAssertTrue("\(error)".contains("version 2"), "\(error)")
        }
    }
}
