// The character classes the pre-tokenizer patterns use, looked up per Unicode scalar: `\p{L}` (letter, general
// category L*), `\p{N}` (number, N*), `\s` (White_Space: U+0009–000D, U+0020, U+0085, U+00A0, Zs, U+2028/2029 —
// what Oniguruma, the regex engine of Hugging Face tokenizers, calls \s), and everything else.
// The Basic Multilingual Plane is one 64 KiB table built once; other planes ask the standard library.

enum ScalarClass: UInt8 {
    case other = 0, letter = 1, number = 2, space = 3

    /// Class raw values of the Basic Multilingual Plane, indexed by scalar value.
    static let table: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 0x10000)
        for v in 0..<0x10000 {
            guard let scalar = Unicode.Scalar(UInt32(v)) else { continue }  // surrogates stay `other`
            table[v] = compute(scalar).rawValue
        }
        return table
    }()

    static func compute(_ scalar: Unicode.Scalar) -> ScalarClass {
        let properties = scalar.properties
        if properties.isWhitespace { return .space }
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return .letter
        case .decimalNumber, .letterNumber, .otherNumber: return .number
        default: return .other
        }
    }

    @inline(__always)
    static func of(_ value: UInt32) -> ScalarClass {
        if value < 0x10000 { return ScalarClass(rawValue: table[Int(value)]) ?? .other }
        guard let scalar = Unicode.Scalar(value) else { return .other }
        return compute(scalar)
    }
}
