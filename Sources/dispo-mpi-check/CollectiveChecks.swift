// The `collectives` scenario: each collective with values whose result every rank can compute, then the
// label check (different labels, or the same label with different counts, throw on every rank naming each
// rank's collective, and the communicator stays usable).

import DispoDistributed
import Foundation

struct CollectiveChecks {
    let communicator: any Communicator
    var rank: Int { communicator.rank }
    var size: Int { communicator.size }

    init(_ communicator: any Communicator) { self.communicator = communicator }

    func expect(_ ok: Bool, _ what: String) {
        if !ok { fail(rank, what) }
        print("rank \(rank): ok \(what)")
    }

    func run() throws {
        try reductions()
        try blobs()
        try labelCheck()
    }

    func reductions() throws {
        // Σ_r i·(r+1) = i·n(n+1)/2, exact in Float for these sizes; 3M elements cover a large message.
        for count in [0, 1, 1000, 3_000_000] {
            var values = (0..<count).map { Float($0 % 4096) * Float(rank + 1) }
            try values.withUnsafeMutableBufferPointer { try communicator.allReduce($0, op: .sum, label: "check.sum") }
            let factor = Float(size * (size + 1) / 2)
            expect(values.enumerated().allSatisfy { $0.element == Float($0.offset % 4096) * factor }, "all-reduce sum of \(count) Float")
        }
        let extremes = [Double(rank), -Double(rank), 0.5]
        let maxima = try communicator.allReduce(extremes, op: .max, label: "check.max")
        let minima = try communicator.allReduce(extremes, op: .min, label: "check.min")
        expect(maxima == [Double(size - 1), 0, 0.5] && minima == [0, -Double(size - 1), 0.5], "all-reduce max and min of Double")
    }

    func blobs() throws {
        for root in 0..<size {
            let mine = Array(String(repeating: "from \(rank);", count: rank + 1).utf8)
            let got = try communicator.broadcast(mine, root: root, label: "check.broadcast")
            expect(got == Array(String(repeating: "from \(root);", count: root + 1).utf8), "broadcast from rank \(root)")
        }
        let gathered = try communicator.allGather([UInt8](repeating: UInt8(rank), count: 3 * rank), label: "check.gather")
        expect(gathered == (0..<size).map { [UInt8](repeating: UInt8($0), count: 3 * $0) }, "all-gather of blobs of lengths 0, 3, …")
        let doubles = try communicator.allGather(doubles: [Double(rank), 1.5], label: "check.gather-doubles")
        expect(doubles == (0..<size).map { [Double($0), 1.5] }, "all-gather of doubles")
        try communicator.barrier(label: "check.barrier")
        expect(true, "barrier")
    }

    func labelCheck() throws {
        guard size > 1 else { return }
        do {
            try communicator.barrier(label: rank == 0 ? "check.a" : "check.b")
            fail(rank, "different labels were not detected")
        } catch let error as CommunicatorError {
            expect(error.message.contains("rank 0: check.a (barrier)") && error.message.contains("rank 1: check.b (barrier)"),
                   "different collectives detected on every rank: \(error.message)")
        }
        do {
            _ = try communicator.allReduce([Double](repeating: 1, count: 4 + rank), op: .sum, label: "check.count")
            fail(rank, "different element counts were not detected")
        } catch let error as CommunicatorError {
            expect(error.message.contains("all-reduce sum of 4 Double") && error.message.contains("all-reduce sum of 5 Double"),
                   "different element counts detected")
        }
        let sum = try communicator.allReduce([1], op: .sum, label: "check.after-mismatch")
        expect(sum == [Double(size)], "collectives work after a detected mismatch")
    }
}
