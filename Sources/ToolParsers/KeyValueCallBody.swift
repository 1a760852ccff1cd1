/// Re-serializes the Gemma argument syntax as JSON while it arrives: `{key:value,…}` with bare keys,
/// strings wrapped in a delimiter token (`<|"|>` for Gemma 4, `<escape>` for FunctionGemma) and read
/// raw (no escapes), bare numbers, `true`/`false`, and nested `{…}` / `[…]`. Output follows
/// `json.dumps(value, ensure_ascii=False)`; string characters go out at once (a possible partial
/// delimiter is held), bare values once complete. `close()` makes whatever was written valid JSON.
struct KeyValueTranscoder {
    enum Status { case needMore, complete, error }

    private enum State: UInt8 { case value, keyOrClose, key, bareKey, colon, afterValue, openDelimiter, string, closeDelimiter, bare, done }

    /// Canonical output not yet taken by the caller.
    var out: [UInt8] = []
    private var delimiter: [UInt8] = []
    private var state: State = .value
    private var closers: [UInt8] = []
    private var needsSeparator = false
    private var awaitingValue = false
    private var inKey = false
    /// Delimiter bytes matched so far.
    private var matched = 0
    /// A bare key or value being read.
    private var token: [UInt8] = []

    /// Bare tokens longer than this are an error (they cannot be keys or scalars).
    static let tokenLimit = 1 << 14

    /// Starts over for a new value whose strings are wrapped in `delimiter` (whose first byte must
    /// not occur again in it, as in `<|"|>` and `<escape>`).
    mutating func reset(delimiter: [UInt8]) {
        self.delimiter = delimiter
        clearKeepingCapacity(&out)
        state = .value
        clearKeepingCapacity(&closers)
        needsSeparator = false
        awaitingValue = false
        inKey = false
        matched = 0
        clearKeepingCapacity(&token)
    }

    /// Consumes `p[i..<n]` until the value is complete, the input runs out, or a byte cannot continue it
    /// (`.error`, `i` at that byte).
    mutating func feed(_ p: UnsafeBufferPointer<UInt8>, _ i: inout Int, _ n: Int) -> Status {
        let open = delimiter.first ?? 0
        while i < n {
            let c = p[i]
            switch state {
            case .string:
                let start = i
                while i < n {
                    let d = p[i]
                    if d == open || d == 0x22 || d == 0x5C || d < 0x20 { break }
                    i += 1
                }
                if i > start { out.append(contentsOf: UnsafeBufferPointer(rebasing: p[start..<i])) }
                if i == n { return .needMore }
                let d = p[i]
                i += 1
                if d == open {
                    matched = 1
                    state = .closeDelimiter
                    if matched == delimiter.count { endString() }
                } else if d == 0x22 || d == 0x5C {
                    out.append(0x5C); out.append(d)
                } else {
                    appendJSONControlEscape(d, to: &out)
                }
                if state == .done { return .complete }
            case .closeDelimiter:
                if c == delimiter[matched] {
                    i += 1
                    matched += 1
                    if matched == delimiter.count {
                        endString()
                        if state == .done { return .complete }
                    }
                } else {
                    // Not the delimiter after all: the held bytes are text.
                    delimiter.withUnsafeBufferPointer { appendJSONStringBody(UnsafeBufferPointer(rebasing: $0[0..<matched]), to: &out) }
                    matched = 0
                    state = .string
                }
            case .openDelimiter:
                guard c == delimiter[matched] else { return .error }
                i += 1
                matched += 1
                if matched == delimiter.count {
                    matched = 0
                    if inKey { writeSeparator() } else { writePrefix() }
                    out.append(0x22)
                    state = .string
                }
            case .bare:
                if c == 0x2C || c == 0x7D || c == 0x5D {
                    endBare()
                    continue
                }
                i += 1
                token.append(c)
                if token.count > Self.tokenLimit { return .error }
            case .bareKey:
                if c == 0x3A || isJSONWhitespace(c) {
                    writeSeparator()
                    out.append(0x22)
                    appendJSONStringBody(token, to: &out)
                    out.append(0x22)
                    clearKeepingCapacity(&token)
                    awaitingValue = true
                    state = .colon
                    continue
                }
                guard c != 0x2C && c != 0x7D && c != 0x7B && c != 0x5B && c != 0x5D && c != open else { return .error }
                i += 1
                token.append(c)
                if token.count > 256 { return .error }
            case .colon:
                if isJSONWhitespace(c) { i += 1; continue }
                guard c == 0x3A else { return .error }
                i += 1
                state = .value
            case .value:
                if isJSONWhitespace(c) { i += 1; continue }
                if c == 0x5D, closers.last == 0x5D, !awaitingValue {
                    // An empty array, or a trailing comma.
                    i += 1
                    needsSeparator = false
                    closeContainer()
                } else if c == 0x7B || c == 0x5B {
                    i += 1
                    writePrefix()
                    out.append(c)
                    closers.append(c == 0x7B ? 0x7D : 0x5D)
                    state = c == 0x7B ? .keyOrClose : .value
                } else if c == open {
                    i += 1
                    inKey = false
                    matched = 1
                    state = .openDelimiter
                    if matched == delimiter.count { matched = 0; writePrefix(); out.append(0x22); state = .string }
                } else if c == 0x2C || c == 0x7D || c == 0x5D || c == 0x3A {
                    return .error
                } else {
                    i += 1
                    token.append(c)
                    state = .bare
                }
                if state == .done { return .complete }
            case .keyOrClose, .key:
                if isJSONWhitespace(c) { i += 1; continue }
                if c == 0x7D {
                    i += 1
                    needsSeparator = false
                    closeContainer()
                    if state == .done { return .complete }
                } else if c == open {
                    i += 1
                    inKey = true
                    matched = 1
                    state = .openDelimiter
                } else if c == 0x2C || c == 0x3A || c == 0x7B || c == 0x5B || c == 0x5D {
                    return .error
                } else {
                    i += 1
                    token.append(c)
                    state = .bareKey
                }
            case .afterValue:
                if isJSONWhitespace(c) { i += 1; continue }
                if c == 0x2C {
                    i += 1
                    needsSeparator = true
                    state = closers.last == 0x7D ? .key : .value
                } else if let closer = closers.last, c == closer {
                    i += 1
                    closeContainer()
                    if state == .done { return .complete }
                } else {
                    return .error
                }
            case .done:
                return .complete
            }
        }
        return state == .done ? .complete : .needMore
    }

