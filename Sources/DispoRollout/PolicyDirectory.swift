// Policy versions as Hugging Face model directories for servers to reload: DIR/policy-vN with config.json
// and model.safetensors, written under a hidden temporary name in DIR and renamed into place, so a server
// never sees a half-written policy. The weights are written straight from the caller's parameter array (no
// model copy). The newest `keep` directories stay; older ones are removed once a newer one is in place.

import DispoEngine
import DispoSupport
import Foundation

public struct PolicyDirectory: Sendable {
    public let root: String
    public let config: ModelConfig
    public let dtype: TensorDType
    public let keep: Int

    public init(root: String, config: ModelConfig, dtype: TensorDType = .f32, keep: Int = 2) {
        self.root = root; self.config = config; self.dtype = dtype; self.keep = max(1, keep)
    }

    public func path(version: Int) -> String { root + "/policy-v\(version)" }

    /// Writes `parameters` (the engine's order for `config`) as version `version`; returns its directory.
    @discardableResult
    public func write(version: Int, parameters: [Float]) throws -> String {
        let layout = ParameterLayout(config: config)
        guard parameters.count == layout.count else {
            throw InputError(file: root, expected: "\(layout.count) parameters for this model", found: "\(parameters.count)")
        }
        let fm = FileManager.default
        do { try fm.createDirectory(atPath: root, withIntermediateDirectories: true) } catch {
            throw SystemError(file: root, operation: "mkdir", code: EACCES)
        }
        let final = path(version: version)
        let temporary = root + "/.policy-v\(version).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try? fm.removeItem(atPath: temporary)
        do { try fm.createDirectory(atPath: temporary, withIntermediateDirectories: false) } catch {
            throw SystemError(file: temporary, operation: "mkdir", code: EEXIST)
        }
        do {
            try config.write(to: temporary + "/config.json", dtype: dtype)
            try parameters.withUnsafeBufferPointer { p in
                guard let base = p.baseAddress else { throw SystemError(file: final, operation: "write weights (no parameters)", code: EINVAL) }
                let tensors = layout.tensors.map { Safetensors.Tensor(name: $0.name, shape: $0.shape, data: base + $0.offset) }
                try Safetensors.write(tensors, dtype: dtype, to: temporary + "/model.safetensors")
            }
            if fm.fileExists(atPath: final) { try fm.removeItem(atPath: final) }
            guard rename(temporary, final) == 0 else { throw SystemError(file: final, operation: "rename", code: errno) }
        } catch {
            try? fm.removeItem(atPath: temporary)
            throw error
        }
        prune(newest: version)
        return final
    }

    /// Removes policy directories older than the newest `keep` (up to `newest`), and stray temporaries of
    /// this process.
    func prune(newest: Int) {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: root) else { return }
        let versions = names.compactMap { name -> Int? in
            guard name.hasPrefix("policy-v") else { return nil }
            return Int(name.dropFirst("policy-v".count))
        }.filter { $0 <= newest }.sorted(by: >)
        for v in versions.dropFirst(keep) { try? fm.removeItem(atPath: path(version: v)) }
    }
}
