// Which settings differ between two specs, as dotted leaf paths (`train.steps`, `optimizer.lr`). `dispo resume`
// uses it to refuse a changed spec unless every change is named as safe with --allow-change.

import Foundation

public enum SpecDiff {
    /// Leaf paths whose values differ (present in one and not the other counts as different).
    public static func paths(_ a: PipelineSpec, _ b: PipelineSpec) throws -> [String] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let x = try JSONSerialization.jsonObject(with: encoder.encode(a))
        let y = try JSONSerialization.jsonObject(with: encoder.encode(b))
        var leavesA: [String: String] = [:], leavesB: [String: String] = [:]
        flatten(x, "", into: &leavesA)
        flatten(y, "", into: &leavesB)
        return Set(leavesA.keys).union(leavesB.keys).filter { leavesA[$0] != leavesB[$0] }.sorted()
    }

    static func flatten(_ value: Any, _ prefix: String, into leaves: inout [String: String]) {
        if let object = value as? [String: Any] {
            for (k, v) in object { flatten(v, prefix.isEmpty ? k : prefix + "." + k, into: &leaves) }
        } else {
            leaves[prefix] = "\(value)"
        }
    }

    /// Whether `path` is covered by one of `allowed` (a path or a prefix of it: `eval` covers `eval.every`).
    public static func isAllowed(_ path: String, by allowed: [String]) -> Bool {
        allowed.contains { path == $0 || path.hasPrefix($0 + ".") }
    }
}
