// Prefill's products in bf16: out (N, OC) = inp (N, IC) · Wᵀ (+ out) (+ bias) with W rounded once to bf16 and
// stored in oneDNN's blocked layout for its matmul, the rows rounded to bf16 on every call, products accumulated
// in fp32 and written in fp32 (AVX512-BF16 `vdpbf16ps` through oneDNN's brgemm kernels). Prefill is compute-bound
// (hundreds of rows per product), and these products run about twice the fp32 GEMM's rate on a CPU with
// AVX512-BF16 (docs/BENCHMARKS.md). Rounding both operands to bf16 (8 significant bits, relative error ≤ 2⁻⁹
// each) changes results: a product's relative error is about 2·10⁻³ (Frobenius), and logits after a whole model
// differ from the fp32 path by the bound that `Generator.usePrefillPrecision` documents and the tests check.
// Built without oneDNN (the `OneDNN` trait off), `BF16Products.availability()` says so and nothing else runs.
// Dimension legend: N rows, IC input channels (the product's K), OC output channels.

#if OneDNN
import CDNNL
#endif

/// Which products run a Generator's prompt tokens (its decode steps always use fp32).
public enum PrefillPrecision: String, Sendable, CaseIterable, Codable {
    /// fp32 products, the reference path: results do not depend on the chunking or the thread count.
    case f32
    /// bf16 operands with fp32 accumulation through oneDNN (needs the `OneDNN` build trait and AVX512-BF16 or AMX).
    case bf16
}

extension PrefillPrecision {
    /// nil when this precision can run in this build on this CPU, else why not (checked once per process).
    public var unavailability: String? { self == .f32 ? nil : Self.bf16Unavailability }
    private static let bf16Unavailability: String? = BF16Products.availability()
}

#if OneDNN

/// A set of fp32 weight matrices held in bf16 by oneDNN, and the products with them.
final class BF16Products {
    /// Rows of the product whose primitive chooses the weights' layout (prefill's chunk size).
    static let layoutRows = 2048

    private struct Matrix {
        var IC: Int, OC: Int
        var memory: dnnl_memory_t          // bf16 in the matmul's blocked layout
        var descriptor: dnnl_memory_desc_t
    }
    /// A primitive depends on the shapes and the weights' layout, not on the weights: matrices of one shape share it.
    private struct ProductKey: Hashable { var N: Int, IC: Int, OC: Int, accumulate: Bool, bias: Bool }
    /// Primitives kept at most (row counts vary from call to call; past this the caches start over).
    static let cachedPrimitives = 256

    private let engine: dnnl_engine_t
    private let stream: dnnl_stream_t
    private var matrices: [Matrix] = []
    private var products: [ProductKey: dnnl_primitive_t] = [:]
    private var rowConversions: [Int: dnnl_primitive_t] = [:]     // (N·IC) f32 → bf16, keyed by the element count
    private var rows: UnsafeMutableRawPointer?                    // the rows in bf16
    private var rowsCapacity = 0                                  // bytes
    /// Bytes of the bf16 weights.
    private(set) var bytes = 0

    init() throws {
        var e: dnnl_engine_t?
        try Self.check(dnnl_engine_create(&e, dnnl_cpu, 0), "creating the CPU engine")
        var s: dnnl_stream_t?
        try Self.check(dnnl_stream_create(&s, e, dnnl_stream_default_flags.rawValue), "creating a stream")
        engine = e!
        stream = s!
    }

    deinit {
        for p in products.values { dnnl_primitive_destroy(p) }
        for p in rowConversions.values { dnnl_primitive_destroy(p) }
        for m in matrices { dnnl_memory_destroy(m.memory) }
        dnnl_stream_destroy(stream)
        dnnl_engine_destroy(engine)
        rows?.deallocate()
    }

