import Schema

/// What a call-body reader reports after consuming some input.
enum BodyStatus {
    /// The input ran out inside the body.
    case needMore
    /// The body ended; the input index is just past it.
    case done
    /// The text is not a call and nothing was committed: it is content after all.
    case failed
    /// A committed call went wrong mid-way: its arguments were closed; the rest is content.
    case broken
}

/// A parser for a `MarkupFormat` (the state lives in a struct so the hot loop runs without
/// dynamic exclusivity checks).
final class MarkupToolParser: ToolParser {
    let format: MarkupFormat
    let catalog: ToolCatalog
    let options: ToolParserOptions
    let tables: MarkupTables?
    /// The streaming engine, made by the first feed (a whole-text parse of a JSON format needs none).
    private var box: MarkupEngineBox?

    init(format: MarkupFormat, catalog: ToolCatalog, options: ToolParserOptions, tables: MarkupTables? = nil) {
        self.format = format
        self.catalog = catalog
        self.options = options
        self.tables = tables
    }

    /// The streaming engine (made now if no text was fed yet).
    var engine: MarkupEngine { streamingEngine().engine }

    @inline(__always) private func streamingEngine() -> MarkupEngineBox {
        if let box { return box }
        let made = MarkupEngineBox(MarkupEngine(format: format, catalog: catalog, options: options, tables: tables))
        box = made
        return made
    }

    /// Whether text went through the streaming engine (a whole-text parse is only for a fresh parser).
    private var streamed = false

    func feed(_ delta: String) -> [ToolParserEvent] {
        streamed = true
        return streamingEngine().engine.feed(delta)
    }

    func finish() -> [ToolParserEvent] {
        streamed = true
        return streamingEngine().engine.finish()
    }

    /// One pass over the whole text where the format allows it (see `WholeTextReader`), else the stream fed once.
    func parse(_ text: String) -> ParsedOutput {
        if !streamed, let reader = WholeTextReader(format: format, tables: tables, catalog: catalog, options: options),
           let output = reader.parse(text) {
            streamed = true
            return output
        }
        var output = ParsedOutput(events: feed(text))
        output.apply(finish())
        return output
    }
}

/// Holds a parser's streaming engine once it is made (a reference, so the engine is never copied).
final class MarkupEngineBox {
    var engine: MarkupEngine
    init(_ engine: MarkupEngine) { self.engine = engine }
}

/// The generic engine for marker-delimited formats (`MarkupFormat`): running text, reasoning,
/// call sections and call bodies (JSON, tagged parameters, pythonic). Works on UTF-8 bytes in
/// one forward pass; text that might still turn out to be a marker or an uncommitted call is
/// held back, everything else is emitted at once.
struct MarkupEngine {
    let format: MarkupFormat
    let catalog: ToolCatalog
    let options: ToolParserOptions

    var emitter = EventEmitter()
    var scanner = MarkerScanner()
    var scratch: [UInt8] = []
    /// Bytes after a call body that may begin its end marker.
    var endPending: [UInt8] = []
    /// The end markers `endPending` is a prefix of.
    var endLive: UInt64 = 0

    /// `brokenCall`: the rest of a committed call whose body went wrong, content up to the call's end marker.
    enum Mode { case text, reasoning, sectionIdle, body, afterBody, brokenCall }
    var mode: Mode = .text
    var inSection = false
    /// Whitespace between the calls of a section, kept only if stray text follows it.
    var sectionSpace: [UInt8] = []

    // Marker sets.
    let textSet: MarkerSet
    let reasoningSet: MarkerSet
    let sectionSet: MarkerSet
    let afterBodySet: MarkerSet
    let triggerCount: Int
    let anchoredBytes: [UInt8]
    let chainBytes: [UInt8]

    // Whitespace and anchoring.
    var anchorOpen: Bool
    var holdWhitespace = true
    var whitespace: [UInt8] = []

    // An uncommitted call: its raw text is held until it is known to be a call.
    var holding = false
    var held: [UInt8] = []
    var holdFrom = 0
    var anchored = false
    var callOpen = false

