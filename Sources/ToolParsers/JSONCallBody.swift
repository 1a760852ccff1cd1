/// State of a JSON call body (see `JSONCallStyle`).
struct JSONBodyState {
    enum Phase { case start, arrayIdle, keyOrEnd, key, colon, valueStart, value, nameRegion, idRegion, argumentsStart, argumentsValue, suffix }
    enum ValueKind { case name, arguments, other }
    var phase: Phase = .start
    var inArray = false
    var key: [UInt8] = []
    var keyEscaped = false
    var transcoder: JSONTranscoder = {
        var t = JSONTranscoder()
        t.keepsRuns = true
        return t
    }()
    var kind: ValueKind = .other
    var name: String?
    var id: String?
    var argumentsStarted = false
    var pendingArguments: [UInt8] = []
    var committed = false
    var region: [UInt8] = []
    var suffixPosition = 0

    /// Starts a new body, keeping the buffers' capacity.
    mutating func reset() {
        phase = .start
        inArray = false
        resetCall()
        transcoder.reset()
        kind = .other
        clearKeepingCapacity(&region)
        suffixPosition = 0
    }

    mutating func resetCall() {
        clearKeepingCapacity(&key); keyEscaped = false; name = nil; id = nil
        argumentsStarted = false; committed = false
        if !pendingArguments.isEmpty { clearKeepingCapacity(&pendingArguments) }
    }
}

