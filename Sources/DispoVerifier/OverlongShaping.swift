// Overlong reward shaping and truncation (DAPO; docs/ALGORITHMS.md §5):
//     R += min(−(|o| − (L_max − L_buf)) / L_buf · factor, 0)
// so responses up to L_max − L_buf are untouched and the penalty grows linearly to −factor at L_max.
// A response that reached L_max without an end-of-sequence token is truncated: always flagged, and with
// `mask_truncated` masked out of the loss instead of being learned from.
// Paper: DAPO, Yu et al. 2025, https://arxiv.org/abs/2503.14476 (§3.4, "Overlong Reward Shaping").

import DispoSupport

public struct OverlongConfig: Codable, Sendable, Equatable {
    /// Apply the length penalty (truncation is flagged either way).
    public var enabled: Bool
    /// L_max: the generation limit, in tokens.
    public var maxLength: Int
    /// L_buf: the soft-penalty buffer before L_max, in tokens (0 = no penalty).
    public var buffer: Int
    /// The penalty at L_max.
    public var factor: Double
    /// Mask truncated responses out of the loss.
    public var maskTruncated: Bool

    enum CodingKeys: String, CodingKey {
        case enabled
        case maxLength = "max_length"
        case buffer
        case factor
        case maskTruncated = "mask_truncated"
    }

    public init(enabled: Bool = true, maxLength: Int, buffer: Int, factor: Double = 1, maskTruncated: Bool = false) {
        self.enabled = enabled
        self.maxLength = maxLength
        self.buffer = buffer
        self.factor = factor
        self.maskTruncated = maskTruncated
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? true
        maxLength = try c.decode(Int.self, forKey: .maxLength)
        buffer = try c.decode(Int.self, forKey: .buffer)
        factor = try c.decodeIfPresent(Double.self, forKey: .factor) ?? 1
        maskTruncated = try c.decodeIfPresent(Bool.self, forKey: .maskTruncated) ?? false
    }

    public func validate(file: String = "config") throws {
        func fail(_ key: String, _ expected: String, _ found: String) -> InputError {
            InputError(file: file, place: "$.\(key)", expected: expected, found: found)
        }
        guard maxLength > 0 else { throw fail("max_length", "a positive number of tokens", "\(maxLength)") }
        guard (0...maxLength).contains(buffer) else { throw fail("buffer", "0...max_length (\(maxLength))", "\(buffer)") }
        guard factor.isFinite, factor >= 0 else { throw fail("factor", "a finite number ≥ 0", "\(factor)") }
    }

    /// The shaping term for a response of `length` tokens (≤ 0).
    public func penalty(length: Int) -> Double {
        guard enabled, buffer > 0 else { return 0 }
        let over = Double(length - (maxLength - buffer))
        return min(-over / Double(buffer) * factor, 0)
    }

    /// The response hit L_max without an end-of-sequence token.
    public func isTruncated(length: Int, endedWithEOS: Bool) -> Bool {
        !endedWithEOS && length >= maxLength
    }
}
