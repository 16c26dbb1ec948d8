// The learner part of `dispo bench engine --shape`: one DISPO update by `dispo learn` against the same update
// by Tools/bench_learn.py (PyTorch), whole processes (load, update, save), alternating round by round, with
// each side's wall time and peak RSS. Rollouts are seeded random tokens: groups of 4 with mixed rewards, old
// log-probs near the random model's (−ln V), so importance weights sit around 1 and some are clipped.
// Dimension legend: V vocab, P parameters.

import DispoEngine
import DispoSupport
import Foundation

extension RealShapeBench {
    static func learn(_ o: RealShapeBenchOptions, model: String, emit: (String) -> Void) throws {
        let (count, prompt, response, minibatches, micro) = o.shape.learnBatch
        let rollouts = o.workDirectory + "/rollouts-\(o.shape.rawValue).jsonl"
        try writeRollouts(rollouts, count: count, prompt: prompt, response: response, vocab: o.shape.config.vocabSize)
        let common = ["--model", model, "--rollouts", rollouts, "--minibatches", "\(minibatches)", "--micro-batch", "\(micro)",
                      "--lr", "1e-6"]
        let mine = [o.dispo, "learn"] + common + ["--out", o.workDirectory + "/learn-dispo", "--adam-moments", o.adamMoments.rawValue]
        let theirs = [o.python, o.scripts + "/bench_learn.py"] + common + ["--out", o.workDirectory + "/learn-torch",
                                                                          "--threads", "\(o.threads)"]
        let env = ["OMP_NUM_THREADS": "\(o.threads)", "MKL_NUM_THREADS": "\(o.threads)", "OPENBLAS_NUM_THREADS": "\(o.threads)"]
        let P = o.shape.config.checkedParameterCount ?? 0
        // PyTorch's fp32 AdamW holds parameters, gradients and two moments: 16 bytes per parameter before activations.
        let torchFits = o.torchLearn && 16 * P < MemoryBudget.availableBytes - (2 << 30)
        emit("== learn \(o.shape.rawValue) (\(P) parameters): \(count) rollouts of \(prompt) + \(response) tokens, K = \(minibatches) "
             + "mini-batches, micro-batch \(micro), AdamW (dispo moments \(o.adamMoments.rawValue)), whole processes; "
             + "free memory \(gib(MemoryBudget.availableBytes))")
        if !torchFits {
            emit("pytorch: not run (\(o.torchLearn ? "its 16 bytes per parameter, \(gib(16 * P)), exceed the free memory" : "--no-torch-learn"))")
        }
        var rows: [(ChildResult, ChildResult?)] = []
        for round in 0..<o.rounds {
            var dispo: ChildResult?, torch: ChildResult?
            for side in (round % 2 == 0 ? [0, 1] : [1, 0]) {
                if side == 0 { dispo = try ChildProcess.run(mine, environment: env) }
                else if torchFits { torch = try ChildProcess.run(theirs, environment: env) }
            }
            guard let d = dispo, d.status == 0 else {
                emit("dispo learn failed (status \(dispo?.status ?? -1)): \(dispo?.stderr.suffix(800) ?? "")")
                return
            }
            var line = String(format: "round %d: dispo %.1f s (CPU %.1f s), peak %@", round + 1, d.wall, d.cpu, gib(d.peakBytes))
            if let t = torch {
                if t.status != 0 { emit("pytorch failed (status \(t.status)): \(t.stderr.suffix(800))"); torch = nil }
                else { line += String(format: " | pytorch %.1f s (CPU %.1f s), peak %@", t.wall, t.cpu, gib(t.peakBytes)) }
            }
            emit(line)
            rows.append((d, torch))
        }
        let dWall = Spread(values: rows.map(\.0.wall)), dPeak = rows.map(\.0.peakBytes).max() ?? 0
        var summary = String(format: "dispo: median %.1f s (range %@), peak RSS %@", dWall.median, dWall.range, gib(dPeak))
        let paired = rows.compactMap { d, t in t.map { ($0.wall / d.wall, Double(d.peakBytes) / Double($0.peakBytes)) } }
        if !paired.isEmpty {
            let speed = Spread(values: paired.map(\.0)), memory = Spread(values: paired.map(\.1))
            summary += String(format: "; ratio vs PyTorch (paired median, range): speed %.2f (%@), peak memory dispo/pytorch %.2f (%@)",
                              speed.median, speed.range, memory.median, memory.range)
        }
        emit(summary)
    }

    /// `count` rollouts in groups of 4 (rewards 1, 0, 0, 1 shifted by group), seeded random tokens.
    static func writeRollouts(_ path: String, count: Int, prompt: Int, response: Int, vocab: Int) throws {
        var rng = SplitMix64(seed: 77)
        let center = -log(Double(vocab))
        var lines: [String] = []
        for i in 0..<count {
            let ids = (0..<prompt).map { _ in String(rng.below(vocab)) }, resp = (0..<response).map { _ in String(rng.below(vocab)) }
            let old = (0..<response).map { _ in String(format: "%.4f", center + Double(rng.below(2001)) / 1000 - 1) }
            let reward = (i + i / 4) % 3 == 0 ? 1 : 0
            lines.append("{\"prompt_ids\": [\(ids.joined(separator: ", "))], \"response_ids\": [\(resp.joined(separator: ", "))], "
                         + "\"old_logprobs\": [\(old.joined(separator: ", "))], \"reward\": \(reward), \"group\": \"g\(i / 4)\"}")
        }
        try AtomicFile.write(lines.joined(separator: "\n") + "\n", to: path)
    }
}
