// What a run does with each learner step's metrics besides appending them to metrics.jsonl: the adaptive
// clipping schedule (the next step's ε), collapse detection, and the TensorBoard event file. Its state (the
// schedule's ε and the detector's streaks) goes into every checkpoint, so a resumed run behaves exactly as
// an uninterrupted one.

import DispoLearner
import DispoLosses
import DispoPlots
import DispoSupport
import Foundation

final class StepWatch {
    let spec: PipelineSpec
    private(set) var schedule: AdaptiveClipping?
    private(set) var collapse: CollapseDetector
    let tensorBoard: TensorBoardWriter?

    /// `state`: the fresh or restored checkpoint state; `resumed`: whether it came from a checkpoint (the
    /// TensorBoard file is then cut back to its steps). `writes`: false on data-parallel ranks other than 0.
    init(context: RunContext, state: CheckpointState, learner: Learner, resumed: Bool, writes: Bool = true) throws {
        spec = context.spec
        collapse = state.collapse ?? CollapseDetector()
        if let config = spec.algorithm.adaptiveClip, let initial = learner.regimeEpsilons {
            let schedule = AdaptiveClipping(config: config, epsilons: state.clipEpsilons ?? initial)
            learner.setRegimeEpsilons(schedule.epsilons)
            self.schedule = schedule
        }
        tensorBoard = spec.writesTensorBoard && writes
            ? try TensorBoardWriter(directory: context.runDir + "/tensorboard", resumeThroughStep: resumed ? state.steps : nil)
            : nil
    }

    /// Notes on the loss's regimes that can never clip with their ε, for the log at the start of a run.
    static func unreachableRegimes(_ loss: PolicyLoss) -> [String] {
        guard let eps = loss.regimeEpsilons else { return [] }
        return ClipRegime.allCases.compactMap { regime in
            regime.cannotClipReason(epsilon: eps[regime]).map {
                "\(regime.label) (\(regime.positive ? "A>0" : "A<0"), r\(regime.highSide ? ">" : "<")1) cannot clip: \($0)"
            }
        }
    }

    /// After step `step`'s update: the schedule sets the learner's ε for the next step, and the detector
    /// looks at the step. Returns the collapse when it is detected at this step.
    func afterUpdate(step: Int, values: [String: Double], learner: Learner) -> CollapseEvent? {
        if var schedule {
            schedule.observe(values)
            learner.setRegimeEpsilons(schedule.epsilons)
            self.schedule = schedule
        }
        return collapse.observe(step: step, metrics: values, config: spec.collapseConfig)
    }

    /// Whether the run must end now: it collapsed and `train.stop_on_collapse` is set.
    var stopsRun: Bool { spec.stopsOnCollapse && collapse.event != nil }

    func save(into state: inout CheckpointState) {
        state.clipEpsilons = schedule?.epsilons
        state.collapse = collapse
    }

    /// Writes `values` to the TensorBoard file at `step` (no-op when TensorBoard output is off).
    func record(step: Int, _ values: [String: Double]) throws {
        try tensorBoard?.write(step: step, values: values)
    }

    /// The log line of a detected collapse.
    func warning(_ event: CollapseEvent) -> String {
        "warning: training collapsed at step \(event.step): \(event.reason); "
            + (spec.stopsOnCollapse ? "stopping (train.stop_on_collapse)" : "continuing (set train.stop_on_collapse to stop such runs)")
    }
}
