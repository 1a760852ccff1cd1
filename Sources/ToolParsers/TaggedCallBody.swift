import Schema

/// Marker sets a tagged body scans with, built once per parser.
struct TaggedMarkerSets: Sendable {
    /// nameEnd… then parameterStart, callEnd.
    let name: MarkerSet
    let nameEndCount: Int
    /// parameterStart, callEnd.
    let idle: MarkerSet
    let key: MarkerSet
    let attributes: MarkerSet
    let valueStart: MarkerSet
    let value: MarkerSet

    init(style: TaggedCallStyle, callEnd: String) {
        name = MarkerSet(style.nameEnd + [style.parameterStart, callEnd])
        nameEndCount = style.nameEnd.count
        idle = MarkerSet([style.parameterStart, callEnd])
        key = MarkerSet([style.keyEnd])
        attributes = MarkerSet([style.attributesEnd ?? ""])
        valueStart = MarkerSet([style.valueStart ?? ""])
        value = MarkerSet([style.valueEnd])
    }
}

/// State of a tagged-parameter call body.
struct TaggedBodyState {
    enum Phase { case name, idle, key, attributes, valueStart, value }
    var phase: Phase = .name
    var name = ""
    var buffer: [UInt8] = []
    var key = ""
    var attributes = ""
    var parameterCount = 0
    /// The current value streams as a JSON string (its schema allows only strings).
    var streaming = false
    var valueBegun = false
    var heldNewline = false
    var out: [UInt8] = []
    /// A streamed value that may be wrapped in `<![CDATA[…]]>`: not yet known, inside the wrapper, plain text.
    enum CDATA { case undecided, inside, plain }
    var cdata = CDATA.undecided
    /// Bytes of such a value held back: a possible `<![CDATA[` at its start or `]]>` at its end.
    var cdataHeld: [UInt8] = []
}

private let cdataOpen = Array("<![CDATA[".utf8)
private let cdataClose = Array("]]>".utf8)

extension MarkupEngine {
    mutating func readTaggedBody(_ style: TaggedCallStyle, _ p: UnsafeBufferPointer<UInt8>, _ i: inout Int, _ n: Int) -> BodyStatus {
        guard let sets = taggedSets else { return .failed }
        while i < n {
            switch taggedBody.phase {
            case .name:
                let found = scanner.scan(p, &i, n, sets.name, into: &taggedBody.buffer)
                if taggedBody.buffer.count > 512 { return .failed }
                guard let k = found else { return .needMore }
                let name = String(decoding: taggedBody.buffer, as: UTF8.self).trimmedSpaces
                clearKeepingCapacity(&taggedBody.buffer)
                guard commit(name: name, id: nil, at: i) else { return .failed }
                taggedBody.name = name
                emitter.arguments("{")
                if k < sets.nameEndCount {
                    taggedBody.phase = .idle
                } else if k == sets.nameEndCount {
                    taggedBody.phase = .key
                } else {
                    emitter.arguments("}")
                    callOpen = false
                    return .done
                }
            case .idle:
                let found = scanner.scan(p, &i, n, sets.idle, into: &taggedBody.buffer)
                clearKeepingCapacity(&taggedBody.buffer)
                guard let k = found else { return .needMore }
                if k == 0 {
                    taggedBody.phase = .key
                } else {
                    emitter.arguments("}")
                    callOpen = false
                    return .done
                }
            case .key:
                let found = scanner.scan(p, &i, n, sets.key, into: &taggedBody.buffer)
                if taggedBody.buffer.count > 512 {
                    closeTaggedBody()
                    return .broken
                }
                guard found != nil else { return .needMore }
                taggedBody.key = String(decoding: taggedBody.buffer, as: UTF8.self).trimmedSpaces
                clearKeepingCapacity(&taggedBody.buffer)
                taggedBody.attributes = ""
                if style.attributesEnd != nil {
                    taggedBody.phase = .attributes
                } else if style.valueStart != nil {
                    taggedBody.phase = .valueStart
                } else {
                    beginTaggedValue()
                }
            case .attributes:
                let found = scanner.scan(p, &i, n, sets.attributes, into: &taggedBody.buffer)
                guard found != nil else { return .needMore }
                taggedBody.attributes = String(decoding: taggedBody.buffer, as: UTF8.self)
                clearKeepingCapacity(&taggedBody.buffer)
                if style.valueStart != nil { taggedBody.phase = .valueStart } else { beginTaggedValue() }
            case .valueStart:
                let found = scanner.scan(p, &i, n, sets.valueStart, into: &taggedBody.buffer)
                clearKeepingCapacity(&taggedBody.buffer)
                guard found != nil else { return .needMore }
                beginTaggedValue()
            case .value:
                let found = scanner.scan(p, &i, n, sets.value, into: &taggedBody.buffer)
                if taggedBody.streaming {
                    streamTaggedValue(style)
                }
                guard found != nil else { return .needMore }
                endTaggedValue(style)
                taggedBody.phase = .idle
            }
        }
        return .needMore
    }

