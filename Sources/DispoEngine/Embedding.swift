// Token embedding: out[n] = table[ids[n]]; a negative id (padding) gives a zero row and no gradient.
// Dimension legend: N rows (B·T), V vocab, C channels.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public enum Embedding {
    /// out (N, C); ids (N), table (V, C). Ids must be < V (checked by the caller).
    public static func forward(out: UnsafeMutablePointer<Float>, ids: UnsafePointer<Int32>,
                               table: UnsafePointer<Float>, N: Int, C: Int) {
        for n in 0..<N {
            let id = Int(ids[n])
            if id < 0 {
                memset(out + n * C, 0, C * MemoryLayout<Float>.stride)
            } else {
                memcpy(out + n * C, table + id * C, C * MemoryLayout<Float>.stride)
            }
        }
    }

    /// dTable (V, C) += dOut rows at their ids; dOut (N, C).
    public static func backward(dTable: UnsafeMutablePointer<Float>, dOut: UnsafePointer<Float>,
                                ids: UnsafePointer<Int32>, N: Int, C: Int) {
        for n in 0..<N {
            let id = Int(ids[n])
            if id < 0 { continue }
            let d = dTable + id * C, g = dOut + n * C
            for i in 0..<C { d[i] += g[i] }
        }
    }
}
