// Dynamic sampling (DAPO; docs/ALGORITHMS.md §5): a group whose responses all have the same accuracy has
// zero advantage everywhere and teaches nothing, so it is dropped (population std = 0 ⇔ all equal; a group
// of one is kept). How kept groups become step batches (exactly B, over several generation batches, giving
// up after `max_gen_batches`) is the pipeline's StepAssembler.

import DispoSupport

public enum DynamicGroupFilter {
    /// Keep a group unless all its accuracies are equal; a group of one (or none) is kept.
    public static func keeps(_ accuracies: [Double]) -> Bool {
        guard let first = accuracies.first, accuracies.count > 1 else { return true }
        return accuracies.contains { $0 != first }
    }

    /// The indices of the kept and dropped groups.
    public static func filter(_ groups: [[Double]]) -> GroupFilterResult {
        var result = GroupFilterResult()
        for (k, group) in groups.enumerated() {
            if keeps(group) { result.kept.append(k) } else { result.dropped.append(k) }
        }
        return result
    }
}

public struct GroupFilterResult: Sendable, Equatable {
    public var kept: [Int] = []
    public var dropped: [Int] = []
    public var keptCount: Int { kept.count }
    public var droppedCount: Int { dropped.count }
    public init() {}
}

public struct DynamicSamplingConfig: Codable, Sendable, Equatable {
    public var enabled: Bool
    /// Generation batches to try before giving up; 0 = never give up.
    public var maxGenBatches: Int

    enum CodingKeys: String, CodingKey {
        case enabled
        case maxGenBatches = "max_gen_batches"
    }

    public init(enabled: Bool = false, maxGenBatches: Int = 10) {
        self.enabled = enabled
        self.maxGenBatches = maxGenBatches
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? false
        maxGenBatches = try c.decodeIfPresent(Int.self, forKey: .maxGenBatches) ?? 10
    }

    public func validate(file: String = "config") throws {
        guard maxGenBatches >= 0 else {
            throw InputError(file: file, place: "$.max_gen_batches", expected: "a number ≥ 0 (0 = never give up)",
                             found: "\(maxGenBatches)")
        }
    }
}

public struct DynamicSamplingError: Error, CustomStringConvertible, Sendable, Equatable {
    public var tried: Int
    public var kept: Int
    public var target: Int
    public init(tried: Int, kept: Int, target: Int) {
        self.tried = tried
        self.kept = kept
        self.target = target
    }
    public var description: String {
        "dynamic sampling gave up after \(tried) generation batches with \(kept) of \(target) groups kept "
            + "(all others had equal accuracies; raise max_gen_batches or use easier/harder prompts)"
    }
}
