// `dispo bench allreduce`, run under `mpirun -np N`: what data parallelism costs on this machine or cluster.
//   bandwidth  all-reduce (sum, in place) of n floats for n = 2^10 … 2^26 (and the model's parameter count):
//              median time, algorithm bandwidth (bytes / time) and bus bandwidth (2(N−1)/N · bytes / time, the
//              bytes each rank's link carries in a ring all-reduce), against the baseline measured in the same run:
//              the local reduction y += x over the same bytes on one rank (what the sum costs without moving data).
//   learner    learner steps of a model (a model directory, or a config.json with random weights) on a synthetic
//              batch split over the ranks (whole groups): step time per rank, the gradient all-reduce inside it
//              (waiting for the slower rank included) and its share of the step.
// With one process (no mpirun) the all-reduce is a no-op and the learner part measures the step's compute alone.

import DispoDistributed
import DispoEngine
import DispoLearner
import DispoLosses
import DispoSupport
import Foundation

public struct AllReduceBenchOptions: Sendable {
    public var sizes: [Int] = [1 << 10, 1 << 16, 1 << 20, 1 << 24, 1 << 26]
    public var repeats = 5
    public var bandwidth = true
    /// A model directory, or a config.json (random weights, seed 1); nil = no learner part.
    public var model: String?
    /// Global prompts per step (each a group of `group` rollouts), dealt to the ranks in whole groups.
    public var prompts = 32, group = 8
    public var promptTokens = 24, responseTokens = 32
    public var miniBatches = 2, microBatch = 128
    public var steps = 3
    public var optimizer = OptimizerConfig.Kind.adamw
    public var threads = 1
    public init() {}
}

public enum AllReduceBench {
    public static func run(_ o: AllReduceBenchOptions, communicator base: any Communicator,
                           print emit: @escaping (String) -> Void = { print($0) }) throws {
        let communicator = TimedCommunicator(base)
        let say: (String) -> Void = { if communicator.isRoot { emit($0) } }
        say("ranks: \(communicator.size) (\(communicator.implementation))")
        Gemm.setThreads(o.threads)
        var model: Transformer?
        if let path = o.model { model = try loadModel(path) }
        if o.bandwidth {
            try bandwidth(o.sizes + (model.map { [$0.parameterCount] } ?? []), repeats: o.repeats, communicator: communicator, say: say)
        }
        if let model { try learnerSteps(model, o, communicator: communicator, say: say) }
    }

    static func loadModel(_ path: String) throws -> Transformer {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            return try Transformer.load(directory: path)
        }
        let model = Transformer(config: try ModelConfig.load(path: path))
        model.initializeRandom(seed: 1)
        return model
    }

    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    static func bandwidth(_ sizes: [Int], repeats: Int, communicator: any Communicator, say: (String) -> Void) throws {
        let n = Double(communicator.size)
        say("all-reduce (sum, in place), median of \(repeats); baseline: local y += x over the same bytes on one rank")
        say("      floats        MiB    all-reduce ms   algbw GB/s   busbw GB/s   local add ms   ratio")
        for count in sizes {
            let buffer = Arena(count: count), other = Arena(count: count)
            for i in 0..<count { buffer.base[i] = Float(i & 1023); other.base[i] = 1 }
            var times: [Double] = [], local: [Double] = []
            for r in 0...repeats {    // round 0 warms up
                try communicator.barrier(label: "bench.start")
                let t = try seconds { try communicator.allReduce(buffer.buffer, op: .sum, label: "bench.allreduce") }
                let l = seconds { let y = buffer.base, x = other.base; for i in 0..<count { y[i] += x[i] } }
                if r > 0 { times.append(t); local.append(l) }
            }
            // Every rank's median; the slowest is the collective's time.
            let mine = [times.sorted()[times.count / 2], local.sorted()[local.count / 2]]
            let worst = try communicator.allReduce(mine, op: .max, label: "bench.times")
            let bytes = Double(count * 4)
            say(String(format: "%12d %10.1f %16.3f %12.2f %12.2f %14.3f %7.1f", count, bytes / 1_048_576, worst[0] * 1e3,
                       bytes / worst[0] / 1e9, 2 * (n - 1) / n * bytes / worst[0] / 1e9, worst[1] * 1e3, worst[0] / worst[1]))
        }
    }

    /// This rank's groups of a synthetic batch: random tokens, rewards alternating within each group.
    static func rollouts(_ o: AllReduceBenchOptions, vocab: Int, rank: Int, size: Int) -> (rollouts: [Rollout], positions: [Int]) {
        var out: [Rollout] = [], positions: [Int] = []
        for p in 0..<o.prompts where p % size == rank {
            var rng = SplitMix64(seed: UInt64(p + 1))
            let prompt = (0..<o.promptTokens).map { _ in TokenID(rng.below(vocab)) }
            for i in 0..<o.group {
                let response = (0..<o.responseTokens).map { _ in TokenID(rng.below(vocab)) }
                out.append(Rollout(promptIDs: prompt, responseIDs: response, oldLogProbs: [Float](repeating: -2, count: o.responseTokens),
                                   reward: i % 2 == 0 ? 1 : 0, group: .label("\(p)")))
                positions.append(p * o.group + i)
            }
        }
        return (out, positions)
    }

    static func learnerSteps(_ model: Transformer, _ o: AllReduceBenchOptions, communicator: TimedCommunicator,
                             say: (String) -> Void) throws {
        model.threads = o.threads
        let (rollouts, positions) = rollouts(o, vocab: model.config.vocabSize, rank: communicator.rank, size: communicator.size)
        let config = LearnerConfig(objective: PolicyObjective(preset: .dispo), miniBatches: o.miniBatches, microBatchSize: o.microBatch,
                                   optimizer: OptimizerConfig(kind: o.optimizer, schedule: LearningRateSchedule(kind: .constant, peak: 1e-6)))
        let learner = try Learner(model: model, config: config, communicator: communicator)
        say("learner: \(model.parameterCount) parameters, \(o.prompts)×\(o.group) rollouts of \(o.promptTokens)+\(o.responseTokens) tokens "
            + "per step over \(communicator.size) rank(s), \(o.miniBatches) mini-batches, \(o.optimizer.rawValue), \(o.threads) thread(s) per rank")
        var rows: [[Double]] = []
        for step in 0...o.steps {    // step 0 warms up
            try communicator.barrier(label: "bench.step")
            communicator.reset()
            let wall = try seconds { _ = try learner.update(rollouts, positions: positions) }
            let gradients = communicator.byLabel["learner.gradients"]?.seconds ?? 0
            let other = communicator.byLabel.filter { $0.key != "learner.gradients" }.values.reduce(0) { $0 + $1.seconds }
            if step > 0 { rows.append([wall, gradients, other]) }
        }
        let mine = (0..<3).map { c in rows.map { $0[c] }.sorted()[rows.count / 2] }
        let all = try communicator.allGather(doubles: mine, label: "bench.learner")
        for (rank, row) in all.enumerated() {
            say(String(format: "rank %d: step %.3f s (median of %d), gradient all-reduce %.3f s (%.1f%%), other collectives %.4f s",
                       rank, row[0], o.steps, row[1], 100 * row[1] / row[0], row[2]))
        }
    }
}
