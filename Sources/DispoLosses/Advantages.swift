// Group-relative advantages (GRPO outcome advantage), docs/ALGORITHMS.md §2:
//
//     A_i = (R_i − mean(R_group)) / (std(R_group) + eps)     std unbiased (n − 1), eps = 1e-6
//     norm_by_std = false (Dr.GRPO):  A_i = R_i − mean(R_group)
//     a group of one keeps its reward: A_i = R_i
//
// Every token of response i later gets A_i. Groups are given by an id per response; ids need not be
// contiguous or sorted.

public enum Advantages {
    public static let epsilon = 1e-6

    /// One advantage per response. `groups[i]` names the group (prompt) of response i.
    public static func groupRelative(rewards: [Double], groups: [Int], normByStd: Bool = true) -> [Double] {
        precondition(rewards.count == groups.count, "one group id per reward")
        var members: [Int: [Int]] = [:]
        for (i, g) in groups.enumerated() { members[g, default: []].append(i) }
        var advantages = [Double](repeating: 0, count: rewards.count)
        for indices in members.values {
            guard indices.count > 1 else {
                advantages[indices[0]] = rewards[indices[0]]
                continue
            }
            let n = Double(indices.count)
            let mean = indices.reduce(0) { $0 + rewards[$1] } / n
            let variance = indices.reduce(0) { $0 + (rewards[$1] - mean) * (rewards[$1] - mean) } / (n - 1)
            let scale = normByStd ? 1 / (variance.squareRoot() + epsilon) : 1
            for i in indices { advantages[i] = (rewards[i] - mean) * scale }
        }
        return advantages
    }
}