    // Body readers' state.
    var jsonBody = JSONBodyState()
    var taggedBody = TaggedBodyState()
    var pythonicBody = PythonicBodyState()
    var keyValueBody = KeyValueBodyState()
    var nestedBody = NestedXMLBodyState()
    let taggedSets: TaggedMarkerSets?
    let nameArgsSet: MarkerSet?
    /// The format's tables; the JSON call style is read from here (a class), so the hot loop never copies it.
    let tables: MarkupTables
    let bodyKind: MarkupTables.BodyKind

    /// Work done so far, in bytes: every byte scanned, copied or converted by this engine and its
    /// emitter. Tests use it to check that streaming costs O(length) however the text is split.
    var work: Int { scanned + emitter.work }
    var scanned = 0

    init(format: MarkupFormat, catalog: ToolCatalog, options: ToolParserOptions, tables: MarkupTables? = nil) {
        self.format = format
        self.catalog = catalog
        self.options = options
        let t = tables.flatMap { options.separateReasoning ? $0 : nil } ?? MarkupTables(format: format, separateReasoning: options.separateReasoning)
        textSet = t.textSet
        reasoningSet = t.reasoningSet
        sectionSet = t.sectionSet
        afterBodySet = t.afterBodySet
        triggerCount = t.triggerCount
        anchoredBytes = t.anchoredBytes
        chainBytes = t.chainBytes
        taggedSets = t.taggedSets
        nameArgsSet = t.nameArgsSet
        self.tables = t
        bodyKind = t.bodyKind
        anchorOpen = !format.anchoredStarts.isEmpty
        let reasoning = options.separateReasoning ? format.reasoning : nil
        if let reasoning, options.startsInReasoning ?? reasoning.startsInside { mode = .reasoning }
    }

    // MARK: ToolParser

    mutating func feed(_ delta: String) -> [ToolParserEvent] {
        var delta = delta
        delta.makeContiguousUTF8()
        emitter.input = delta
        _ = delta.utf8.withContiguousStorageIfAvailable { p in
            emitter.inputBytes = p
            run(p)
            emitter.inputBytes = UnsafeBufferPointer(start: nil, count: 0)
        }
        emitter.input = ""
        return emitter.take()
    }

    mutating func finish() -> [ToolParserEvent] {
        switch mode {
        case .text:
            let rest = scanner.drain()
            if !rest.isEmpty { emitText(rest[...]) }
            if !holdWhitespace || anchorOpen { emitter.content(whitespace) }
            whitespace.removeAll()
        case .reasoning:
            emitter.reasoning(scanner.drain())
        case .brokenCall:
            // What is held may begin the call's end marker (dropped, as after any call) or a trigger (text).
            let rest = scanner.drain()
            if afterBodySet.live(for: rest) & 1 == 0 { emitText(rest[...]) }
        case .sectionIdle, .body, .afterBody:
            if holding {
                revert()
            } else if mode == .body {
                closeCommittedBody()
            } else if mode == .afterBody && !endPending.isEmpty && endLive & 1 == 0 {
                // A cut-off trigger after a call is text, as in running text (a cut-off end marker
                // only closes the call).
                emitter.content(endPending)
            }
            clearKeepingCapacity(&endPending)
            scanner.reset()
        }
        return emitter.take(final: true)
    }

    // MARK: the main loop