    /// nil when bf16 products can run here, else why not: built without oneDNN, or oneDNN has no native bf16
    /// kernel for this CPU (it then names the implementation it would fall back to).
    static func availability() -> String? {
        let why: String
        do {
            let probe = try BF16Products()
            let m = try probe.addMatrix(OC: 64, IC: 64)
            let impl = try probe.implementation(N: 64, matrix: m)
            if impl.contains("bf16") || impl.contains("amx") { return nil }
            why = "oneDNN has no native bf16 matmul for this CPU (it offers '\(impl)')"
        } catch EngineError.unsupported(let reason) {
            why = reason
        } catch {
            why = "\(error)"
        }
        return why + "; bf16 prefill needs AVX512-BF16 or AMX"
    }

    static func check(_ status: dnnl_status_t, _ what: @autoclosure () -> String) throws {
        guard status == dnnl_success else {
            if status == dnnl_unimplemented {
                throw EngineError.unsupported("oneDNN has no implementation on this CPU (\(what()))")
            }
            throw EngineError.unsupported("oneDNN failed \(what()) (status \(status.rawValue))")
        }
    }

    private static func descriptor(_ dims: [Int], _ type: dnnl_data_type_t, _ tag: dnnl_format_tag_t) throws -> dnnl_memory_desc_t {
        var md = dnnl_memory_desc_t()
        var d = dims.map { dnnl_dim_t($0) }
        try check(dnnl_memory_desc_init_by_tag(&md, Int32(d.count), &d, type, tag), "describing a \(dims) tensor")
        return md
    }