    private var unwrapsCDATA: Bool {
        if case .tagged(let style) = format.body { return style.unwrapCDATA }
        return false
    }

    /// Whether the current parameter is declared string-only (DSML's `string="true"` also says so).
    private mutating func currentValueIsString() -> Bool {
        let attributes = taggedBody.attributes
        if attributes.contains("string=\"true\"") || attributes.contains("type=\"string\"") { return true }
        if attributes.contains("string=\"false\"") { return false }
        guard let schema = catalog.propertySchema(tool: taggedBody.name, parameter: taggedBody.key) else { return false }
        return SchemaTypes.allowedTypes(schema, root: catalog.schemaRoot(tool: taggedBody.name)) == ["string"]
    }

    private mutating func beginTaggedValue() {
        taggedBody.phase = .value
        taggedBody.valueBegun = false
        taggedBody.heldNewline = false
        clearKeepingCapacity(&taggedBody.buffer)
        // A CDATA wrapper streams too, unless newlines around it are also trimmed (then the value is read whole).
        taggedBody.streaming = currentValueIsString() && !(unwrapsCDATA && trimsNewlines)
        taggedBody.cdata = .undecided
        clearKeepingCapacity(&taggedBody.cdataHeld)
        var prefix: [UInt8] = taggedBody.parameterCount > 0 ? [0x2C, 0x20] : []
        prefix.append(0x22)
        appendJSONStringBody(Array(taggedBody.key.utf8), to: &prefix)
        prefix += Array("\": ".utf8)
        if taggedBody.streaming { prefix.append(0x22) }
        taggedBody.parameterCount += 1
        emitter.arguments(prefix)
    }

    private var trimsNewlines: Bool {
        if case .tagged(let style) = format.body { return style.trimNewlines }
        return false
    }

    /// Sends the buffered part of a string value that may be wrapped in `<![CDATA[…]]>`: the wrapper's
    /// opening is held until it is known, its closing until the value ends; the text inside goes out at once.
    private mutating func streamCDATAValue(final: Bool) {
        taggedBody.cdataHeld += taggedBody.buffer
        clearKeepingCapacity(&taggedBody.buffer)
        if taggedBody.cdata == .undecided {
            let held = taggedBody.cdataHeld
            if held.count >= cdataOpen.count && held.starts(with: cdataOpen) {
                taggedBody.cdata = .inside
                taggedBody.cdataHeld.removeFirst(cdataOpen.count)
            } else if held.count < cdataOpen.count && cdataOpen.starts(with: held) && !final {
                return
            } else {
                taggedBody.cdata = .plain
            }
        }
        var keep = 0
        if taggedBody.cdata == .inside {
            let held = taggedBody.cdataHeld
            if final {
                if held.count >= cdataClose.count && held.suffix(cdataClose.count).elementsEqual(cdataClose) { keep = cdataClose.count }
            } else {
                // The longest end of what is held that may begin `]]>`.
                for k in stride(from: min(cdataClose.count, held.count), to: 0, by: -1)
                    where held.suffix(k).elementsEqual(cdataClose.prefix(k)) {
                    keep = k
                    break
                }
            }
        }
        let send = taggedBody.cdataHeld.count - keep
        if send > 0 {
            clearKeepingCapacity(&taggedBody.out)
            taggedBody.cdataHeld.withUnsafeBufferPointer { appendJSONStringBody(UnsafeBufferPointer(rebasing: $0[0..<send]), to: &taggedBody.out) }
            emitter.arguments(taggedBody.out)
        }
        if final { clearKeepingCapacity(&taggedBody.cdataHeld) } else { taggedBody.cdataHeld.removeFirst(send) }
    }

