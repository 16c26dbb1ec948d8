// SwiGLU gate of the Llama MLP (Shazeer 2020): h = silu(gate) ⊙ up, where the fused projection gives each row
// as [gate (F) ‖ up (F)]; then down_proj(h). silu(x) = x·σ(x).
// Dimension legend: N rows (B·T), F intermediate size.

public enum SwiGLU {
    /// out (N, F) = silu(gateUp[:, :F]) ⊙ gateUp[:, F:]; gateUp (N, 2F).
    public static func forward(out: UnsafeMutablePointer<Float>, gateUp: UnsafePointer<Float>, N: Int, F: Int,
                               threads: Int = 1) {
        Parallel.chunks(N, threads: threads, minimumPerChunk: 8) { rows in
        for n in rows {
            let g = gateUp + n * 2 * F, u = g + F, h = out + n * F
            var i = 0
            while i + FastMath.width <= F {
                FastMath.store(forward(FastMath.load(g + i), FastMath.load(u + i)), h + i)
                i += FastMath.width
            }
            if i < F { FastMath.storePartial(forward(FastMath.loadPartial(g + i, F - i), FastMath.loadPartial(u + i, F - i)), h + i, F - i) }
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
            var i = 0
            while i + FastMath.width <= F {
                let (dgv, duv) = backward(FastMath.load(dh + i), FastMath.load(g + i), FastMath.load(u + i))
                FastMath.store(dgv, dg + i); FastMath.store(duv, du + i)
                i += FastMath.width
            }
            if i < F {
                let k = F - i
                let (dgv, duv) = backward(FastMath.loadPartial(dh + i, k), FastMath.loadPartial(g + i, k), FastMath.loadPartial(u + i, k))
                FastMath.storePartial(dgv, dg + i, k); FastMath.storePartial(duv, du + i, k)
            }
        }}
    }

    @inline(__always)
    static func forward(_ g: FastMath.Vector, _ u: FastMath.Vector) -> FastMath.Vector {
        let s = 1 / (1 + FastMath.exp(-g))
        return g * s * u
    }

    /// (d gate, d up) for dh, gate, up.
    @inline(__always)
    static func backward(_ dh: FastMath.Vector, _ g: FastMath.Vector, _ u: FastMath.Vector) -> (FastMath.Vector, FastMath.Vector) {
        let s = 1 / (1 + FastMath.exp(-g))
        return (dh * u * s * (1 + g * (1 - s)), dh * g * s)
    }
}
