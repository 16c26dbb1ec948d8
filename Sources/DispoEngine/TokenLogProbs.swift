// The output head's loss layer: per target token, log π(target) and the entropy H of the temperature-scaled
// distribution π = softmax(z / τ); backward from per-token coefficients on log π and on H.
// Every RL policy loss reduces to Σ c·log π (+ optional e·H): for a target y with u = z/τ, π = softmax(u),
//   ∂ log π(y) / ∂z_j = (δ_jy − π_j) / τ,        ∂H / ∂z_j = −π_j (log π_j + H) / τ.
// Cross-entropy is c = −1/count. Sums are kept in Double so a 32k-entry softmax stays exact to fp32.
// Dimension legend: N rows (B·T), V vocab.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public enum TokenLogProbs {
    /// logProbs (N), entropies (N), logSumExp (N) saved for backward; logits (N, V), targets (N).
    /// Rows with a negative target are skipped and get 0.
    public static func forward(logProbs: UnsafeMutablePointer<Float>, entropies: UnsafeMutablePointer<Float>,
                               logSumExp: UnsafeMutablePointer<Float>, logits: UnsafePointer<Float>,
                               targets: UnsafePointer<Int32>, N: Int, V: Int, temperature: Float, threads: Int = 1) {
        let invT = 1 / temperature
        Parallel.chunks(N, threads: threads, minimumPerChunk: 4) { rows in
        for n in rows {
            let t = Int(targets[n])
            if t < 0 {
                logProbs[n] = 0; entropies[n] = 0; logSumExp[n] = 0
                continue
            }
            let z = logits + n * V
            let mu = FastMath.max(z, V) * invT
            // Σ e^(u−mu) and Σ e^(u−mu)·(u−mu): entropy H = lse − Σ π u = log S − (Σ e·d)/S with d = u − mu.
            // Vector partial sums over blocks of `block` entries, blocks added in Double.
            var sum = 0.0, weighted = 0.0
            let W = FastMath.width, block = 32 * W
            var j0 = 0
            while j0 < V {
                let end = min(V, j0 + block)
                var s = FastMath.Vector.zero, w = FastMath.Vector.zero
                var j = j0
                while j + W <= end {
                    let d = FastMath.load(z + j) * invT - mu
                    let e = FastMath.exp(d)
                    s += e
                    w += e * d
                    j += W
                }
                if j < end {
                    let d = FastMath.loadPartial(z + j, end - j) * invT - mu
                    let e = FastMath.exp(d).replacing(with: 0, where: FastMath.lanes(from: end - j))
                    s += e
                    w += e * d
                }
                sum += Double(s.sum())
                weighted += Double(w.sum())
                j0 = end
            }
            let logS = log(sum)
            logSumExp[n] = Float(Double(mu) + logS)
            logProbs[n] = Float(Double(z[t] * invT - mu) - logS)
            entropies[n] = Float(logS - weighted / sum)
        }}
    }

    /// Overwrites logits (N, V) with ∂L/∂logits for L = Σ_n c[n]·log π_n + e[n]·H_n; logProbCoefficients (N),
    /// entropyCoefficients (N) or nil; targets, logSumExp and entropies from forward.
    public static func backward(logits: UnsafeMutablePointer<Float>, logProbCoefficients: UnsafePointer<Float>,
                                entropyCoefficients: UnsafePointer<Float>?, targets: UnsafePointer<Int32>,
                                logSumExp: UnsafePointer<Float>, entropies: UnsafePointer<Float>,
                                N: Int, V: Int, temperature: Float, threads: Int = 1) {
        let invT = 1 / temperature
        Parallel.chunks(N, threads: threads, minimumPerChunk: 4) { rows in
        for n in rows {
            let z = logits + n * V
            let t = Int(targets[n])
            let c = t < 0 ? 0 : logProbCoefficients[n]
            let e = t < 0 || entropyCoefficients == nil ? 0 : entropyCoefficients![n]
            if c == 0 && e == 0 {
                memset(z, 0, V * MemoryLayout<Float>.stride)
                continue
            }
            let lse = logSumExp[n], H = entropies[n]
            var j = 0
            while j + FastMath.width <= V {
                let logp = FastMath.load(z + j) * invT - lse
                let p = FastMath.exp(logp)
                FastMath.store(invT * (-c * p - e * p * (logp + H)), z + j)
                j += FastMath.width
            }
            while j < V {
                let logp = z[j] * invT - lse
                let p = FastMath.exp(logp)
                z[j] = invT * (-c * p - e * p * (logp + H))
                j += 1
            }
            z[t] += invT * c
        }}
    }
}