    /// Sends the buffered part of a string value, keeping back a trailing newline that may be trimmed.
    private mutating func streamTaggedValue(_ style: TaggedCallStyle) {
        if style.unwrapCDATA {
            streamCDATAValue(final: false)
            return
        }
        var bytes = taggedBody.buffer[...]
        clearKeepingCapacity(&taggedBody.buffer)
        if bytes.isEmpty { return }
        if !taggedBody.valueBegun {
            taggedBody.valueBegun = true
            if style.trimNewlines && bytes.first == 0x0A { bytes = bytes.dropFirst() }
            if bytes.isEmpty { return }
        }
        clearKeepingCapacity(&taggedBody.out)
        if taggedBody.heldNewline {
            taggedBody.out += [0x5C, 0x6E]
            taggedBody.heldNewline = false
        }
        if style.trimNewlines && bytes.last == 0x0A {
            taggedBody.heldNewline = true
            bytes = bytes.dropLast()
        }
        bytes.withUnsafeBufferPointer { appendJSONStringBody($0, to: &taggedBody.out) }
        emitter.arguments(taggedBody.out)
    }

    private mutating func endTaggedValue(_ style: TaggedCallStyle) {
        if taggedBody.streaming {
            if style.unwrapCDATA { streamCDATAValue(final: true) }
            emitter.arguments([0x22])
            return
        }
        var raw = String(decoding: taggedBody.buffer, as: UTF8.self)
        clearKeepingCapacity(&taggedBody.buffer)
        if style.trimNewlines {
            if raw.hasPrefix("\n") { raw.removeFirst() }
            if raw.hasSuffix("\n") { raw.removeLast() }
        }
        if style.unwrapCDATA, raw.hasPrefix("<![CDATA["), raw.hasSuffix("]]>"), raw.utf8.count >= 12 {
            raw = String(raw.dropFirst(9).dropLast(3))
            emitter.arguments(Array(JSONValue.string(raw).jsonString(.python(indent: nil, ensureASCII: false)).utf8))
            return
        }
        let value: JSONValue
        if taggedBody.attributes.contains("string=\"false\"") || (taggedBody.attributes.contains("type=\"") && !taggedBody.attributes.contains("type=\"string\"")),
           let parsed = try? JSONValue.parse(raw) {
            value = parsed
        } else {
            value = coerceTaggedValue(raw)
        }
        emitter.arguments(Array(value.jsonString(.python(indent: nil, ensureASCII: false)).utf8))
    }

    /// Schema coercion; an object or array written as a Python literal (`{'a': True}`, as chat
    /// templates render dicts) is read as one when the schema wants an object or array.
    private mutating func coerceTaggedValue(_ raw: String) -> JSONValue {
        let value = catalog.coerce(raw, tool: taggedBody.name, parameter: taggedBody.key)
        guard case .string = value,
              let schema = catalog.propertySchema(tool: taggedBody.name, parameter: taggedBody.key) else { return value }
        let allowed = SchemaTypes.allowedTypes(schema, root: catalog.schemaRoot(tool: taggedBody.name))
        guard allowed.contains("object") || allowed.contains("array") else { return value }
        var transcoder = JSONTranscoder(dialect: .python)
        let bytes = Array(raw.trimmedSpaces.utf8)
        let status = bytes.withUnsafeBufferPointer { p -> JSONTranscoder.Status in
            var i = 0
            let s = transcoder.feed(p, &i, p.count)
            return i == p.count ? s : .error
        }
        guard status == .complete, let parsed = try? JSONValue.parse(bytes: transcoder.out),
              allowed.contains(parsed.typeName) else { return value }
        return parsed
    }

    mutating func closeTaggedBody() {
        switch taggedBody.phase {
        case .name: return
        case .value:
            let style: TaggedCallStyle
            if case .tagged(let s) = format.body { style = s } else { return }
            endTaggedValue(style)
        default:
            break
        }
        emitter.arguments("}")
        callOpen = false
    }
}
