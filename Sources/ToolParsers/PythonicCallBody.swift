/// State of a pythonic call body: `[f(a=1), g(b="x")]`.
struct PythonicBodyState {
    enum Phase { case start, callIdle, name, afterName, argumentIdle, argumentKey, afterKey, argumentValue }
    var phase: Phase = .start
    var name: [UInt8] = []
    var key: [UInt8] = []
    var argumentCount = 0
    var callCount = 0
    var transcoder = JSONTranscoder(dialect: .python)
}

@inline(__always) private func isIdentifierStart(_ c: UInt8) -> Bool {
    (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || c == 0x5F
}

@inline(__always) private func isIdentifierByte(_ c: UInt8) -> Bool {
    isIdentifierStart(c) || (c >= 0x30 && c <= 0x39) || c == 0x2E || c == 0x2D
}

extension MarkupEngine {
    mutating func readPythonicBody(_ style: PythonicCallStyle, _ p: UnsafeBufferPointer<UInt8>, _ i: inout Int, _ n: Int) -> BodyStatus {
        while i < n {
            let c = p[i]
            switch pythonicBody.phase {
            case .start:
                if isJSONWhitespace(c) { i += 1; continue }
                if style.bracketed {
                    guard c == 0x5B else { return .failed }
                    i += 1
                }
                pythonicBody.phase = .callIdle
            case .callIdle:
                if isJSONWhitespace(c) || c == 0x2C { i += 1; continue }
                if style.bracketed && c == 0x5D { i += 1; return pythonicBody.callCount > 0 || !holding ? .done : .failed }
                if isIdentifierStart(c) {
                    if !holding && pythonicBody.callCount > 0 && !callOpen { beginHold(at: i) }
                    clearKeepingCapacity(&pythonicBody.name)
                    pythonicBody.phase = .name
                    continue
                }
                if holding { return .failed }
                return style.bracketed ? .broken : .done
            case .name:
                if isIdentifierByte(c) {
                    i += 1
                    pythonicBody.name.append(c)
                    if pythonicBody.name.count > 256 { return holding ? .failed : .broken }
                } else if isJSONWhitespace(c) && c != 0x0A {
                    i += 1
                    pythonicBody.phase = .afterName
                } else if c == 0x28 {
                    i += 1
                    guard commitPythonicCall(at: i) else { return .failed }
                } else {
                    return holding ? .failed : .broken
                }
            case .afterName:
                if c == 0x20 || c == 0x09 { i += 1; continue }
                guard c == 0x28 else { return holding ? .failed : .broken }
                i += 1
                guard commitPythonicCall(at: i) else { return .failed }
            case .argumentIdle:
                if isJSONWhitespace(c) || c == 0x2C { i += 1; continue }
                if c == 0x29 {
                    i += 1
                    emitter.arguments("}")
                    callOpen = false
                    pythonicBody.phase = .callIdle
                } else if isIdentifierStart(c) {
                    clearKeepingCapacity(&pythonicBody.key)
                    pythonicBody.phase = .argumentKey
                } else {
                    closePythonicBody()
                    return .broken
                }
            case .argumentKey:
                if isIdentifierStart(c) || (c >= 0x30 && c <= 0x39) {
                    i += 1
                    pythonicBody.key.append(c)
                } else if c == 0x20 || c == 0x09 {
                    i += 1
                    pythonicBody.phase = .afterKey
                } else if c == 0x3D {
                    i += 1
                    beginPythonicArgument()
                } else {
                    closePythonicBody()
                    return .broken
                }
            case .afterKey:
                if c == 0x20 || c == 0x09 { i += 1; continue }
                guard c == 0x3D else { closePythonicBody(); return .broken }
                i += 1
                beginPythonicArgument()
            case .argumentValue:
                let status = pythonicBody.transcoder.feed(p, &i, n)
                emitter.arguments(pythonicBody.transcoder.out)
                clearKeepingCapacity(&pythonicBody.transcoder.out)
                switch status {
                case .needMore: return .needMore
                case .complete: pythonicBody.phase = .argumentIdle
                case .error:
                    closePythonicBody()
                    return .broken
                }
            }
        }
        return .needMore
    }

    private mutating func commitPythonicCall(at i: Int) -> Bool {
        guard commit(name: String(decoding: pythonicBody.name, as: UTF8.self), id: nil, at: i) else { return false }
        emitter.arguments("{")
        pythonicBody.callCount += 1
        pythonicBody.argumentCount = 0
        pythonicBody.phase = .argumentIdle
        return true
    }

    private mutating func beginPythonicArgument() {
        var prefix: [UInt8] = pythonicBody.argumentCount > 0 ? [0x2C, 0x20, 0x22] : [0x22]
        appendJSONStringBody(pythonicBody.key, to: &prefix)
        prefix += Array("\": ".utf8)
        emitter.arguments(prefix)
        pythonicBody.argumentCount += 1
        pythonicBody.transcoder.reset(.python)
        pythonicBody.phase = .argumentValue
    }

    mutating func closePythonicBody() {
        guard callOpen else { return }
        switch pythonicBody.phase {
        case .argumentValue:
            pythonicBody.transcoder.close()
            emitter.arguments(pythonicBody.transcoder.out)
            pythonicBody.transcoder.out.removeAll()
        case .argumentKey, .afterKey:
            // A key without a value: drop it (its prefix was not sent yet).
            break
        default: break
        }
        emitter.arguments("}")
        callOpen = false
    }
}
