import Schema

/// The non-streaming path of the marker engine for JSON call bodies: one forward pass over the
/// whole output's bytes that writes content, reasoning and each call's arguments straight into
/// byte buffers and makes every String once, without events, held-text copies or the streaming
/// transcoder's resumable state.
///
/// It follows the streaming engine exactly on the paths it takes (marker search with the same
/// partial-match rules, the same whitespace holding, the same canonical JSON form) and gives up
/// (returns nil) wherever the streaming engine would revert, degrade or close a cut-off call; the
/// caller then runs the streaming engine on the same text, so results never depend on the path.
struct WholeTextReader {
    let tables: MarkupTables
    let catalog: ToolCatalog
    let idPrefix: String
    let startMode: MarkupEngine.Mode
    let anchorOpen: Bool

    /// A reader for `format` with these options (the tables as `MarkupEngine` picks them); nil
    /// when the format's calls are not JSON objects or arrays of them.
    init?(format: MarkupFormat, tables: MarkupTables?, catalog: ToolCatalog, options: ToolParserOptions) {
        let t = (options.separateReasoning ? tables : nil) ?? MarkupTables(format: format, separateReasoning: options.separateReasoning)
        guard t.bodyKind == .json, t.json.nameThenArguments == nil else { return nil }
        self.tables = t
        self.catalog = catalog
        idPrefix = options.idPrefix
        let reasoning = options.separateReasoning ? format.reasoning : nil
        if let reasoning, options.startsInReasoning ?? reasoning.startsInside { startMode = .reasoning } else { startMode = .text }
        anchorOpen = !format.anchoredStarts.isEmpty
    }

    /// Parses a whole output; nil when the streaming engine must do it (see above).
    func parse(_ text: String) -> ParsedOutput? {
        if text.isEmpty { return nil }
        var text = text
        text.makeContiguousUTF8()
        return text.utf8.withContiguousStorageIfAvailable { p -> ParsedOutput? in
            guard let base = p.baseAddress else { return nil }
            var s = WholeTextState(input: text, base: base, mode: startMode, anchorOpen: anchorOpen)
            guard read(base, p.count, &s) else { return nil }
            return ParsedOutput(content: s.content.string(text), reasoning: s.reasoning.string(text), toolCalls: s.calls)
        } ?? nil
    }

    func read(_ p: UnsafePointer<UInt8>, _ n: Int, _ s: inout WholeTextState) -> Bool {
        let t = tables
        let textSet = t.textSet
        let reasoningSet = t.reasoningSet
        let triggerCount = t.triggerCount
        var i = 0
        while i < n {
            switch s.mode {
            case .text:
                if s.anchorOpen {
                    let b = p[i]
                    if isJSONWhitespace(b) {
                        guard s.hold(i, i + 1) else { return false }
                        i += 1
                        continue
                    }
                    if t.anchoredBytes.contains(b) {
                        s.dropWhitespace()
                        s.anchorOpen = false
                        s.holdWhitespace = false
                        s.holding = true
                        s.anchored = true
                        s.mode = .body
                        continue
                    }
                    s.anchorOpen = false
                }
                let (textEnd, k, after) = scanWhole(p, i, n, textSet)
                guard s.text(p, i, textEnd) else { return false }
                if k < 0 {
                    // A possible marker's beginning at the very end: released as text by finish().
                    guard s.text(p, textEnd, n) else { return false }
                    i = n
                    continue
                }
                i = after
                if k < triggerCount { wholeTrigger(k, &s) } else if k == triggerCount { s.mode = .reasoning }
            case .reasoning:
                let (textEnd, k, after) = scanWhole(p, i, n, reasoningSet)
                if k < 0 {
                    s.reasoning.append(i, n)
                    i = n
                    continue
                }
                s.reasoning.append(i, textEnd)
                i = after
                if k < triggerCount { wholeTrigger(k, &s) } else if k == triggerCount { s.mode = .text }
            case .sectionIdle:
                let (textEnd, k, after) = scanWhole(p, i, n, t.sectionSet)
                var j = i
                while j < textEnd && isJSONWhitespace(p[j]) { j += 1 }
                guard j == textEnd else { return false }
                if k < 0 {
                    guard !s.holding else { return false }
                    i = n
                    continue
                }
                i = after
                if k == 0 {
                    s.holding = true
                    s.mode = .body
                } else {
                    guard !s.holding else { return false }
                    s.inSection = false
                    s.enterTextAfterCall()
                }
            case .body:
                guard readWholeBody(p, &i, n, &s) else { return false }
                s.mode = .afterBody
            case .brokenCall:
                // Only the streaming engine reads what follows a call that went wrong.
                return false
            case .afterBody:
                let b = p[i]
                if isJSONWhitespace(b) || t.chainBytes.contains(b) {
                    i += 1
                    continue
                }
                if t.afterBodySet.startsMarker(b) {
                    guard let (k, length) = markerAt(p, i, n, t.afterBodySet) else { return false }
                    i += length
                    s.endCall()
                    if k > 0 { wholeTrigger(k - 1, &s) }
                } else if t.chainsBodies && ((b == 0x7B && t.json.allowsObject) || (b == 0x5B && t.json.allowsArray)) {
                    s.holding = true
                    s.mode = .body
                } else {
                    s.endCall()
                }
            }
        }
        switch s.mode {
        case .text:
            if s.holdWhitespace && !s.anchorOpen { s.dropWhitespace() } else { s.keepWhitespace() }
        case .reasoning:
            break
        case .sectionIdle, .afterBody:
            // The streaming engine reverts a call section or body that committed no call.
            if s.holding { return false }
        case .body, .brokenCall:
            return false
        }
        return true
    }

