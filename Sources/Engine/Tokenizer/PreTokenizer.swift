/// The split rules a byte-level BPE tokenizer applies before merging, chosen by the GGUF key
/// `tokenizer.ggml.pre`. Each rule is a hand-written scanner equivalent to the regular
/// expression the model's tokenizer.json declares (as llama.cpp applies them).
public enum PreTokenizerKind: String, Sendable, CaseIterable {
    /// GPT-2: `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`.
    case gpt2
    /// Llama 3: case-insensitive contractions, `[^\r\n\p{L}\p{N}]?\p{L}+`, `\p{N}{1,3}`,
    /// ` ?[^\s\p{L}\p{N}]+[\r\n]*`, `\s*[\r\n]+`, `\s+(?!\S)`, `\s+`.
    case llama3
    /// Qwen 2: as Llama 3 but digits split one by one (`\p{N}`).
    case qwen2
    /// llama.cpp's default for BPE vocabularies without a known pre-tokenizer:
    /// `[\p{P}\$\+<=>\^~\|]+`, then the GPT-2 rule, then `\p{N}+`, then `[0-9][0-9][0-9]`.
    case `default`

    /// The rule for a `tokenizer.ggml.pre` value, or nil when this tokenizer does not implement it.
    public init?(ggufName: String) {
        switch ggufName {
        case "gpt-2", "gpt2", "phi-2", "roberta-bpe", "jina-es", "jina-de", "gigachat", "jina-v1-en",
             "jina-v2-es", "jina-v2-de", "jina-v2-code", "mpt", "olmo", "jais":
            self = .gpt2
        case "llama3", "llama-v3", "llama-bpe", "falcon3", "dbrx", "smaug-bpe", "chatglm-bpe":
            self = .llama3
        case "qwen2", "stablelm2", "megrez":
            self = .qwen2
        case "default", "":
            self = .default
        default:
            return nil
        }
    }

    /// Splits `bytes` (UTF-8) into words; returns the byte ranges of the words, in order.
    func split(_ bytes: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
        let cps = CodePointBuffer(bytes)
        var pieces: [Range<Int>] = []   // in code point indices
        switch self {
        case .gpt2:
            PreTokenizerScanner.gpt2(cps, 0 ..< cps.count, into: &pieces)
        case .llama3:
            PreTokenizerScanner.llama3(cps, 0 ..< cps.count, maxDigits: 3, into: &pieces)
        case .qwen2:
            PreTokenizerScanner.llama3(cps, 0 ..< cps.count, maxDigits: 1, into: &pieces)
        case .default:
            var stage: [Range<Int>] = []
            PreTokenizerScanner.runs(cps, 0 ..< cps.count, into: &stage) { value, cls in
                cls.contains(.punctuation) || value == 0x24 || value == 0x2B || value == 0x3C
                    || value == 0x3D || value == 0x3E || value == 0x5E || value == 0x7E || value == 0x7C
            }
            var next: [Range<Int>] = []
            for r in stage { PreTokenizerScanner.gpt2(cps, r, into: &next) }
            stage = next
            next = []
            for r in stage { PreTokenizerScanner.runs(cps, r, into: &next) { _, cls in cls.contains(.number) } }
            stage = next
            next = []
            for r in stage { PreTokenizerScanner.asciiDigitTriples(cps, r, into: &next) }
            pieces = next
        }
        return pieces.map { cps.offsets[$0.lowerBound] ..< cps.offsets[$0.upperBound] }
    }
}

/// The scanners behind `PreTokenizerKind`; they work on code point indices.
enum PreTokenizerScanner {
    @inline(__always) static func isContractionLetter(_ v: UInt32, caseInsensitive: Bool) -> UInt32? {
        if caseInsensitive, v >= 0x41, v <= 0x5A { return v + 0x20 }
        return v
    }

    /// Length (2 or 3) of a contraction `'s 't 'm 'd 're 've 'll` at `pos`, or 0.
    @inline(__always) static func contraction(_ cps: CodePointBuffer, _ pos: Int, _ end: Int, caseInsensitive: Bool) -> Int {
        guard cps.values[pos] == 0x27, pos + 1 < end else { return 0 }
        let lower: (UInt32) -> UInt32 = { v in (caseInsensitive && v >= 0x41 && v <= 0x5A) ? v + 0x20 : v }
        let c1 = lower(cps.values[pos + 1])
        if c1 == 0x73 || c1 == 0x74 || c1 == 0x6D || c1 == 0x64 { return 2 }   // s t m d
        if pos + 2 < end {
            let c2 = lower(cps.values[pos + 2])
            if (c1 == 0x72 && c2 == 0x65) || (c1 == 0x76 && c2 == 0x65) || (c1 == 0x6C && c2 == 0x6C) { return 3 } // re ve ll
        }
        return 0
    }