    mutating func run(_ p: UnsafeBufferPointer<UInt8>) {
        var i = 0
        let n = p.count
        scanned &+= n
        holdFrom = 0
        while i < n {
            switch mode {
            case .text:
                if anchorOpen && scanner.pending.isEmpty {
                    let b = p[i]
                    if isJSONWhitespace(b) {
                        whitespace.append(b)
                        i += 1
                        continue
                    }
                    if anchoredBytes.contains(b) {
                        whitespace.removeAll()
                        anchorOpen = false
                        holdWhitespace = false
                        beginHold(at: i)
                        anchored = true
                        startBody()
                        continue
                    }
                    anchorOpen = false
                }
                if scanner.pending.isEmpty {
                    // Plain text up to the next byte that may begin a marker goes out as a span of the input.
                    let start = i
                    while i < n && !textSet.startsMarker(p[i]) { i += 1 }
                    if i > start { emitTextSpan(p, start, i) }
                    if i == n { continue }
                }
                let found = scanner.scan(p, &i, n, textSet, into: &scratch)
                if !scratch.isEmpty { emitText(scratch[...]); clearKeepingCapacity(&scratch) }
                if let k = found {
                    if k < triggerCount { trigger(k, p, i) } else if k == triggerCount { mode = .reasoning }
                    // Later indices: dropped markers.
                }
            case .reasoning:
                if scanner.pending.isEmpty {
                    let start = i
                    while i < n && !reasoningSet.startsMarker(p[i]) { i += 1 }
                    emitter.reasoningSpan(start, i)
                    if i == n { continue }
                }
                let found = scanner.scan(p, &i, n, reasoningSet, into: &scratch)
                if !scratch.isEmpty { emitter.reasoning(scratch); clearKeepingCapacity(&scratch) }
                if let k = found {
                    if k < triggerCount { trigger(k, p, i) } else if k == triggerCount { mode = .text }
                }
            case .sectionIdle:
                let found = scanner.scan(p, &i, n, sectionSet, into: &scratch)
                if scratch.contains(where: { !isJSONWhitespace($0) }) {
                    // Stray text inside a section: not a call.
                    if holding {
                        clearKeepingCapacity(&scratch)
                        noteHeld(p, i)
                        revert()
                        mode = .text
                        continue
                    }
                }
                if !holding { strayTextInSection() }
                clearKeepingCapacity(&scratch)
                if let k = found {
                    clearKeepingCapacity(&sectionSpace)
                    if k == 0 {
                        if !holding { beginHold(at: i) ; held.append(contentsOf: tables.callStartBytes) }
                        startBody()
                    } else {
                        // Section end.
                        if holding { noteHeld(p, i); revert(); mode = .text; continue }
                        inSection = false
                        enterTextAfterCall()
                    }
                }
                if holding { noteHeld(p, i) }
            case .body:
                let status = readBody(p, &i, n)
                if holding { noteHeld(p, i) }
                switch status {
                case .needMore: break
                case .done:
                    callOpen = false
                    afterBody()
                case .failed:
                    revert()
                    mode = .text
                case .broken:
                    callOpen = false
                    holding = false
                    holdWhitespace = false
                    if format.callEnd != nil && (bodyKind == .json || bodyKind == .pythonic || bodyKind == .keyValue) {
                        // The rest is content, but the call's end marker (when it comes) is not.
                        mode = .brokenCall
                    } else {
                        inSection = false
                        mode = .text
                    }
                }
            case .brokenCall:
                let found = scanner.scan(p, &i, n, afterBodySet, into: &scratch)
                if !scratch.isEmpty { emitText(scratch[...]); clearKeepingCapacity(&scratch) }
                if let k = found {
                    endCall()
                    if k > 0 { trigger(k - 1, p, i) }
                }
            case .afterBody:
                let b = p[i]
                if endPending.isEmpty {
                    if isJSONWhitespace(b) || chainBytes.contains(b) { i += 1; continue }
                    if !afterBodySet.startsMarker(b) {
                        if startsAnotherBody(b) {
                            beginHold(at: i)
                            startBody()
                        } else {
                            endCall()
                        }
                        continue
                    }
                }
                let live = endPending.isEmpty ? afterBodySet.markersStarting(with: b)
                    : afterBodySet.advance(endLive, position: endPending.count, byte: b)
                if live == 0 {
                    // Not the end marker after all: `b` and the held bytes are read again as what follows the call.
                    rereadAfterBody(p, i)
                    continue
                }
                endLive = live
                endPending.append(b)
                i += 1
                if let k = afterBodySet.complete(endLive, length: endPending.count) {
                    clearKeepingCapacity(&endPending)
                    endCall()
                    if k > 0 { trigger(k - 1, p, i) }
                }
            }
        }
        if holding { noteHeld(p, n) }
    }

    // MARK: transitions