    private func wholeTrigger(_ k: Int, _ s: inout WholeTextState) {
        s.dropWhitespace()
        s.holdWhitespace = false
        s.anchorOpen = false
        s.holding = true
        s.anchored = false
        if tables.sectionTriggers & (1 << UInt64(k)) != 0 {
            s.inSection = true
            s.mode = .sectionIdle
        } else {
            s.inSection = false
            s.mode = .body
        }
    }

    /// One call body: a call object, or an array of them. `i` ends just past it.
    private func readWholeBody(_ p: UnsafePointer<UInt8>, _ i: inout Int, _ n: Int, _ s: inout WholeTextState) -> Bool {
        while i < n && isJSONWhitespace(p[i]) { i += 1 }
        guard i < n else { return false }
        let json = tables.json
        if p[i] == 0x7B && json.allowsObject {
            i += 1
            return readWholeCall(p, &i, n, &s)
        }
        guard p[i] == 0x5B && json.allowsArray else { return false }
        i += 1
        while true {
            while i < n && (isJSONWhitespace(p[i]) || p[i] == 0x2C) { i += 1 }
            guard i < n else { return false }
            if p[i] == 0x7B {
                i += 1
                s.holding = true
                guard readWholeCall(p, &i, n, &s) else { return false }
            } else if p[i] == 0x5D {
                i += 1
                return true
            } else {
                return false
            }
        }
    }

