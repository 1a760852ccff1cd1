/// Per-code-point classes used by the pre-tokenizer split rules (the regex classes
/// `\p{L}`, `\p{N}`, `\p{P}`, `\s`, ...), as a bit set.
struct CodePointClass: OptionSet, Sendable {
    let rawValue: UInt16
    static let undefined = CodePointClass(rawValue: 1 << 0)   // Cn (unassigned)
    static let number = CodePointClass(rawValue: 1 << 1)      // \p{N}
    static let letter = CodePointClass(rawValue: 1 << 2)      // \p{L}
    static let separator = CodePointClass(rawValue: 1 << 3)   // \p{Z}
    static let mark = CodePointClass(rawValue: 1 << 4)        // \p{M}
    static let punctuation = CodePointClass(rawValue: 1 << 5) // \p{P}
    static let symbol = CodePointClass(rawValue: 1 << 6)      // \p{S}
    static let control = CodePointClass(rawValue: 1 << 7)     // \p{C} except Cn
    static let whitespace = CodePointClass(rawValue: 1 << 8)  // Unicode White_Space (regex \s)

    /// Class of `value` (any code point; surrogates and out-of-range values are handled).
    @inline(__always) static func of(_ value: UInt32) -> CodePointClass {
        if value < 0x10000 { return CodePointClass(rawValue: bmpTable[Int(value)]) }
        return compute(value)
    }

    static func compute(_ value: UInt32) -> CodePointClass {
        guard let scalar = Unicode.Scalar(value) else {
            // Surrogate code points are category Cs.
            return (0xD800 ... 0xDFFF).contains(value) ? .control : .undefined
        }
        var result: CodePointClass
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            result = .letter
        case .decimalNumber, .letterNumber, .otherNumber:
            result = .number
        case .nonspacingMark, .spacingMark, .enclosingMark:
            result = .mark
        case .spaceSeparator, .lineSeparator, .paragraphSeparator:
            result = .separator
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            result = .punctuation
        case .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
            result = .symbol
        case .control, .format, .surrogate, .privateUse:
            result = .control
        case .unassigned:
            result = .undefined
        @unknown default:
            result = .undefined
        }
        if scalar.properties.isWhitespace { result.insert(.whitespace) }
        return result
    }

    /// Classes of U+0000…U+FFFF, computed once.
    static let bmpTable: [UInt16] = (0 ..< 0x10000).map { compute(UInt32($0)).rawValue }
}

/// Decodes UTF-8 into code points with their byte offsets. Bytes that do not form a valid
/// sequence become single units with value 0xFFFD-like classes (undefined), one byte each.
struct CodePointBuffer {
    var values: [UInt32] = []
    var classes: [CodePointClass] = []
    /// Byte offset of each code point; one extra entry holds the end offset.
    var offsets: [Int] = []

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        let n = bytes.count
        values.reserveCapacity(n)
        classes.reserveCapacity(n)
        offsets.reserveCapacity(n + 1)
        var i = 0
        while i < n {
            let b0 = bytes[i]
            var value = UInt32(b0)
            var length = 1
            if b0 >= 0x80 {
                length = 0
                if b0 & 0xE0 == 0xC0, i + 1 < n, bytes[i + 1] & 0xC0 == 0x80 {
                    value = UInt32(b0 & 0x1F) << 6 | UInt32(bytes[i + 1] & 0x3F)
                    length = 2
                } else if b0 & 0xF0 == 0xE0, i + 2 < n, bytes[i + 1] & 0xC0 == 0x80, bytes[i + 2] & 0xC0 == 0x80 {
                    value = UInt32(b0 & 0x0F) << 12 | UInt32(bytes[i + 1] & 0x3F) << 6 | UInt32(bytes[i + 2] & 0x3F)
                    length = 3
                } else if b0 & 0xF8 == 0xF0, i + 3 < n, bytes[i + 1] & 0xC0 == 0x80, bytes[i + 2] & 0xC0 == 0x80,
                          bytes[i + 3] & 0xC0 == 0x80 {
                    value = UInt32(b0 & 0x07) << 18 | UInt32(bytes[i + 1] & 0x3F) << 12
                        | UInt32(bytes[i + 2] & 0x3F) << 6 | UInt32(bytes[i + 3] & 0x3F)
                    length = 4
                }
                if length == 0 {
                    // Invalid byte: one unit of its own with no letter/number/space class.
                    values.append(0xFFFF_FFFE)
                    classes.append(.undefined)
                    offsets.append(i)
                    i += 1
                    continue
                }
            }
            values.append(value)
            classes.append(.of(value))
            offsets.append(i)
            i += length
        }
        offsets.append(n)
    }

    var count: Int { values.count }
}
