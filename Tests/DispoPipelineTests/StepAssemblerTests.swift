// StepAssembler: the filter's state machine, driven directly. Groups are strings, payloads batch indices.
import DispoPipeline
import XCTest

final class StepAssemblerTests: XCTestCase {
    typealias Machine = StepAssembler<String, Int>

    private func batch(_ step: Int, _ index: Int, _ groups: [String], kept: [Bool]? = nil) -> Machine.Batch {
        AssemblerBatch(step: step, index: index, groups: groups, kept: kept ?? groups.map { _ in true }, payload: index)
    }

    private func completed(_ actions: [Machine.Action]) -> [(step: Int, groups: [String], used: [Int])] {
        actions.compactMap {
            if case .complete(let step, let groups, let used, _, _) = $0 { return (step, groups, used) }
            return nil
        }
    }

    func test_step_needs_every_batch_of_its_prompts_not_just_the_first() {
        // Given B = 4 and batches of 2 prompts (no dynamic sampling)
        var m = Machine(firstStep: 0, target: 4, maxGenBatches: 0)
        // When the first batch arrives, then the second
        let first = m.receive(batch(0, 0, ["a", "b"]))
        let second = m.receive(batch(0, 1, ["c", "d"]))
        // Then the step completes only with the second, holding all four groups
        XCTAssertTrue(completed(first).isEmpty)
        XCTAssertEqual(completed(second).map(\.groups), [["a", "b", "c", "d"]])
        XCTAssertEqual(completed(second).map(\.used), [[0, 1]])
        XCTAssertEqual(m.step, 1)
    }

    func test_batches_arriving_out_of_order_are_assembled_in_index_order() {
        var m = Machine(firstStep: 3, target: 4, maxGenBatches: 0)
        XCTAssertTrue(m.receive(batch(3, 1, ["c", "d"])).isEmpty)
        XCTAssertTrue(m.receive(batch(4, 0, ["e", "f"])).isEmpty)
        let actions = m.receive(batch(3, 0, ["a", "b"]))
        XCTAssertEqual(completed(actions).map(\.groups), [["a", "b", "c", "d"]])
        let next = m.receive(batch(4, 1, ["g", "h"]))
        XCTAssertEqual(completed(next).map(\.step), [4])
        XCTAssertEqual(completed(next).map(\.groups), [["e", "f", "g", "h"]])
    }

    func test_dynamic_sampling_keeps_first_b_kept_groups_and_drops_the_rest_of_the_last_batch() {
        var m = Machine(firstStep: 0, target: 3, maxGenBatches: 0)
        XCTAssertTrue(m.receive(batch(0, 0, ["a", "b", "c"], kept: [true, false, true])).isEmpty)
        let actions = m.receive(batch(0, 1, ["d", "e", "f"], kept: [false, true, true]))
        guard case .complete(_, let groups, let used, let sampled, let kept)? = actions.first else { return XCTFail("\(actions)") }
        XCTAssertEqual(groups, ["a", "c", "e"])
        XCTAssertEqual(used, [0, 1])
        XCTAssertEqual(sampled, 6)
        XCTAssertEqual(kept, 4)
    }

    func test_speculative_batches_of_a_complete_step_are_discarded_whenever_they_arrive() {
        var m = Machine(firstStep: 0, target: 2, maxGenBatches: 0)
        // Batch 2 (speculative) arrives before the step is complete; batch 3 after.
        XCTAssertTrue(m.receive(batch(0, 2, ["x", "y"])).isEmpty)
        let actions = m.receive(batch(0, 0, ["a", "b"]))
        XCTAssertEqual(completed(actions).map(\.groups), [["a", "b"]])
        XCTAssertTrue(m.isStale(step: 0, index: 3))
        XCTAssertTrue(m.receive(batch(0, 3, ["z", "w"])).isEmpty)
        XCTAssertEqual(m.discarded, 2)
        // The next step starts from its own batch 0.
        XCTAssertEqual(completed(m.receive(batch(1, 0, ["c", "d"]))).map(\.groups), [["c", "d"]])
    }

    func test_step_fails_after_max_gen_batches_without_enough_kept_groups() {
        var m = Machine(firstStep: 5, target: 2, maxGenBatches: 2)
        XCTAssertTrue(m.receive(batch(5, 0, ["a", "b"], kept: [false, false])).isEmpty)
        let actions = m.receive(batch(5, 1, ["c", "d"], kept: [true, false]))
        guard case .exhausted(let step, let tried, let kept)? = actions.first else { return XCTFail("\(actions)") }
        XCTAssertEqual([step, tried, kept], [5, 2, 1])
        // A failed machine takes nothing more.
        XCTAssertTrue(m.receive(batch(5, 2, ["e", "f"])).isEmpty)
    }

    func test_result_does_not_depend_on_arrival_order() {
        // Every permutation of four batches of two steps gives the same steps.
        let batches = [batch(0, 0, ["a"], kept: [false]), batch(0, 1, ["b"]), batch(0, 2, ["c"]), batch(1, 0, ["d"])]
        var outcomes = Set<[String]>()
        for order in permutations(Array(batches.indices)) {
            var m = Machine(firstStep: 0, target: 1, maxGenBatches: 0)
            var steps: [String] = []
            for i in order { steps += completed(m.receive(batches[i])).map { "\($0.step):\($0.groups.joined())" } }
            outcomes.insert(steps)
        }
        XCTAssertEqual(outcomes, [["0:b", "1:d"]])
    }

    private func permutations(_ xs: [Int]) -> [[Int]] {
        guard xs.count > 1 else { return [xs] }
        return xs.indices.flatMap { i -> [[Int]] in
            var rest = xs
            let x = rest.remove(at: i)
            return permutations(rest).map { [x] + $0 }
        }
    }
}