    /// One `{"name": …, "arguments": …}` object after its `{`; the call is recorded at its `}`.
    private func readWholeCall(_ p: UnsafePointer<UInt8>, _ i: inout Int, _ n: Int, _ s: inout WholeTextState) -> Bool {
        let t = tables
        var nameStart = 0
        var nameEnd = -1
        var argumentsStarted = false
        s.arguments.reset()
        while true {
            while i < n && (isJSONWhitespace(p[i]) || p[i] == 0x2C) { i += 1 }
            guard i < n else { return false }
            if p[i] == 0x7D {
                i += 1
                guard nameEnd >= 0 else { return false }
                let raw = UnsafeBufferPointer(start: p + nameStart, count: nameEnd - nameStart)
                guard isPlausibleToolName(raw) else { return false }
                let name = String(decoding: raw, as: UTF8.self)
                if s.anchored && !catalog.tools.isEmpty && catalog.tool(named: name) == nil { return false }
                let arguments = argumentsStarted ? s.arguments.string(s.input) : "{}"
                if s.calls.isEmpty { s.calls.reserveCapacity(4) }
                s.calls.append(ParsedToolCall(id: idPrefix + String(s.calls.count), name: name, arguments: arguments))
                s.holding = false
                return true
            }
            guard p[i] == 0x22 else { return false }
            i += 1
            // The key, compared as written (a key with an escape is left to the streaming engine).
            let keyStart = i
            while i < n && p[i] != 0x22 && p[i] != 0x5C { i += 1 }
            guard i < n, p[i] == 0x22, i - keyStart <= 256 else { return false }
            let key = UnsafeBufferPointer(start: p + keyStart, count: i - keyStart)
            i += 1
            while i < n && isJSONWhitespace(p[i]) { i += 1 }
            guard i < n, p[i] == 0x3A else { return false }
            i += 1
            while i < n && isJSONWhitespace(p[i]) { i += 1 }
            guard i < n else { return false }
            if t.json.nameIsKey && nameEnd < 0 && !argumentsStarted {
                nameStart = keyStart
                nameEnd = keyStart + key.count
                argumentsStarted = true
                guard transcodeWholeJSON(p, &i, n, &s.arguments) else { return false }
            } else if nameEnd < 0 && t.nameKeyBytes.contains(where: { $0.elementsEqual(key) }) {
                // The name: a string without escapes or control characters (others take the streaming path).
                guard p[i] == 0x22 else { return false }
                i += 1
                nameStart = i
                while i < n && p[i] != 0x22 && p[i] != 0x5C && p[i] >= 0x20 { i += 1 }
                guard i < n, p[i] == 0x22, i - nameStart <= 298 else { return false }
                nameEnd = i
                i += 1
            } else if !argumentsStarted && t.argumentKeyBytes.contains(where: { $0.elementsEqual(key) }) {
                argumentsStarted = true
                guard transcodeWholeJSON(p, &i, n, &s.arguments) else { return false }
            } else {
                s.scratch.reset()
                guard transcodeWholeJSON(p, &i, n, &s.scratch) else { return false }
            }
        }
    }
}

/// The mutable state of one whole-text parse.
struct WholeTextState: ~Copyable {
    /// The input text (its bytes are the builders' input).
    let input: String
    var mode: MarkupEngine.Mode
    var content: TextBuilder
    /// Held whitespace: input bytes `heldStart..<heldEnd` (content once text follows, dropped before a call).
    var heldStart = 0
    var heldEnd = 0
    var reasoning: TextBuilder
    /// The current call's arguments.
    var arguments: TextBuilder
    /// Values that are read and dropped.
    var scratch: TextBuilder
    var calls: [ParsedToolCall] = []
    var holdWhitespace = true
    var anchorOpen: Bool
    var inSection = false
    var holding = false
    var anchored = false

    init(input: String, base: UnsafePointer<UInt8>, mode: MarkupEngine.Mode, anchorOpen: Bool) {
        self.input = input
        content = TextBuilder(base)
        reasoning = TextBuilder(base)
        arguments = TextBuilder(base)
        scratch = TextBuilder(base)
        self.mode = mode
        self.anchorOpen = anchorOpen
    }

    mutating func dropWhitespace() { heldEnd = heldStart }

    mutating func keepWhitespace() {
        content.append(heldStart, heldEnd)
        heldEnd = heldStart
    }

    /// Holds input bytes `a..<b` (whitespace); false when they do not follow the whitespace held
    /// already (whitespace around a reasoning block or a dropped marker: left to the streaming engine).
    @inline(__always) mutating func hold(_ a: Int, _ b: Int) -> Bool {
        if a >= b { return true }
        if heldStart == heldEnd {
            heldStart = a
            heldEnd = b
            return true
        }
        guard heldEnd == a else { return false }
        heldEnd = b
        return true
    }