    /// Input bytes `a..<b` in content mode, with whitespace held at the start and after calls.
    mutating func emitTextSpan(_ p: UnsafeBufferPointer<UInt8>, _ a: Int, _ b: Int) {
        if !holdWhitespace {
            emitter.contentSpan(a, b)
            return
        }
        var k = a
        while k < b && isJSONWhitespace(p[k]) { k += 1 }
        if k > a { whitespace.append(contentsOf: UnsafeBufferPointer(rebasing: p[a..<k])) }
        if k < b {
            emitter.content(whitespace)
            whitespace.removeAll()
            holdWhitespace = false
            anchorOpen = false
            emitter.contentSpan(k, b)
        }
    }

    /// Text in content mode, with whitespace held at the start and after calls.
    mutating func emitText(_ bytes: ArraySlice<UInt8>) {
        if !holdWhitespace {
            emitter.content(bytes)
            return
        }
        var k = bytes.startIndex
        while k < bytes.endIndex && isJSONWhitespace(bytes[k]) { k += 1 }
        whitespace.append(contentsOf: bytes[bytes.startIndex..<k])
        if k < bytes.endIndex {
            emitter.content(whitespace)
            whitespace.removeAll()
            holdWhitespace = false
            anchorOpen = false
            emitter.content(bytes[k...])
        }
    }

    mutating func trigger(_ k: Int, _ p: UnsafeBufferPointer<UInt8>, _ i: Int) {
        whitespace.removeAll()
        holdWhitespace = false
        anchorOpen = false
        let t = format.triggers[k]
        beginHold(at: i)
        held.append(contentsOf: tables.triggerBytes[k])
        anchored = false
        switch t.effect {
        case .section:
            inSection = true
            clearKeepingCapacity(&sectionSpace)
            mode = .sectionIdle
        case .call:
            inSection = false
            startBody()
        }
    }

    mutating func beginHold(at i: Int) {
        holding = true
        clearKeepingCapacity(&held)
        holdFrom = i
    }

    mutating func noteHeld(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) {
        if i > holdFrom {
            held.append(contentsOf: UnsafeBufferPointer(rebasing: p[holdFrom..<i]))
            scanned &+= i - holdFrom
        }
        holdFrom = i
    }

    /// An uncommitted call turned out not to be one: its text is content.
    mutating func revert() {
        scanner.reset()
        emitter.content(held)
        held.removeAll()
        holding = false
        inSection = false
        anchorOpen = false
        holdWhitespace = false
        whitespace.removeAll()
    }

    /// Records the call as real: its name (and id) go out, held text is dropped.
    /// Returns false when the name is not plausible (then the caller fails the body).
    mutating func commit(name: String, id: String?, at i: Int) -> Bool {
        guard isPlausibleToolName(name) else { return false }
        if anchored && !catalog.tools.isEmpty && catalog.tool(named: name) == nil { return false }
        let index = emitter.callCount
        emitter.startCall(id: id ?? options.idPrefix + String(index), name: name)
        holding = false
        clearKeepingCapacity(&held)
        holdFrom = i
        callOpen = true
        return true
    }

    mutating func startBody() {
        mode = .body
        switch bodyKind {
        case .json: jsonBody.reset()
        case .tagged: taggedBody = TaggedBodyState()
        case .pythonic: pythonicBody = PythonicBodyState()
        case .keyValue: keyValueBody = KeyValueBodyState()
        case .nestedXML: nestedBody = NestedXMLBodyState()
        }
    }

    mutating func readBody(_ p: UnsafeBufferPointer<UInt8>, _ i: inout Int, _ n: Int) -> BodyStatus {
        switch format.body {
        case .json: return readJSONBody(p, &i, n)
        case .tagged(let style): return readTaggedBody(style, p, &i, n)
        case .pythonic(let style): return readPythonicBody(style, p, &i, n)
        case .keyValue(let style): return readKeyValueBody(style, p, &i, n)
        case .nestedXML(let style): return readNestedXMLBody(style, p, &i, n)
        }
    }

