// The reload requests of each weight-sync method, and what their answers must say:
//   update_weights            POST /update_weights {"weight_dir": DIR, "weight_version": N}
//                             (dispo serve answers {"success": true, "weight_version": N, …})
//   collective_rpc            POST /collective_rpc {"method": "reload_weights",
//                             "kwargs": {"weights_path": DIR, "is_checkpoint_format": true}}  (vLLM dev mode)
//   update_weights_from_disk  POST /update_weights_from_disk {"model_path": DIR, "weight_version": "N"}
//                             (SGLang answers {"success": true|false, "message": …})

import DispoSupport

public enum WeightSyncRequests {
    public static func request(_ method: RolloutBackendConfig.WeightSync.Method, directory: String, version: Int)
        -> (route: String, body: String) {
        switch method {
        case .updateWeights, .none:
            return ("/update_weights", JSONOut.object([("weight_dir", .string(directory)), ("weight_version", .int(version))]).text)
        case .collectiveRPC:
            return ("/collective_rpc", JSONOut.object([
                ("method", .string("reload_weights")),
                ("kwargs", .object([("weights_path", .string(directory)), ("is_checkpoint_format", .bool(true))])),
            ]).text)
        case .updateWeightsFromDisk:
            return ("/update_weights_from_disk",
                    JSONOut.object([("model_path", .string(directory)), ("weight_version", .string(String(version)))]).text)
        }
    }

    /// Throws when a 2xx answer still says the reload failed or reports another version.
    public static func check(_ body: [UInt8], method: RolloutBackendConfig.WeightSync.Method, version: Int, source: String) throws {
        if method == .collectiveRPC { return }   // vLLM answers with the workers' return values
        guard !body.isEmpty else { return }
        let root = try JSONNumbers.parse(body, source: source)
        guard case .object = root.node.value else { return }
        let object = try root.object()
        if let success = object.optional("success"), try !success.bool() {
            let message = (try? object.optional("message")?.string()) ?? nil
            throw success.error("true", found: "false" + (message.map { " (\($0))" } ?? ""))
        }
        if method == .updateWeights, let reported = object.optional("weight_version") {
            let n = try reported.int(0...Int(Int32.max))
            guard n == version else { throw reported.error("weight version \(version)", found: "\(n)") }
        }
    }
}