    /// Input bytes `a..<b` as content, with whitespace held at the start and after calls.
    @inline(__always) mutating func text(_ p: UnsafePointer<UInt8>, _ a: Int, _ b: Int) -> Bool {
        if a >= b { return true }
        if !holdWhitespace {
            content.append(a, b)
            return true
        }
        var k = a
        while k < b && isJSONWhitespace(p[k]) { k += 1 }
        guard hold(a, k) else { return false }
        if k < b {
            holdWhitespace = false
            anchorOpen = false
            keepWhitespace()
            content.append(k, b)
        }
        return true
    }

    mutating func endCall() {
        holding = false
        if inSection { mode = .sectionIdle } else { enterTextAfterCall() }
    }

    mutating func enterTextAfterCall() {
        mode = .text
        holdWhitespace = true
        dropWhitespace()
    }
}

/// Output text made of input spans and generated bytes. While it is one span of the input it is
/// only that span's bounds (and becomes a String by slicing the input, with no UTF-8 validation);
/// otherwise its bytes are copied into a buffer.
struct TextBuilder: ~Copyable {
    let input: UnsafePointer<UInt8>
    /// The text is `input[spanStart..<spanEnd]` while `isSpan`.
    private var isSpan = true
    private var spanStart = 0
    private var spanEnd = 0
    private var bytes = ByteWriter()

    init(_ input: UnsafePointer<UInt8>) { self.input = input }

    var count: Int { isSpan ? spanEnd - spanStart : bytes.count }

    mutating func reset() {
        isSpan = true
        spanStart = 0
        spanEnd = 0
    }

    /// Appends input bytes `a..<b`.
    @inline(__always) mutating func append(_ a: Int, _ b: Int) {
        if a >= b { return }
        if isSpan {
            if spanStart == spanEnd {
                spanStart = a
                spanEnd = b
                return
            }
            if spanEnd == a {
                spanEnd = b
                return
            }
            materialize()
        }
        bytes.append(input + a, b - a)
    }

    /// Appends generated bytes.
    mutating func append(generated first: UInt8, _ second: UInt8? = nil) {
        if isSpan { materialize() }
        bytes.append(first)
        if let second { bytes.append(second) }
    }

    private mutating func materialize() {
        isSpan = false
        bytes.count = 0
        bytes.append(input + spanStart, spanEnd - spanStart)
    }

    /// The text as a String; `text` is the input.
    func string(_ text: String) -> String {
        if isSpan {
            if spanStart == spanEnd { return "" }
            let u = text.utf8
            return String(text[u.index(u.startIndex, offsetBy: spanStart)..<u.index(u.startIndex, offsetBy: spanEnd)])
        }
        return bytes.string(count: bytes.count)
    }
}

/// A growable byte buffer written without Array's per-append uniqueness and bounds checks.
struct ByteWriter: ~Copyable {
    private(set) var base: UnsafeMutablePointer<UInt8>?
    /// Bytes written; lowering it drops the tail.
    var count = 0
    private var capacity = 0

    init() {}

    deinit { base?.deallocate() }

    @inline(__always) mutating func reserve(_ extra: Int) {
        if count &+ extra > capacity { grow(count &+ extra) }
    }

    private mutating func grow(_ needed: Int) {
        let size = max(needed, capacity &* 2, 256)
        let fresh = UnsafeMutablePointer<UInt8>.allocate(capacity: size)
        if let base {
            fresh.initialize(from: base, count: count)
            base.deallocate()
        }
        base = fresh
        capacity = size
    }

    @inline(__always) mutating func append(_ byte: UInt8) {
        reserve(1)
        base.unsafelyUnwrapped[count] = byte
        count &+= 1
    }

    @inline(__always) mutating func append(_ bytes: UnsafePointer<UInt8>, _ length: Int) {
        if length <= 0 { return }
        reserve(length)
        (base.unsafelyUnwrapped + count).update(from: bytes, count: length)
        count &+= length
    }

    /// The first `count` bytes as a String.
    func string(count: Int) -> String {
        guard let base, count > 0 else { return "" }
        return String(decoding: UnsafeBufferPointer(start: base, count: count), as: UTF8.self)
    }
}

