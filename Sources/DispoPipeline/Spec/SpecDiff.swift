// Which settings differ between two specs, as dotted leaf paths (`train.steps`, `optimizer.lr`). `dispo resume`
// uses it to refuse a changed spec unless every change is named as safe with --allow-change.

import DispoSupport

public enum SpecDiff {
    /// Leaf paths whose values differ (present in one and not the other counts as different).
    public static func paths(_ a: PipelineSpec, _ b: PipelineSpec) throws -> [String] {
        var leavesA: [String: JSONValue] = [:], leavesB: [String: JSONValue] = [:]
        flatten(try JSONParser.parse(JSONWriter.encode(a), file: "spec"), "", into: &leavesA)
        flatten(try JSONParser.parse(JSONWriter.encode(b), file: "spec"), "", into: &leavesB)
        return Set(leavesA.keys).union(leavesB.keys).filter { leavesA[$0] != leavesB[$0] }.sorted()
    }

    /// Objects are walked into; anything else (arrays included) is one leaf.
    static func flatten(_ node: JSONNodeValue, _ prefix: String, into leaves: inout [String: JSONValue]) {
        if case .object(let members) = node.value {
            for (k, v) in members { flatten(v, prefix.isEmpty ? k : prefix + "." + k, into: &leaves) }
        } else {
            leaves[prefix] = node.value
        }
    }

    /// Whether `path` is covered by one of `allowed` (a path or a prefix of it: `eval` covers `eval.every`).
    public static func isAllowed(_ path: String, by allowed: [String]) -> Bool {
        allowed.contains { path == $0 || path.hasPrefix($0 + ".") }
    }
}
