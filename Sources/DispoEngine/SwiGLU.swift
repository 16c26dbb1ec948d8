// SwiGLU gate of the Llama MLP (Shazeer 2020): h = silu(gate) ⊙ up, where the fused projection gives each row
// as [gate (F) ‖ up (F)]; then down_proj(h). silu(x) = x·σ(x).
// Dimension legend: N rows (B·T), F intermediate size.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public enum SwiGLU {
    /// out (N, F) = silu(gateUp[:, :F]) ⊙ gateUp[:, F:]; gateUp (N, 2F).
    public static func forward(out: UnsafeMutablePointer<Float>, gateUp: UnsafePointer<Float>, N: Int, F: Int,
                               threads: Int = 1) {
        Parallel.chunks(N, threads: threads, minimumPerChunk: 8) { rows in
        for n in rows {
            let g = gateUp + n * 2 * F, u = g + F, h = out + n * F
            for i in 0..<F {
                let s = 1 / (1 + expf(-g[i]))
                h[i] = g[i] * s * u[i]
            }
        }}
    }

    /// dGateUp (N, 2F) = ∂L/∂[gate ‖ up] (overwritten); dOut (N, F), gateUp (N, 2F) from forward.
    /// d gate = dh · u · σ(g)(1 + g(1 − σ(g))), d up = dh · silu(g).
    public static func backward(dGateUp: UnsafeMutablePointer<Float>, dOut: UnsafePointer<Float>,
                                gateUp: UnsafePointer<Float>, N: Int, F: Int, threads: Int = 1) {
        Parallel.chunks(N, threads: threads, minimumPerChunk: 8) { rows in
        for n in rows {
            let g = gateUp + n * 2 * F, u = g + F, dh = dOut + n * F
            let dg = dGateUp + n * 2 * F, du = dg + F
            for i in 0..<F {
                let s = 1 / (1 + expf(-g[i]))
                du[i] = dh[i] * g[i] * s
                dg[i] = dh[i] * u[i] * s * (1 + g[i] * (1 - s))
            }
        }}
    }
}
