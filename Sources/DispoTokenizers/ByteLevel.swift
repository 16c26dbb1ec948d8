// GPT-2's byte-to-unicode table (openai/gpt-2 `encoder.py`, `bytes_to_unicode`): every byte gets a printable
// character, so byte-level BPE vocabularies are written as text. Bytes `!`..`~`, `¡`..`¬`, `®`..`ÿ` map to
// themselves; the other 68 bytes map, in increasing order, to U+0100, U+0101, … (so space 0x20 is `Ġ` U+0120).

enum ByteLevel {
    /// byte → its character's scalar value.
    static let byteToScalar: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            let printable = (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b)
            if printable {
                table[b] = UInt32(b)
            } else {
                table[b] = next
                next += 1
            }
        }
        return table
    }()

    /// scalar value (< 324) → byte, or -1 for a character that is not in the table.
    static let scalarToByte: [Int16] = {
        var table = [Int16](repeating: -1, count: 324)
        for b in 0..<256 { table[Int(byteToScalar[b])] = Int16(b) }
        return table
    }()

    /// The scalar standing for byte `b` (the table holds only valid scalars below U+0200).
    static func scalar(_ b: UInt8) -> Unicode.Scalar {
        Unicode.Scalar(byteToScalar[Int(b)]) ?? "?"
    }

    /// The byte-level spelling of raw bytes, e.g. " the" → "Ġthe".
    static func encode<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        var scalars = String.UnicodeScalarView()
        for b in bytes { scalars.append(scalar(b)) }
        return String(scalars)
    }

    /// The bytes a byte-level token spells, or nil when some character is outside the table.
    static func decode(_ token: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(token.utf8.count)
        for scalar in token.unicodeScalars {
            let v = Int(scalar.value)
            guard v < scalarToByte.count, scalarToByte[v] >= 0 else { return nil }
            bytes.append(UInt8(scalarToByte[v]))
        }
        return bytes
    }
}
