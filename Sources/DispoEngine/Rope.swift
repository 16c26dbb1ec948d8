// Rotary position embedding (Su et al. 2021, RoFormer) in HF's rotate_half convention: a head vector x of
// size HS is split into halves (x₁, x₂) and out = (x₁ cos − x₂ sin, x₂ cos + x₁ sin), with angle
// pos · θ^(−2i/HS) for i < HS/2. Angles are formed in fp32 exactly as transformers does (inv_freq in fp32,
// position × inv_freq in fp32), so positions far out match PyTorch to the last bits.
// Applied in place to the q and k parts of the fused qkv rows; v is untouched.
// Dimension legend: N rows (B·T), QKV row width, NH/KVH heads, HS head size, P positions in the table.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// cos/sin of every (position, frequency) pair, grown on demand; reused across steps.
public final class RopeTable {
    public let theta: Double
    public let headSize: Int                               // HS
    public private(set) var positions = 0                  // P
    public private(set) var cos: [Float] = []              // (P, HS/2)
    public private(set) var sin: [Float] = []              // (P, HS/2)
    private let invFreq: [Float]                           // (HS/2)

    public init(theta: Double, headSize: Int) {
        self.theta = theta
        self.headSize = headSize
        let half = headSize / 2
        // transformers: inv_freq = 1 / (θ ** (arange(0, HS, 2).float() / HS)), every step in fp32.
        invFreq = (0..<half).map { i in
            let exponent = Float(2 * i) / Float(headSize)
            return 1 / Float(pow(theta, Double(exponent)))
        }
    }

    /// Makes sure positions 0..<count are in the table.
    public func reserve(_ count: Int) {
        guard count > positions else { return }
        let half = headSize / 2
        var c = [Float](repeating: 0, count: count * half), s = c
        for p in 0..<count {
            for i in 0..<half {
                let angle = Float(p) * invFreq[i]
                c[p * half + i] = Float(_cos(Double(angle)))
                s[p * half + i] = Float(_sin(Double(angle)))
            }
        }
        cos = c
        sin = s
        positions = count
    }
}


public enum Rope {
    /// Rotates q (heads 0..<NH) and k (heads NH..<NH+KVH) of each row of qkv (N, QKV) in place;
    /// positions (N) index the table. `inverse` rotates by −angle, which is the backward pass (the rotation
    /// is orthogonal, so ∂L/∂x = Rᵀ ∂L/∂out).
    public static func apply(qkv: UnsafeMutablePointer<Float>, positions: UnsafePointer<Int32>, table: RopeTable,
                             N: Int, rowStride: Int, heads: Int, inverse: Bool = false) {
        let HS = table.headSize, half = HS / 2
        let sign: Float = inverse ? -1 : 1
        table.cos.withUnsafeBufferPointer { cosBuf in
            table.sin.withUnsafeBufferPointer { sinBuf in
                for n in 0..<N {
                    let p = Int(positions[n])
                    if p < 0 { continue }
                    precondition(p < table.positions, "rope position \(p) beyond table (\(table.positions))")
                    let c = cosBuf.baseAddress! + p * half, s = sinBuf.baseAddress! + p * half
                    for h in 0..<heads {
                        let x = qkv + n * rowStride + h * HS
                        for i in 0..<half {
                            let a = x[i], b = x[i + half], sn = sign * s[i]
                            x[i] = a * c[i] - b * sn
                            x[i + half] = b * c[i] + a * sn
                        }
                    }
                }
            }
        }
    }
}