/// `MarkerScanner.scan` from an empty state over text that is all there: the plain text is
/// `p[from..<textEnd]`, then marker `k` ends at `after`; `k` is -1 when the text ends first, with
/// `p[textEnd..<n]` the beginning of a possible marker (the scanner would still hold it). Marker
/// candidates that fail are released exactly as the scanner releases them.
@inline(__always)
func scanWhole(_ p: UnsafePointer<UInt8>, _ from: Int, _ n: Int, _ set: MarkerSet) -> (textEnd: Int, k: Int, after: Int) {
    var s = from
    while true {
        if set.soleFirstByte >= 0 {
            s = findByte(UInt8(truncatingIfNeeded: set.soleFirstByte), p, s, n)
        } else {
            while s < n && !set.startsMarker(p[s]) { s += 1 }
        }
        if s == n { return (n, -1, n) }
        // A marker spelled out in full here is what the scanner finds (no marker is a prefix of another).
        if let (k, length) = markerAt(p, s, n, set) { return (s, k, s + length) }
        var length = 1
        var live = set.markersStarting(with: p[s])
        resolve: while true {
            if let k = set.complete(live, length: length) { return (s, k, s + length) }
            if s + length == n { return (s, -1, n) }
            live = set.advance(live, position: length, byte: p[s + length])
            length += 1
            if live != 0 { continue }
            // Not a marker: release bytes from the front until the rest could still begin one.
            let end = s + length
            var q = s + 1
            while q < end {
                var l = set.markersStarting(with: p[q])
                var position = 1
                while position < end - q && l != 0 {
                    l = set.advance(l, position: position, byte: p[q + position])
                    position += 1
                }
                if let k = set.complete(l, length: end - q) { return (q, k, end) }
                if l != 0 {
                    s = q
                    length = end - q
                    live = l
                    continue resolve
                }
                q += 1
            }
            s = end
            break
        }
    }
}

/// The marker of `set` that the text at `i` spells out in full, and its length; nil when none does
/// (no marker in a set is a prefix of another, so at most one can).
func markerAt(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int, _ set: MarkerSet) -> (Int, Int)? {
    var live = set.markersStarting(with: p[i])
    while live != 0 {
        let k = live.trailingZeroBitCount
        live &= live - 1
        let m = set.markers[k]
        if m.count <= n - i && m.withUnsafeBufferPointer({ memoryEqual($0.baseAddress!, p + i, m.count) }) { return (k, m.count) }
    }
    return nil
}

@inline(__always) private func memoryEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
    var k = 0
    while k < n {
        if a[k] != b[k] { return false }
        k += 1
    }
    return true
}

/// The first index at or after `from` holding `byte` (`n` when none), eight bytes at a time.
@inline(__always) func findByte(_ byte: UInt8, _ p: UnsafePointer<UInt8>, _ from: Int, _ n: Int) -> Int {
    let ones: UInt64 = 0x0101_0101_0101_0101
    let highs: UInt64 = 0x8080_8080_8080_8080
    let pattern = ones &* UInt64(byte)
    var i = from
    while i + 8 <= n {
        let w = UInt64(littleEndian: UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)) ^ pattern
        let zero = (w &- ones) & ~w & highs
        if zero != 0 { return i + zero.trailingZeroBitCount >> 3 }
        i += 8
    }
    while i < n && p[i] != byte { i += 1 }
    return i
}