    /// GPT-2 rule over `range`; every code point ends up in some piece.
    static func gpt2(_ cps: CodePointBuffer, _ range: Range<Int>, into out: inout [Range<Int>]) {
        let end = range.upperBound
        var pos = range.lowerBound
        @inline(__always) func cls(_ i: Int) -> CodePointClass { i < end ? cps.classes[i] : [] }
        let notWordish: CodePointClass = [.whitespace, .letter, .number]
        while pos < end {
            let start = pos
            let c = cps.values[pos]
            let n = contraction(cps, pos, end, caseInsensitive: false)
            if n > 0 { out.append(pos ..< pos + n); pos += n; continue }
            let lead = c == 0x20 ? cls(pos + 1) : cps.classes[pos]
            let hasLead = c == 0x20 && pos + 1 < end
            if lead.contains(.letter) {
                pos += hasLead ? 1 : 0
                while cls(pos).contains(.letter) { pos += 1 }
                out.append(start ..< pos); continue
            }
            if lead.contains(.number) {
                pos += hasLead ? 1 : 0
                while cls(pos).contains(.number) { pos += 1 }
                out.append(start ..< pos); continue
            }
            if lead.isDisjoint(with: notWordish), !(c == 0x20 && pos + 1 >= end) {
                pos += c == 0x20 ? 1 : 0
                while pos < end, cps.classes[pos].isDisjoint(with: notWordish) { pos += 1 }
                out.append(start ..< pos); continue
            }
            var spaces = 0
            while cls(pos + spaces).contains(.whitespace) { spaces += 1 }
            if spaces > 1, pos + spaces < end {
                // \s+(?!\S): leave the last space to start the next word.
                pos += spaces - 1
                out.append(start ..< pos); continue
            }
            if spaces > 0 {
                pos += spaces
                out.append(start ..< pos); continue
            }
            pos += 1
            out.append(start ..< pos)
        }
    }

    /// Llama 3 / Qwen 2 rule over `range` (`maxDigits` = 3 for Llama 3, 1 for Qwen 2).
    static func llama3(_ cps: CodePointBuffer, _ range: Range<Int>, maxDigits: Int, into out: inout [Range<Int>]) {
        let end = range.upperBound
        var pos = range.lowerBound
        @inline(__always) func cls(_ i: Int) -> CodePointClass { i < end ? cps.classes[i] : [] }
        @inline(__always) func isCRLF(_ i: Int) -> Bool { i < end && (cps.values[i] == 0x0A || cps.values[i] == 0x0D) }
        let notWordish: CodePointClass = [.whitespace, .letter, .number]
        while pos < end {
            let start = pos
            let c = cps.values[pos]
            let own = cps.classes[pos]
            let n = contraction(cps, pos, end, caseInsensitive: true)
            if n > 0 { out.append(pos ..< pos + n); pos += n; continue }
            // [^\r\n\p{L}\p{N}]?\p{L}+
            if !(c == 0x0A || c == 0x0D || own.contains(.number)),
               own.contains(.letter) || cls(pos + 1).contains(.letter) {
                pos += 1
                while cls(pos).contains(.letter) { pos += 1 }
                out.append(start ..< pos); continue
            }
            // \p{N}{1,maxDigits}
            if own.contains(.number) {
                var groupStart = pos
                while cls(pos).contains(.number) {
                    pos += 1
                    if pos - groupStart >= maxDigits {
                        out.append(groupStart ..< pos)
                        groupStart = pos
                    }
                }
                if pos > groupStart { out.append(groupStart ..< pos) }
                continue
            }
            // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
            let lead = c == 0x20 ? cls(pos + 1) : own
            if lead.isDisjoint(with: notWordish), !(c == 0x20 && pos + 1 >= end) {
                pos += c == 0x20 ? 1 : 0
                while pos < end, cps.classes[pos].isDisjoint(with: notWordish) { pos += 1 }
                while isCRLF(pos) { pos += 1 }
                out.append(start ..< pos); continue
            }
            var spaces = 0
            var lastLineBreakEnd = 0
            while cls(pos + spaces).contains(.whitespace) {
                if isCRLF(pos + spaces) { lastLineBreakEnd = pos + spaces + 1 }
                spaces += 1
            }
            // \s*[\r\n]+
            if lastLineBreakEnd > 0 {
                pos = lastLineBreakEnd
                out.append(start ..< pos); continue
            }
            if spaces > 1, pos + spaces < end {
                pos += spaces - 1
                out.append(start ..< pos); continue
            }
            if spaces > 0 {
                pos += spaces
                out.append(start ..< pos); continue
            }
            pos += 1
            out.append(start ..< pos)
        }
    }

    /// Regex-style split by a single-class run pattern `[class]+`: matches and the gaps
    /// between them both become pieces.
    static func runs(_ cps: CodePointBuffer, _ range: Range<Int>, into out: inout [Range<Int>],
                     _ matches: (UInt32, CodePointClass) -> Bool) {
        var pos = range.lowerBound
        var gapStart = pos
        while pos < range.upperBound {
            if matches(cps.values[pos], cps.classes[pos]) {
                if gapStart < pos { out.append(gapStart ..< pos) }
                let s = pos
                while pos < range.upperBound, matches(cps.values[pos], cps.classes[pos]) { pos += 1 }
                out.append(s ..< pos)
                gapStart = pos
            } else {
                pos += 1
            }
        }
        if gapStart < range.upperBound { out.append(gapStart ..< range.upperBound) }
    }

    /// `[0-9][0-9][0-9]` as a regex split: each run of three ASCII digits is a piece.
    static func asciiDigitTriples(_ cps: CodePointBuffer, _ range: Range<Int>, into out: inout [Range<Int>]) {
        @inline(__always) func digit(_ i: Int) -> Bool { cps.values[i] >= 0x30 && cps.values[i] <= 0x39 }
        var pos = range.lowerBound
        var gapStart = pos
        while pos < range.upperBound {
            if pos + 2 < range.upperBound, digit(pos), digit(pos + 1), digit(pos + 2) {
                if gapStart < pos { out.append(gapStart ..< pos) }
                out.append(pos ..< pos + 3)
                pos += 3
                gapStart = pos
            } else {
                pos += 1
            }
        }
        if gapStart < range.upperBound { out.append(gapStart ..< range.upperBound) }
    }
}
