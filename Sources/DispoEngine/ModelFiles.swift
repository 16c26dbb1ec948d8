// Loading and saving a model directory the way transformers does: config.json plus model.safetensors, or a
// sharded model.safetensors.index.json whose weight_map names each tensor's shard. Loading is strict: every
// tensor the config implies must be present exactly once with its shape, and nothing else may be (except
// rotary inv_freq buffers of old checkpoints, and lm_head.weight beside tied embeddings, which transformers
// also ignores). Saving writes config.json and one model.safetensors (F32 or BF16), atomically.
// Dimension legend: V vocab, C hidden (shapes come from `ParameterLayout`).

import DispoSupport
import Foundation

extension Transformer {
    /// Reads `directory/config.json` and the weights beside it.
    public static func load(directory: String) throws -> Transformer {
        let config = try ModelConfig.load(path: directory + "/config.json")
        try MemoryBudget.require(floats: config.checkedParameterCount, what: "the model's fp32 parameters",
                                 file: directory + "/config.json")
        let model = Transformer(config: config)
        try model.loadWeights(directory: directory)
        return model
    }

    /// Fills `parameters` from `directory`'s model.safetensors or model.safetensors.index.json.
    public func loadWeights(directory: String) throws {
        let parameters = self.parameters
        try Self.forEachTensor(directory: directory, layout: layout) { file, view in
            try file.read(view.name, shape: view.shape, into: parameters[view.offset])
        }
    }

    /// Calls `body` once for every tensor of `layout` with the file that holds it, after the same checks as
    /// loading: every tensor present once with its shape, nothing unexpected, shards agreeing with the index.
    static func forEachTensor(directory: String, layout: ParameterLayout,
                              _ body: (SafetensorsFile, TensorView) throws -> Void) throws {
        let single = directory + "/model.safetensors", index = directory + "/model.safetensors.index.json"
        if FileManager.default.fileExists(atPath: single) {
            try forEachTensor(files: [try SafetensorsFile(path: single)], indexPath: nil, weightMap: nil, layout: layout, body)
            return
        }
        guard FileManager.default.fileExists(atPath: index) else {
            throw InputError(file: directory, expected: "model.safetensors or model.safetensors.index.json", found: "neither")
        }
        try MemoryBudget.requireRegularFile(index, what: "a model.safetensors.index.json file")
        let map = try weightMap(index: index)
        var files: [SafetensorsFile] = []
        for shard in Set(map.values).sorted() {
            guard !shard.contains("/") else {
                throw InputError(file: index, place: "$.weight_map", expected: "shard file names in the same directory", found: shard)
            }
            files.append(try SafetensorsFile(path: directory + "/" + shard))
        }
        try forEachTensor(files: files, indexPath: index, weightMap: map, layout: layout, body)
    }

    /// The `weight_map` of a sharded model's index: tensor name → shard file name.
    static func weightMap(index: String) throws -> [String: String] {
        let members = try JSONReader.open(index).object()
            .required("weight_map", "an object mapping tensor names to shard files").object().members()
        var map: [String: String] = [:]
        for (name, shard) in members { map[name] = try shard.string() }
        return map
    }

    static func forEachTensor(files: [SafetensorsFile], indexPath: String?, weightMap: [String: String]?, layout: ParameterLayout,
                              _ body: (SafetensorsFile, TensorView) throws -> Void) throws {
        let config = layout.config
        var loaded = Set<String>()
        for file in files {
            for name in file.entries.keys.sorted() {
                let shard = (file.path as NSString).lastPathComponent
                if let weightMap, weightMap[name] != shard {
                    throw InputError(file: file.path, place: "tensor \(name)", expected: "only tensors the index assigns to this shard",
                                     found: "index says \(weightMap[name] ?? "nothing")", hint: indexPath)
                }
                guard let view = layout.tensor(named: name) else {
                    if name.hasSuffix("rotary_emb.inv_freq") || (config.tieWordEmbeddings && name == "lm_head.weight") { continue }
                    throw InputError(file: file.path, place: "tensor \(name)",
                                     expected: "only tensors of a \(config.modelType) model with this config",
                                     found: "unexpected tensor")
                }
                guard !loaded.contains(name) else {
                    throw InputError(file: file.path, place: "tensor \(name)", expected: "each tensor once", found: "a duplicate")
                }
                try body(file, view)
                loaded.insert(name)
            }
        }
        if let missing = layout.tensors.first(where: { !loaded.contains($0.name) }) {
            let count = layout.tensors.filter { !loaded.contains($0.name) }.count
            throw InputError(file: indexPath ?? files.first?.path ?? "model.safetensors", place: "tensor \(missing.name)",
                             expected: "every tensor of the config", found: "missing (\(count) missing in all)")
        }
    }

    /// Writes config.json and model.safetensors into `directory` (created if needed).
    public func save(directory: String, dtype: TensorDType = .f32) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw SystemError(file: directory, operation: "mkdir", code: EEXIST)
        }
        try config.write(to: directory + "/config.json", dtype: dtype)
        try Self.writeTensors(layout: layout, arena: parameters, dtype: dtype, to: directory + "/model.safetensors")
    }

    /// Writes every tensor of `layout` from `arena` (parameters, gradients or a moment) with HF names.
    public static func writeTensors(layout: ParameterLayout, arena: Arena, dtype: TensorDType, to path: String) throws {
        let tensors = layout.tensors.map { Safetensors.Tensor(name: $0.name, shape: $0.shape, data: arena[$0.offset]) }
        try Safetensors.write(tensors, dtype: dtype, to: path)
    }
}

extension ModelConfig {
    /// Writes this config to `path` as transformers reads it (HF keys, pretty-printed, sorted, final newline), with
    /// `torch_dtype` naming `dtype`, the dtype of the weights written beside it.
    public func write(to path: String, dtype: TensorDType) throws {
        var written = self
        written.storageDtype = dtype == .bf16 ? "bfloat16" : "float32"
        try AtomicFile.write(Array(try JSONWriter.data(written, pretty: true)) + [0x0A], to: path)
    }
}
