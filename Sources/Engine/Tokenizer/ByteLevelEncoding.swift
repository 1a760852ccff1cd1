/// GPT-2's reversible map between bytes and printable code points, used by byte-level BPE
/// vocabularies: bytes `!`…`~`, `¡`…`¬`, `®`…`ÿ` map to themselves, the other 68 bytes to
/// U+0100 onwards in byte order (so a space is `Ġ`, a newline `Ċ`).
enum ByteLevelEncoding {
    /// Code point for each byte.
    static let byteToCodePoint: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 256)
        var next: UInt32 = 256
        for b in 0 ..< 256 {
            if (0x21 ... 0x7E).contains(b) || (0xA1 ... 0xAC).contains(b) || (0xAE ... 0xFF).contains(b) {
                table[b] = UInt32(b)
            } else {
                table[b] = next
                next += 1
            }
        }
        return table
    }()

    /// Byte for each code point below 324 that is in the map's image; -1 elsewhere.
    static let codePointToByte: [Int16] = {
        var table = [Int16](repeating: -1, count: 324)
        for (b, cp) in byteToCodePoint.enumerated() { table[Int(cp)] = Int16(b) }
        return table
    }()

    /// UTF-8 of the code point each byte maps to.
    static let byteToUTF8: [[UInt8]] = byteToCodePoint.map { Array(String(Unicode.Scalar($0)!).utf8) }

    /// Decodes a vocabulary text (UTF-8 of mapped code points) to raw bytes; nil when a code
    /// point is outside the map (llama.cpp then renders `[UNK_BYTE_0x…]`).
    static func decode(_ text: [UInt8]) -> [UInt8]? {
        var out = [UInt8]()
        out.reserveCapacity(text.count)
        let ok = text.withUnsafeBufferPointer { decode($0, appendingTo: &out) }
        return ok ? out : nil
    }

    /// Decodes `text` as `decode(_:)` does, appending the bytes to `out`; false (with `out`
    /// partly written) when a code point is outside the map.
    static func decode(_ text: UnsafeBufferPointer<UInt8>, appendingTo out: inout [UInt8]) -> Bool {
        var i = 0
        while i < text.count {
            let b0 = text[i]
            var cp: UInt32
            if b0 < 0x80 {
                cp = UInt32(b0); i += 1
            } else if b0 & 0xE0 == 0xC0, i + 1 < text.count {
                cp = UInt32(b0 & 0x1F) << 6 | UInt32(text[i + 1] & 0x3F); i += 2
            } else {
                return false
            }
            guard cp < 324, codePointToByte[Int(cp)] >= 0 else { return false }
            out.append(UInt8(codePointToByte[Int(cp)]))
        }
        return true
    }

    /// The piece llama.cpp prints for a normal BPE token: mapped code points back to bytes;
    /// a code point outside the map becomes `[UNK_BYTE_0x<its utf8 hex><the whole text>]`.
    static func piece(_ text: [UInt8]) -> [UInt8] {
        var out = [UInt8]()
        let scalars = String(decoding: text, as: UTF8.self).unicodeScalars
        for s in scalars {
            if s.value < 324, codePointToByte[Int(s.value)] >= 0 {
                out.append(UInt8(codePointToByte[Int(s.value)]))
            } else {
                out += Array("[UNK_BYTE_0x".utf8)
                for b in String(s).utf8 {
                    let hex = String(b, radix: 16)
                    out += Array((hex.count == 1 ? "0" + hex : hex).utf8)
                }
                out += text
                out += Array("]".utf8)
            }
        }
        return out
    }
}
