import Schema

/// gpt-oss "Harmony" output: messages `<|channel|>CHANNEL [to=RECIPIENT] [<|constrain|>json]<|message|>BODY`
/// ended by `<|end|>`, `<|call|>` or `<|return|>`, the next one opened by `<|start|>assistant`.
/// `analysis` is reasoning, `final` (and `commentary` without a recipient) is content, and a
/// `to=functions.NAME` message is a tool call whose body is the JSON arguments.
/// The output begins inside a header, because the prompt ends with `<|start|>assistant`.
final class HarmonyToolParser: ToolParser {
    static let headerMarkers = MarkerSet(["<|message|>", "<|start|>"])
    static let bodyMarkers = MarkerSet(["<|end|>", "<|call|>", "<|return|>", "<|start|>", "<|channel|>"])
    /// A header longer than this is not Harmony: the text is content.
    static let headerLimit = 1024

    let catalog: ToolCatalog
    let options: ToolParserOptions
    var emitter = EventEmitter()
    var scanner = MarkerScanner()
    var scratch: [UInt8] = []

    enum Mode { case header, content, reasoning, call, plain }
    var mode: Mode = .header
    var header: [UInt8] = []
    /// Raw header text including markers, given back as content if it is not Harmony after all.
    var headerRaw: [UInt8] = []
    var transcoder = JSONTranscoder()
    var callBroken = false
    var sawMessage = false

    init(catalog: ToolCatalog, options: ToolParserOptions) {
        self.catalog = catalog
        self.options = options
    }

    func feed(_ delta: String) -> [ToolParserEvent] {
        var delta = delta
        delta.makeContiguousUTF8()
        emitter.input = delta
        _ = delta.utf8.withContiguousStorageIfAvailable { run($0) }
        emitter.input = ""
        return emitter.take()
    }

    func finish() -> [ToolParserEvent] {
        let rest = scanner.drain()
        switch mode {
        case .header:
            if !sawMessage { emitter.content(headerRaw + rest) }
        case .content, .plain: emitter.content(rest)
        case .reasoning: emitter.reasoning(rest)
        case .call: endCall()
        }
        return emitter.take(final: true)
    }

    private func run(_ p: UnsafeBufferPointer<UInt8>) {
        var i = 0
        let n = p.count
        while i < n {
            switch mode {
            case .plain:
                emitter.contentSpan(i, n)
                i = n
            case .header:
                let start = i
                let found = scanner.scan(p, &i, n, Self.headerMarkers, into: &header)
                headerRaw.append(contentsOf: UnsafeBufferPointer(rebasing: p[start..<i]))
                if found == nil {
                    if header.count > Self.headerLimit && !sawMessage {
                        emitter.content(headerRaw + scanner.drain())
                        headerRaw.removeAll()
                        mode = .plain
                    }
                    continue
                }
                if found == 1 {
                    clearKeepingCapacity(&header)
                    continue
                }
                sawMessage = true
                beginBody(String(decoding: header, as: UTF8.self))
                clearKeepingCapacity(&header)
                clearKeepingCapacity(&headerRaw)
            case .content, .reasoning:
                let found = scanner.scan(p, &i, n, Self.bodyMarkers, into: &scratch)
                if mode == .content { emitter.content(scratch) } else { emitter.reasoning(scratch) }
                clearKeepingCapacity(&scratch)
                if let k = found { endBody(k) }
            case .call:
                let found = scanner.scan(p, &i, n, Self.bodyMarkers, into: &scratch)
                if !callBroken && !scratch.isEmpty {
                    scratch.withUnsafeBufferPointer { q in
                        var j = 0
                        let status = transcoder.feed(q, &j, q.count)
                        if status == .error { transcoder.close(); callBroken = true }
                        if status == .complete { callBroken = true }
                    }
                    emitter.arguments(transcoder.out)
                    clearKeepingCapacity(&transcoder.out)
                }
                clearKeepingCapacity(&scratch)
                if let k = found {
                    endCall()
                    endBody(k)
                }
            }
        }
    }

    private func beginBody(_ header: String) {
        var channel = ""
        var recipient: String?
        var rest = Substring(header)
        if let r = rest.firstRange(of: "<|channel|>") {
            let after = rest[r.upperBound...]
            channel = String(after.prefix { $0 != " " && $0 != "<" && $0 != "\n" })
        }
        while let r = rest.firstRange(of: "to=") {
            let after = rest[r.upperBound...]
            let value = String(after.prefix { $0 != " " && $0 != "<" && $0 != "\n" })
            if !value.isEmpty { recipient = value; break }
            rest = after
        }
        if let recipient, recipient != "user", recipient != "all" {
            var name = recipient
            if name.hasPrefix("functions.") { name.removeFirst("functions.".count) }
            let index = emitter.callCount
            emitter.startCall(id: "\(options.idPrefix)\(index)", name: name)
            transcoder = JSONTranscoder()
            callBroken = false
            mode = .call
        } else if channel == "analysis" && options.separateReasoning {
            mode = .reasoning
        } else {
            mode = .content
        }
    }

    private func endCall() {
        if !transcoder.started {
            emitter.arguments("{}")
        } else if !transcoder.isComplete {
            transcoder.close()
            emitter.arguments(transcoder.out)
            transcoder.out.removeAll()
        }
        transcoder = JSONTranscoder()
    }

    /// After a body: `<|start|>` and `<|channel|>` open a new header right away.
    private func endBody(_ marker: Int) {
        mode = .header
        clearKeepingCapacity(&header)
        clearKeepingCapacity(&headerRaw)
        if marker == 4 { header.append(contentsOf: Array("<|channel|>".utf8)) }
    }
}