    /// Registers an (OC, IC) matrix (storage allocated, values unset until `store`) and returns its index.
    func addMatrix(OC: Int, IC: Int) throws -> Int {
        // Let the matmul for `layoutRows` rows choose the weights' layout; every other row count uses that layout.
        var src = try Self.descriptor([Self.layoutRows, IC], dnnl_bf16, dnnl_ab)
        var weights = try Self.descriptor([IC, OC], dnnl_bf16, dnnl_format_tag_any)
        var dst = try Self.descriptor([Self.layoutRows, OC], dnnl_f32, dnnl_ab)
        var op = dnnl_matmul_desc_t()
        try Self.check(dnnl_matmul_desc_init(&op, &src, &weights, nil, &dst), "describing a \(IC)×\(OC) bf16 matmul")
        var pd: dnnl_primitive_desc_t?
        try Self.check(dnnl_primitive_desc_create(&pd, &op, nil, engine, nil), "choosing a \(IC)×\(OC) bf16 matmul")
        defer { dnnl_primitive_desc_destroy(pd) }
        let chosen = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0)!.pointee
        var copy = chosen
        var memory: dnnl_memory_t?
        try Self.check(dnnl_memory_create(&memory, &copy, engine, dispo_dnnl_memory_allocate()), "allocating \(IC)×\(OC) bf16 weights")
        matrices.append(Matrix(IC: IC, OC: OC, memory: memory!, descriptor: chosen))
        bytes += dnnl_memory_desc_get_size(&copy)
        return matrices.count - 1
    }

    /// Rounds W (OC, IC) row-major fp32 to bf16 (nearest even) into matrix `index`'s layout.
    func store(_ index: Int, from w: UnsafePointer<Float>, threads: Int) throws {
        let m = matrices[index]
        var plain = try Self.descriptor([m.IC, m.OC], dnnl_f32, dnnl_ba)    // (K, N) stored N-major: W as it is
        var target = m.descriptor
        var pd: dnnl_primitive_desc_t?
        try Self.check(dnnl_reorder_primitive_desc_create(&pd, &plain, engine, &target, engine, nil), "planning a weight conversion")
        defer { dnnl_primitive_desc_destroy(pd) }
        var reorder: dnnl_primitive_t?
        try Self.check(dnnl_primitive_create(&reorder, pd), "creating a weight conversion")
        defer { dnnl_primitive_destroy(reorder) }
        var source: dnnl_memory_t?
        try Self.check(dnnl_memory_create(&source, &plain, engine, UnsafeMutableRawPointer(mutating: w)), "wrapping fp32 weights")
        defer { dnnl_memory_destroy(source) }
        var args = [dnnl_exec_arg_t(arg: DNNL_ARG_FROM, memory: source), dnnl_exec_arg_t(arg: DNNL_ARG_TO, memory: m.memory)]
        omp_set_num_threads(Int32(max(1, threads)))
        try Self.check(dnnl_primitive_execute(reorder, stream, 2, &args), "converting weights to bf16")
        try Self.check(dnnl_stream_wait(stream), "converting weights to bf16")
    }

    /// The name of the implementation oneDNN picks for N rows times matrix `index`.
    func implementation(N: Int, matrix index: Int) throws -> String {
        let m = matrices[index]
        let p = try product(ProductKey(N: N, IC: m.IC, OC: m.OC, accumulate: false, bias: false), weights: m.descriptor)
        var pd: const_dnnl_primitive_desc_t?
        try Self.check(dnnl_primitive_get_primitive_desc(p, &pd), "querying a matmul")
        var name: UnsafePointer<CChar>?
        try Self.check(dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &name), "querying a matmul")
        return name.map { String(cString: $0) } ?? "unknown"
    }

    private func product(_ key: ProductKey, weights layout: dnnl_memory_desc_t) throws -> dnnl_primitive_t {
        if let p = products[key] { return p }
        if products.count >= Self.cachedPrimitives {
            for p in products.values { dnnl_primitive_destroy(p) }
            products.removeAll()
        }
        let m = (IC: key.IC, OC: key.OC)
        var src = try Self.descriptor([key.N, m.IC], dnnl_bf16, dnnl_ab)
        var weights = layout
        var dst = try Self.descriptor([key.N, m.OC], dnnl_f32, dnnl_ab)
        var bias = try Self.descriptor([1, m.OC], dnnl_f32, dnnl_ab)
        var op = dnnl_matmul_desc_t()
        try Self.check(withUnsafePointer(to: &bias) { b in
            dnnl_matmul_desc_init(&op, &src, &weights, key.bias ? b : nil, &dst)
        }, "describing a \(key.N)×\(m.IC)×\(m.OC) bf16 matmul")
        var attr: dnnl_primitive_attr_t?
        try Self.check(dnnl_primitive_attr_create(&attr), "creating matmul attributes")
        defer { dnnl_primitive_attr_destroy(attr) }
        if key.accumulate {
            var postOps: dnnl_post_ops_t?
            try Self.check(dnnl_post_ops_create(&postOps), "creating post-ops")
            defer { dnnl_post_ops_destroy(postOps) }
            try Self.check(dnnl_post_ops_append_sum(postOps, 1), "adding a sum post-op")
            try Self.check(dnnl_primitive_attr_set_post_ops(attr, postOps), "setting post-ops")
        }
        var pd: dnnl_primitive_desc_t?
        try Self.check(dnnl_primitive_desc_create(&pd, &op, attr, engine, nil), "choosing a \(key.N)×\(m.IC)×\(m.OC) bf16 matmul")
        defer { dnnl_primitive_desc_destroy(pd) }
        var p: dnnl_primitive_t?
        try Self.check(dnnl_primitive_create(&p, pd), "creating a bf16 matmul")
        products[key] = p!
        return p!
    }

    private func rowConversion(count: Int) throws -> dnnl_primitive_t {
        if let p = rowConversions[count] { return p }
        if rowConversions.count >= Self.cachedPrimitives {
            for p in rowConversions.values { dnnl_primitive_destroy(p) }
            rowConversions.removeAll()
        }
        var from = try Self.descriptor([count], dnnl_f32, dnnl_a)
        var to = try Self.descriptor([count], dnnl_bf16, dnnl_a)
        var pd: dnnl_primitive_desc_t?
        try Self.check(dnnl_reorder_primitive_desc_create(&pd, &from, engine, &to, engine, nil), "planning a row conversion")
        defer { dnnl_primitive_desc_destroy(pd) }
        var p: dnnl_primitive_t?
        try Self.check(dnnl_primitive_create(&p, pd), "creating a row conversion")
        rowConversions[count] = p!
        return p!
    }

    /// out (N, OC) = bf16(inp) (N, IC) · bf16(W)ᵀ (+ out with `accumulate`) (+ bias), fp32 accumulation, on
    /// `threads` OpenMP threads.
    func forward(_ index: Int, out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                 N: Int, accumulate: Bool, threads: Int) throws {
        let m = matrices[index]
        let needed = N * m.IC * 2
        if needed > rowsCapacity {
            rows?.deallocate()
            rows = UnsafeMutableRawPointer.allocate(byteCount: needed, alignment: 64)
            rowsCapacity = needed
        }
        omp_set_num_threads(Int32(max(1, threads)))
        var wrapped: [dnnl_memory_t?] = []
        defer { for w in wrapped { dnnl_memory_destroy(w) } }
        func wrap(_ dims: [Int], _ type: dnnl_data_type_t, _ pointer: UnsafeRawPointer) throws -> dnnl_memory_t {
            var md = try Self.descriptor(dims, type, dims.count == 1 ? dnnl_a : dnnl_ab)
            var memory: dnnl_memory_t?
            try Self.check(dnnl_memory_create(&memory, &md, engine, UnsafeMutableRawPointer(mutating: pointer)), "wrapping a buffer")
            wrapped.append(memory)
            return memory!
        }
        let source = try wrap([N * m.IC], dnnl_f32, inp)
        let converted = try wrap([N * m.IC], dnnl_bf16, rows!)
        var convertArgs = [dnnl_exec_arg_t(arg: DNNL_ARG_FROM, memory: source), dnnl_exec_arg_t(arg: DNNL_ARG_TO, memory: converted)]
        try Self.check(dnnl_primitive_execute(try rowConversion(count: N * m.IC), stream, 2, &convertArgs), "converting rows to bf16")
        let src = try wrap([N, m.IC], dnnl_bf16, rows!)
        let dst = try wrap([N, m.OC], dnnl_f32, out)
        var args = [dnnl_exec_arg_t(arg: DNNL_ARG_SRC, memory: src), dnnl_exec_arg_t(arg: DNNL_ARG_WEIGHTS, memory: m.memory),
                    dnnl_exec_arg_t(arg: DNNL_ARG_DST, memory: dst)]
        if let bias { args.append(dnnl_exec_arg_t(arg: DNNL_ARG_BIAS, memory: try wrap([1, m.OC], dnnl_f32, bias))) }
        let p = try product(ProductKey(N: N, IC: m.IC, OC: m.OC, accumulate: accumulate, bias: bias != nil), weights: m.descriptor)
        try Self.check(dnnl_primitive_execute(p, stream, Int32(args.count), &args), "running a \(N)×\(m.IC)×\(m.OC) bf16 matmul")
        try Self.check(dnnl_stream_wait(stream), "running a bf16 matmul")
    }
}

#else

/// Stand-in of a build without oneDNN: nothing can be registered.
final class BF16Products {
    static func availability() -> String? {
        "this dispo was built without oneDNN (the `OneDNN` trait; Debian: libdnnl-dev), so bf16 prefill is unavailable"
    }
    init() throws { throw EngineError.unsupported(Self.availability()!) }
    var bytes: Int { 0 }
    func addMatrix(OC: Int, IC: Int) throws -> Int { throw EngineError.unsupported(Self.availability()!) }
    func store(_ index: Int, from w: UnsafePointer<Float>, threads: Int) throws {}
    func forward(_ index: Int, out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                 N: Int, accumulate: Bool, threads: Int) throws {}
}

#endif