/// Writes the JSON value at `p[i]` (not whitespace) in the streaming transcoder's canonical form
/// (`", "` and `": "` separators and no other whitespace, `\/` and `\u` escapes of non-surrogates
/// decoded, raw control characters escaped, everything else as written). Input already in that
/// form is appended as spans, so canonical input costs a validating walk and no copy. `i` ends
/// just past the value. False for anything the streaming transcoder rejects or writes differently
/// (unknown escapes, lone surrogate escapes, nesting beyond 64 levels) and for a value cut off by the
/// end of the text.
func transcodeWholeJSON(_ p: UnsafePointer<UInt8>, _ i: inout Int, _ n: Int, _ out: inout TextBuilder) -> Bool {
    // One bit per open container, 1 for an object.
    var objects: UInt64 = 0
    var depth = 0
    var expectKey = false
    // Start of the verbatim input not yet appended.
    var run = i
    while true {
        guard i < n else { return false }
        dropWhitespace(p, &i, n, &run, &out)
        guard i < n else { return false }
        let c = p[i]
        if expectKey {
            guard c == 0x22 else { return false }
            i = nextStringStop(p, i + 1, n)
            if i < n && p[i] == 0x22 { i += 1 } else { guard transcodeWholeString(p, &i, n, &run, &out) else { return false } }
            dropWhitespace(p, &i, n, &run, &out)
            guard i < n, p[i] == 0x3A else { return false }
            if i + 2 < n && p[i + 1] == 0x20 && !isJSONWhitespace(p[i + 2]) {
                i += 2
            } else {
                out.append(run, i)
                out.append(generated: 0x3A, 0x20)
                i += 1
                while i < n && isJSONWhitespace(p[i]) { i += 1 }
                run = i
            }
            expectKey = false
            continue
        }
        switch c {
        case 0x7B, 0x5B:
            i += 1
            let closer: UInt8 = c == 0x7B ? 0x7D : 0x5D
            dropWhitespace(p, &i, n, &run, &out)
            guard i < n else { return false }
            if p[i] == closer {
                i += 1
            } else {
                guard depth < 64 else { return false }
                objects = objects << 1 | (c == 0x7B ? 1 : 0)
                depth += 1
                expectKey = c == 0x7B
                continue
            }
        case 0x22:
            i = nextStringStop(p, i + 1, n)
            if i < n && p[i] == 0x22 { i += 1 } else { guard transcodeWholeString(p, &i, n, &run, &out) else { return false } }
        case 0x2D, 0x30...0x39:
            let start = i
            while i < n {
                let d = p[i]
                guard (d >= 0x30 && d <= 0x39) || d == 0x2D || d == 0x2B || d == 0x2E || d == 0x65 || d == 0x45 else { break }
                i += 1
            }
            guard i < n, isValidNumber(UnsafeBufferPointer(start: p + start, count: i - start)) else { return false }
        case 0x74, 0x66, 0x6E:
            let word: StaticString = c == 0x74 ? "true" : (c == 0x66 ? "false" : "null")
            let length = word.utf8CodeUnitCount
            guard n - i >= length else { return false }
            var k = 1
            while k < length {
                if p[i + k] != word.utf8Start[k] { return false }
                k += 1
            }
            i += length
        default:
            return false
        }
        // After a value: a comma, or closing brackets.
        while true {
            if depth == 0 {
                out.append(run, i)
                return true
            }
            dropWhitespace(p, &i, n, &run, &out)
            guard i < n else { return false }
            let inObject = objects & 1 != 0
            let closer: UInt8 = inObject ? 0x7D : 0x5D
            let d = p[i]
            if d == 0x2C {
                if i + 2 < n && p[i + 1] == 0x20 && !isJSONWhitespace(p[i + 2]) && p[i + 2] != closer {
                    i += 2
                    expectKey = inObject
                    break
                }
                out.append(run, i)
                i += 1
                while i < n && isJSONWhitespace(p[i]) { i += 1 }
                guard i < n else { return false }
                run = i
                if p[i] != closer {
                    out.append(generated: 0x2C, 0x20)
                    expectKey = inObject
                    break
                }
                // A trailing comma: dropped, as the streaming transcoder does.
            } else if d != closer {
                return false
            }
            i += 1
            objects >>= 1
            depth -= 1
        }
    }
}

/// The first quote, backslash or control character at or after `i` in a string (`n` when none),
/// eight bytes at a time.
/// Cuts the whitespace run at `p[i]`, if any, out of the canonical output: the input before it is
/// appended, `i` and `run` move past it.
@inline(__always) private func dropWhitespace(_ p: UnsafePointer<UInt8>, _ i: inout Int, _ n: Int, _ run: inout Int, _ out: inout TextBuilder) {
    guard i < n && isJSONWhitespace(p[i]) else { return }
    out.append(run, i)
    i += 1
    while i < n && isJSONWhitespace(p[i]) { i += 1 }
    run = i
}