    /// Writes what makes the output valid JSON (a partial delimiter at the cut is dropped) and ends the value.
    mutating func close() {
        switch state {
        case .string, .closeDelimiter:
            if inKey { out.append(contentsOf: Array("\": null".utf8)) } else { out.append(0x22) }
        case .bare:
            writeBare()
        case .value, .colon, .openDelimiter, .bareKey:
            if awaitingValue { out.append(contentsOf: Array(": null".utf8)) }
        default:
            break
        }
        for closer in closers.reversed() { out.append(closer) }
        closers.removeAll()
        state = .done
    }

    // MARK: helpers

    private mutating func writeSeparator() {
        if needsSeparator { out.append(0x2C); out.append(0x20); needsSeparator = false }
    }

    private mutating func writePrefix() {
        if awaitingValue {
            out.append(0x3A); out.append(0x20)
            awaitingValue = false
        } else {
            writeSeparator()
        }
    }

    private mutating func endString() {
        matched = 0
        out.append(0x22)
        if inKey {
            inKey = false
            awaitingValue = true
            state = .colon
        } else {
            valueDone()
        }
    }

    private mutating func endBare() {
        writeBare()
        valueDone()
    }

    /// A bare value: a JSON number as written, `true`/`false`, `null`/`None` as null, anything else a string.
    private mutating func writeBare() {
        writePrefix()
        var lower = 0
        var upper = token.count
        while lower < upper && isJSONWhitespace(token[lower]) { lower += 1 }
        while upper > lower && isJSONWhitespace(token[upper - 1]) { upper -= 1 }
        let text = token[lower..<upper]
        if text.elementsEqual("true".utf8) || text.elementsEqual("false".utf8) || text.elementsEqual("null".utf8) {
            out.append(contentsOf: text)
        } else if text.elementsEqual("None".utf8) {
            out.append(contentsOf: "null".utf8)
        } else if !text.isEmpty, text.withUnsafeBufferPointer({ isValidNumber($0) }) {
            out.append(contentsOf: text)
        } else {
            out.append(0x22)
            text.withUnsafeBufferPointer { appendJSONStringBody($0, to: &out) }
            out.append(0x22)
        }
        clearKeepingCapacity(&token)
    }

    private mutating func closeContainer() {
        out.append(closers.removeLast())
        valueDone()
    }

    private mutating func valueDone() {
        state = closers.isEmpty ? .done : .afterValue
    }
}

/// State of a `call:NAME{…}` body.
struct KeyValueBodyState {
    enum Phase { case prefix, name, arguments }
    var phase: Phase = .prefix
    var matched = 0
    var name: [UInt8] = []
    var transcoder = KeyValueTranscoder()
}

extension MarkupEngine {
    /// Reads `call:NAME{key:value,…}` (the call's end marker is matched after the body, like JSON bodies).
    mutating func readKeyValueBody(_ style: KeyValueCallStyle, _ p: UnsafeBufferPointer<UInt8>, _ i: inout Int, _ n: Int) -> BodyStatus {
        let prefix = tables.keyValuePrefix
        while i < n {
            let c = p[i]
            switch keyValueBody.phase {
            case .prefix:
                if keyValueBody.matched == prefix.count {
                    keyValueBody.phase = .name
                    continue
                }
                guard c == prefix[keyValueBody.matched] else { return .failed }
                i += 1
                keyValueBody.matched += 1
            case .name:
                if c == 0x7B {
                    let name = String(decoding: keyValueBody.name, as: UTF8.self)
                    guard commit(name: name, id: nil, at: i) else { return .failed }
                    keyValueBody.transcoder.reset(delimiter: tables.keyValueDelimiter)
                    keyValueBody.phase = .arguments
                    continue
                }
                guard !isJSONWhitespace(c), keyValueBody.name.count < 256 else { return .failed }
                i += 1
                keyValueBody.name.append(c)
            case .arguments:
                let status = keyValueBody.transcoder.feed(p, &i, n)
                emitter.arguments(moving: &keyValueBody.transcoder.out)
                switch status {
                case .needMore: return .needMore
                case .complete:
                    callOpen = false
                    return .done
                case .error:
                    closeKeyValueBody()
                    return .broken
                }
            }
        }
        return .needMore
    }

    /// Closes a committed call's arguments at the end of the stream or at an error.
    mutating func closeKeyValueBody() {
        guard callOpen else { return }
        if keyValueBody.phase == .arguments {
            keyValueBody.transcoder.close()
            emitter.arguments(moving: &keyValueBody.transcoder.out)
        } else {
            emitter.arguments("{}")
        }
        callOpen = false
    }
}