extension MarkupEngine {
    /// Reads a JSON call body: call objects, arrays of them, or NAME + arguments.
    mutating func readJSONBody(_ p: UnsafeBufferPointer<UInt8>, _ i: inout Int, _ n: Int) -> BodyStatus {
        let t = tables
        while i < n {
            let c = p[i]
            switch jsonBody.phase {
            case .start:
                if isJSONWhitespace(c) { i += 1; continue }
                if c == 0x7B && t.json.allowsObject {
                    i += 1
                    jsonBody.resetCall()
                    jsonBody.phase = .keyOrEnd
                } else if c == 0x5B && t.json.allowsArray {
                    i += 1
                    jsonBody.inArray = true
                    jsonBody.phase = .arrayIdle
                } else if t.json.nameThenArguments != nil {
                    jsonBody.resetCall()
                    jsonBody.region.removeAll()
                    jsonBody.phase = .nameRegion
                } else {
                    return .failed
                }
            case .arrayIdle:
                if isJSONWhitespace(c) || c == 0x2C { i += 1; continue }
                if c == 0x7B {
                    if !holding { beginHold(at: i) }
                    i += 1
                    jsonBody.resetCall()
                    jsonBody.phase = .keyOrEnd
                } else if c == 0x5D {
                    i += 1
                    return .done
                } else {
                    return holding ? .failed : .broken
                }
            case .keyOrEnd:
                if isJSONWhitespace(c) || c == 0x2C { i += 1; continue }
                if c == 0x22 {
                    i += 1
                    clearKeepingCapacity(&jsonBody.key)
                    jsonBody.phase = .key
                } else if c == 0x7D {
                    i += 1
                    guard let name = jsonBody.name else { return failOrBreak() }
                    if !jsonBody.committed {
                        guard commitJSONCall(name: name, at: i) else { return .failed }
                    }
                    if !jsonBody.argumentsStarted { emitter.arguments("{}") }
                    callOpen = false
                    jsonBody.resetCall()
                    if jsonBody.inArray { jsonBody.phase = .arrayIdle } else { return .done }
                } else {
                    return failOrBreak()
                }
            case .key:
                i += 1
                if jsonBody.keyEscaped {
                    jsonBody.keyEscaped = false
                    jsonBody.key.append(c)
                } else if c == 0x5C {
                    jsonBody.keyEscaped = true
                } else if c == 0x22 {
                    jsonBody.phase = .colon
                } else {
                    jsonBody.key.append(c)
                    if jsonBody.key.count > 256 { return failOrBreak() }
                }
            case .colon:
                if isJSONWhitespace(c) { i += 1; continue }
                guard c == 0x3A else { return failOrBreak() }
                i += 1
                jsonBody.phase = .valueStart
            case .valueStart:
                if isJSONWhitespace(c) { i += 1; continue }
                jsonBody.transcoder.reset()
                if t.json.nameIsKey && jsonBody.name == nil && !jsonBody.argumentsStarted {
                    // {"NAME": {arguments}}: the key is the name, the value the arguments.
                    let key = String(decoding: jsonBody.key, as: UTF8.self)
                    jsonBody.name = key
                    jsonBody.kind = .arguments
                    jsonBody.argumentsStarted = true
                    guard commitJSONCall(name: key, at: i) else { return .failed }
                } else if jsonBody.name == nil && t.nameKeyBytes.contains(jsonBody.key) {
                    guard c == 0x22 else { return failOrBreak() }
                    jsonBody.kind = .name
                } else if !jsonBody.argumentsStarted && t.argumentKeyBytes.contains(jsonBody.key) {
                    jsonBody.kind = .arguments
                    jsonBody.argumentsStarted = true
                    if let name = jsonBody.name, !jsonBody.committed {
                        guard commitJSONCall(name: name, at: i) else { return .failed }
                    }
                } else {
                    jsonBody.kind = .other
                }
                jsonBody.phase = .value
            case .value:
                let status = jsonBody.transcoder.feed(p, &i, n)
                switch jsonBody.kind {
                case .arguments:
                    if jsonBody.transcoder.hasOutput {
                        if jsonBody.committed {
                            emitter.arguments(from: &jsonBody.transcoder)
                        } else {
                            jsonBody.transcoder.materialize(p)
                            jsonBody.pendingArguments += jsonBody.transcoder.out
                            clearKeepingCapacity(&jsonBody.transcoder.out)
                        }
                    }
                case .other:
                    jsonBody.transcoder.discardOutput()
                case .name:
                    jsonBody.transcoder.materialize(p)
                    if jsonBody.transcoder.out.count > 300 { return failOrBreak() }
                }
                switch status {
                case .needMore:
                    return .needMore
                case .complete:
                    if jsonBody.kind == .name {
                        let name = decodeCanonicalJSONString(jsonBody.transcoder.out)
                        jsonBody.name = name
                        if jsonBody.argumentsStarted && !jsonBody.committed {
                            guard commitJSONCall(name: name, at: i) else { return .failed }
                        }
                    }
                    jsonBody.phase = .keyOrEnd
                case .error:
                    if jsonBody.committed {
                        closeJSONBody()
                        callOpen = false
                        return .broken
                    }
                    return .failed
                }
            case .nameRegion, .idRegion:
                guard let spec = t.json.nameThenArguments, let set = nameArgsSet else { return .failed }
                let found = scanner.scan(p, &i, n, set, into: &jsonBody.region)
                if jsonBody.region.count > 512 { return .failed }
                guard let k = found else { return .needMore }
                let text = String(decoding: jsonBody.region, as: UTF8.self).trimmedSpaces
                clearKeepingCapacity(&jsonBody.region)
                if k < spec.nameEnd.count {
                    if jsonBody.phase == .idRegion { jsonBody.id = text } else { jsonBody.name = text }
                    jsonBody.phase = .argumentsStart
                } else if k == spec.nameEnd.count {
                    if jsonBody.phase == .nameRegion { jsonBody.name = text; jsonBody.phase = .idRegion }
                }
                // k == nameEnd.count + 1: the dropped prefix (already cleared).
            case .argumentsStart:
                if isJSONWhitespace(c) { i += 1; continue }
                guard let spec = t.json.nameThenArguments, var name = jsonBody.name else { return .failed }
                var id = jsonBody.id
                if spec.namespacedID {
                    id = name
                    if name.hasPrefix("functions.") { name.removeFirst("functions.".count) }
                    if let colon = name.lastIndex(of: ":"), name[name.index(after: colon)...].allSatisfy(\.isNumber) {
                        name = String(name[..<colon])
                    }
                }
                jsonBody.id = id
                guard commitJSONCall(name: name, at: i) else { return .failed }
                jsonBody.argumentsStarted = true
                jsonBody.transcoder.reset()
                jsonBody.phase = .argumentsValue
            case .argumentsValue:
                let status = jsonBody.transcoder.feed(p, &i, n)
                emitter.arguments(from: &jsonBody.transcoder)
                switch status {
                case .needMore: return .needMore
                case .complete:
                    if t.json.nameThenArguments?.argumentsSuffix != nil {
                        jsonBody.suffixPosition = 0
                        jsonBody.phase = .suffix
                    } else {
                        callOpen = false
                        return .done
                    }
                case .error:
                    closeJSONBody()
                    callOpen = false
                    return .broken
                }
            case .suffix:
                let suffix = Array((t.json.nameThenArguments?.argumentsSuffix ?? "").utf8)
                if jsonBody.suffixPosition == 0 && isJSONWhitespace(c) { i += 1; continue }
                if jsonBody.suffixPosition < suffix.count && c == suffix[jsonBody.suffixPosition] {
                    i += 1
                    jsonBody.suffixPosition += 1
                    if jsonBody.suffixPosition == suffix.count { callOpen = false; return .done }
                } else {
                    callOpen = false
                    return .done
                }
            }
        }
        return .needMore
    }

    private mutating func failOrBreak() -> BodyStatus {
        if jsonBody.committed {
            closeJSONBody()
            callOpen = false
            return .broken
        }
        return holding ? .failed : .broken
    }

    private mutating func commitJSONCall(name: String, at i: Int) -> Bool {
        guard commit(name: name, id: jsonBody.id, at: i) else { return false }
        jsonBody.committed = true
        if !jsonBody.pendingArguments.isEmpty {
            emitter.arguments(jsonBody.pendingArguments)
            clearKeepingCapacity(&jsonBody.pendingArguments)
        }
        return true
    }

    /// Closes a committed call's arguments at the end of the stream or at an error.
    mutating func closeJSONBody() {
        switch jsonBody.phase {
        case .value where jsonBody.kind == .arguments, .argumentsValue:
            jsonBody.transcoder.close()
            emitter.arguments(jsonBody.transcoder.out)
            jsonBody.transcoder.out.removeAll()
        case .suffix:
            break
        default:
            if !jsonBody.argumentsStarted { emitter.arguments("{}") }
        }
        jsonBody.argumentsStarted = true
    }
}