@inline(__always) private func nextStringStop(_ p: UnsafePointer<UInt8>, _ from: Int, _ n: Int) -> Int {
    var i = from
    while i + 8 <= n {
        let mask = jsonStringStops(UInt64(littleEndian: UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)))
        if mask != 0 { return i + mask.trailingZeroBitCount >> 3 }
        i += 8
    }
    while i < n {
        let d = p[i]
        if d == 0x22 || d == 0x5C || d < 0x20 { return i }
        i += 1
    }
    return n
}

/// The rest of a string from its first stop (`i`, found by `nextStringStop`); `i` ends past the
/// closing quote. Escapes that change are written out (input up to them first), the rest stays in
/// the open run.
private func transcodeWholeString(_ p: UnsafePointer<UInt8>, _ i: inout Int, _ n: Int, _ run: inout Int, _ out: inout TextBuilder) -> Bool {
    while true {
        i = nextStringStop(p, i, n)
        guard i < n else { return false }
        let d = p[i]
        if d == 0x22 {
            i += 1
            return true
        }
        if d < 0x20 {
            out.append(run, i)
            appendControlEscape(d, &out)
            i += 1
            run = i
            continue
        }
        guard i + 1 < n else { return false }
        switch p[i + 1] {
        case 0x22, 0x5C, 0x62, 0x66, 0x6E, 0x72, 0x74:
            i += 2
        case 0x2F:
            out.append(run, i)
            out.append(generated: 0x2F)
            i += 2
            run = i
        case 0x75:
            guard var cp = hex4(p, i + 2, n) else { return false }
            var length = 6
            if cp >= 0xD800 && cp <= 0xDFFF {
                // Only a high surrogate escape followed by a low one (one scalar); lone halves take the streaming path.
                guard cp <= 0xDBFF, i + 12 <= n, p[i + 6] == 0x5C, p[i + 7] == 0x75,
                      let low = hex4(p, i + 8, n), low >= 0xDC00 && low <= 0xDFFF else { return false }
                cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00)
                length = 12
            }
            out.append(run, i)
            appendScalar(cp, &out)
            i += length
            run = i
        default:
            return false
        }
    }
}

@inline(__always) private func hex4(_ p: UnsafePointer<UInt8>, _ at: Int, _ n: Int) -> UInt32? {
    guard n - at >= 4 else { return nil }
    var v: UInt32 = 0
    for k in 0..<4 {
        let c = p[at + k]
        let d: UInt32
        switch c {
        case 0x30...0x39: d = UInt32(c - 0x30)
        case 0x61...0x66: d = UInt32(c - 0x61 + 10)
        case 0x41...0x46: d = UInt32(c - 0x41 + 10)
        default: return nil
        }
        v = v << 4 | d
    }
    return v
}

/// A decoded `\u` escape as the streaming transcoder writes it.
private func appendScalar(_ cp: UInt32, _ out: inout TextBuilder) {
    if cp < 0x80 {
        let b = UInt8(cp)
        if b == 0x22 || b == 0x5C { out.append(generated: 0x5C, b) } else if b < 0x20 { appendControlEscape(b, &out) } else { out.append(generated: b) }
    } else if cp < 0x800 {
        out.append(generated: UInt8(0xC0 | cp >> 6), UInt8(0x80 | cp & 0x3F))
    } else if cp < 0x10000 {
        out.append(generated: UInt8(0xE0 | cp >> 12))
        out.append(generated: UInt8(0x80 | (cp >> 6) & 0x3F), UInt8(0x80 | cp & 0x3F))
    } else {
        out.append(generated: UInt8(0xF0 | cp >> 18), UInt8(0x80 | (cp >> 12) & 0x3F))
        out.append(generated: UInt8(0x80 | (cp >> 6) & 0x3F), UInt8(0x80 | cp & 0x3F))
    }
}

private func appendControlEscape(_ b: UInt8, _ out: inout TextBuilder) {
    var escaped: [UInt8] = []
    appendJSONControlEscape(b, to: &escaped)
    for e in escaped { out.append(generated: e) }
}