    mutating func closeCommittedBody() {
        guard callOpen else { return }
        switch bodyKind {
        case .json: closeJSONBody()
        case .tagged: closeTaggedBody()
        case .pythonic: closePythonicBody()
        case .keyValue: closeKeyValueBody()
        case .nestedXML: closeNestedXMLBody()
        }
        callOpen = false
    }

    mutating func afterBody() {
        if bodyKind == .tagged || bodyKind == .nestedXML { endCall() } else { mode = .afterBody; clearKeepingCapacity(&endPending) }
    }

    /// Whether `b` starts another call body right after one (Llama's `{…}; {…}`, two objects in one hermes block).
    mutating func startsAnotherBody(_ b: UInt8) -> Bool {
        guard bodyKind == .json, !chainBytes.isEmpty || format.callEnd != nil else { return false }
        return (b == 0x7B && tables.json.allowsObject) || (b == 0x5B && tables.json.allowsArray)
    }

    /// Bytes held after a call body as a possible end marker that turned out not to be one: the call
    /// is over, and they are scanned again as the text (or the section) after it, so that a marker
    /// beginning inside them is still found and what is not a marker is content.
    mutating func rereadAfterBody(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) {
        endCall()
        let carried = endPending
        clearKeepingCapacity(&endPending)
        endLive = 0
        if mode == .sectionIdle {
            let found = scanner.carry(carried, sectionSet, into: &scratch)
            strayTextInSection()
            clearKeepingCapacity(&scratch)
            if found != nil { clearKeepingCapacity(&sectionSpace) }
            if found == 0 {
                beginHold(at: i)
                held.append(contentsOf: tables.callStartBytes)
                startBody()
            } else if found != nil {
                inSection = false
                enterTextAfterCall()
            }
        } else {
            let found = scanner.carry(carried, textSet, into: &scratch)
            if !scratch.isEmpty { emitText(scratch[...]); clearKeepingCapacity(&scratch) }
            if let k = found {
                if k < triggerCount { trigger(k, p, i) } else if k == triggerCount { mode = .reasoning }
            }
        }
    }

    /// Text between the calls of a section (`scratch`): whitespace there is layout and dropped, other
    /// text is content with the whitespace inside it, however the text was split into deltas.
    mutating func strayTextInSection() {
        guard let last = scratch.lastIndex(where: { !isJSONWhitespace($0) }) else {
            sectionSpace.append(contentsOf: scratch)
            return
        }
        emitter.content(sectionSpace)
        clearKeepingCapacity(&sectionSpace)
        emitter.content(scratch[...last])
        sectionSpace.append(contentsOf: scratch[(last + 1)...])
    }

    mutating func endCall() {
        holding = false
        if inSection { mode = .sectionIdle } else { enterTextAfterCall() }
    }

    mutating func enterTextAfterCall() {
        mode = .text
        holdWhitespace = true
        whitespace.removeAll()
    }
}

/// The marker sets of a format, built once and shared by all its parsers (with reasoning separated).
final class MarkupTables: Sendable {
    let textSet: MarkerSet
    let reasoningSet: MarkerSet
    let sectionSet: MarkerSet
    let afterBodySet: MarkerSet
    let triggerCount: Int
    let anchoredBytes: [UInt8]
    let chainBytes: [UInt8]
    let taggedSets: TaggedMarkerSets?
    let nameArgsSet: MarkerSet?
    /// Each trigger's marker and the call start marker, as bytes.
    let triggerBytes: [[UInt8]]
    let callStartBytes: [UInt8]
    /// The JSON style's name keys, as bytes.
    let nameKeyBytes: [[UInt8]]
    let argumentKeyBytes: [[UInt8]]
    /// Gemma-style bodies: the name prefix and the string delimiter, as bytes.
    let keyValuePrefix: [UInt8]
    let keyValueDelimiter: [UInt8]
    let nestedSets: NestedXMLMarkerSets?
    enum BodyKind: Sendable { case json, tagged, pythonic, keyValue, nestedXML }
    let bodyKind: BodyKind
    /// The JSON call style (the default style for other bodies, unused there).
    let json: JSONCallStyle
    /// Bit k: trigger k opens a call section.
    let sectionTriggers: UInt64
    /// Whether a JSON body may follow another directly (chain separators, or a call end marker).
    let chainsBodies: Bool

    init(format: MarkupFormat, separateReasoning: Bool = true) {
        let reasoning = separateReasoning ? format.reasoning : nil
        let triggerMarkers = format.triggers.map(\.marker)
        triggerCount = triggerMarkers.count
        // Index layout: triggers first, then the reasoning marker(s), then dropped markers.
        textSet = MarkerSet(triggerMarkers + [reasoning?.start ?? ""] + format.droppedMarkers)
        reasoningSet = MarkerSet(triggerMarkers + (reasoning.map { [$0.end, $0.start] } ?? []))
        sectionSet = MarkerSet([format.callStart ?? "", format.sectionEnd ?? ""])
        afterBodySet = MarkerSet([format.callEnd ?? ""] + triggerMarkers)
        anchoredBytes = format.anchoredStarts.compactMap { $0.utf8.first }
        triggerBytes = triggerMarkers.map { Array($0.utf8) }
        callStartBytes = Array((format.callStart ?? "").utf8)
        chainBytes = Array(format.chainSeparators.utf8)
        var sections: UInt64 = 0
        for (k, t) in format.triggers.prefix(64).enumerated() where t.effect == .section { sections |= 1 << UInt64(k) }
        sectionTriggers = sections
        chainsBodies = !chainBytes.isEmpty || format.callEnd != nil
        if case .tagged(let style) = format.body {
            taggedSets = TaggedMarkerSets(style: style, callEnd: format.callEnd ?? "")
        } else {
            taggedSets = nil
        }
        switch format.body {
        case .json(let style): bodyKind = .json; json = style
        case .tagged: bodyKind = .tagged; json = JSONCallStyle()
        case .pythonic: bodyKind = .pythonic; json = JSONCallStyle()
        case .keyValue: bodyKind = .keyValue; json = JSONCallStyle()
        case .nestedXML: bodyKind = .nestedXML; json = JSONCallStyle()
        }
        if case .keyValue(let style) = format.body {
            keyValuePrefix = Array(style.namePrefix.utf8)
            keyValueDelimiter = Array(style.stringDelimiter.utf8)
        } else {
            keyValuePrefix = []
            keyValueDelimiter = []
        }
        if case .nestedXML(let style) = format.body {
            nestedSets = NestedXMLMarkerSets(tagPrefix: MarkerSet([style.tagPrefix]), nameEnd: MarkerSet([style.nameEnd]))
        } else {
            nestedSets = nil
        }
        nameKeyBytes = json.nameKeys.map { Array($0.utf8) }
        argumentKeyBytes = json.argumentKeys.map { Array($0.utf8) }
        if case .json(let style) = format.body, let n = style.nameThenArguments {
            nameArgsSet = MarkerSet(n.nameEnd + [n.idMarker ?? "", n.dropThrough ?? ""])
        } else {
            nameArgsSet = nil
        }
    }
}

/// The marker sets a nested-XML body scans with.
struct NestedXMLMarkerSets: Sendable {
    let tagPrefix: MarkerSet
    let nameEnd: MarkerSet
}

/// A tool name as models write them: no spaces, quotes or markup, at most 256 bytes.
func isPlausibleToolName(_ name: String) -> Bool {
    var name = name
    return name.withUTF8 { isPlausibleToolName($0) }
}

/// `isPlausibleToolName` on the name's UTF-8 bytes.
func isPlausibleToolName(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    if bytes.isEmpty || bytes.count > 256 { return false }
    for b in bytes {
        if b <= 0x20 || b == 0x22 || b == 0x27 || b == 0x3C || b == 0x3E || b == 0x7B || b == 0x7D
            || b == 0x5B || b == 0x5D || b == 0x28 || b == 0x29 || b == 0x2C || b == 0x5C || b == 0x60 { return false }
    }
    return true
}

extension String {
    /// The string without leading and trailing spaces, tabs and newlines.
    var trimmedSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\n" || f == "\t" || f == "\r" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\n" || l == "\t" || l == "\r" { s.removeLast() }
        return String(s)
    }
}
