import Schema

/// State of a nested-XML call body (MiniMax M3): `NAME">` then `NS<key>VALUE NS</key>`… up to `NS</invoke>`.
struct NestedXMLBodyState {
    enum Phase { case name, content, tagStart, tagName }
    /// One element of a parameter's value: its tag, its text, its children (indices into `nodes`).
    struct Node {
        var tag: String
        var text: [UInt8] = []
        var children: [Int] = []
    }
    var phase: Phase = .name
    var name = ""
    var buffer: [UInt8] = []
    var closing = false
    /// 0 between parameters, 1 inside a parameter, more inside nested elements.
    var depth = 0
    var parameterCount = 0
    var key = ""
    /// The current parameter is a string (by its schema) sent as it arrives.
    var streaming = false
    var nodes: [Node] = []
    var stack: [Int] = []
}

extension MarkupEngine {
    mutating func readNestedXMLBody(_ style: NestedXMLCallStyle, _ p: UnsafeBufferPointer<UInt8>, _ i: inout Int, _ n: Int) -> BodyStatus {
        guard let sets = tables.nestedSets else { return .failed }
        while i < n {
            switch nestedBody.phase {
            case .name:
                let found = scanner.scan(p, &i, n, sets.nameEnd, into: &nestedBody.buffer)
                if nestedBody.buffer.count > 512 { return .failed }
                guard found != nil else { return .needMore }
                let name = String(decoding: nestedBody.buffer, as: UTF8.self).trimmedSpaces
                clearKeepingCapacity(&nestedBody.buffer)
                guard commit(name: name, id: nil, at: i) else { return .failed }
                nestedBody.name = name
                emitter.arguments("{")
                nestedBody.phase = .content
            case .content:
                let found = scanner.scan(p, &i, n, sets.tagPrefix, into: &nestedBody.buffer)
                takeNestedText()
                guard found != nil else { return .needMore }
                nestedBody.phase = .tagStart
            case .tagStart:
                let c = p[i]
                if c == 0x3C {
                    i += 1
                    nestedBody.closing = false
                    nestedBody.phase = .tagName
                    clearKeepingCapacity(&nestedBody.buffer)
                } else {
                    // The namespace token without a tag: text.
                    literalNestedText(style.tagPrefix)
                    nestedBody.phase = .content
                }
            case .tagName:
                let c = p[i]
                i += 1
                if c == 0x2F && nestedBody.buffer.isEmpty && !nestedBody.closing {
                    nestedBody.closing = true
                } else if c == 0x3E {
                    let tag = String(decoding: nestedBody.buffer, as: UTF8.self)
                    clearKeepingCapacity(&nestedBody.buffer)
                    nestedBody.phase = .content
                    if nestedBody.closing {
                        if closeNestedTag(tag, style) { return .done }
                    } else {
                        openNestedTag(tag, style)
                    }
                } else if isJSONWhitespace(c) || c == 0x3C || nestedBody.buffer.count >= 256 {
                    closeNestedXMLBody()
                    return .broken
                } else {
                    nestedBody.buffer.append(c)
                }
            }
        }
        return .needMore
    }

    /// Text read in the content phase goes to the streamed string or the open element.
    private mutating func takeNestedText() {
        if nestedBody.buffer.isEmpty { return }
        if nestedBody.depth == 0 {
            // Between parameters: only layout.
        } else if nestedBody.streaming {
            var out: [UInt8] = []
            appendJSONStringBody(nestedBody.buffer, to: &out)
            emitter.arguments(out)
        } else if let top = nestedBody.stack.last {
            nestedBody.nodes[top].text += nestedBody.buffer
        }
        clearKeepingCapacity(&nestedBody.buffer)
    }

    /// Markup that is not structure here (a tag inside a string value) is kept as text.
    private mutating func literalNestedText(_ text: String) {
        nestedBody.buffer = Array(text.utf8)
        takeNestedText()
    }

    private mutating func openNestedTag(_ tag: String, _ style: NestedXMLCallStyle) {
        if nestedBody.depth == 0 {
            nestedBody.key = tag
            nestedBody.depth = 1
            var prefix: [UInt8] = nestedBody.parameterCount > 0 ? [0x2C, 0x20, 0x22] : [0x22]
            appendJSONStringBody(Array(tag.utf8), to: &prefix)
            prefix += Array("\": ".utf8)
            nestedBody.parameterCount += 1
            nestedBody.streaming = nestedParameterIsString(tag)
            if nestedBody.streaming {
                prefix.append(0x22)
            } else {
                nestedBody.nodes = [NestedXMLBodyState.Node(tag: tag)]
                nestedBody.stack = [0]
            }
            emitter.arguments(prefix)
        } else if nestedBody.streaming {
            literalNestedText(style.tagPrefix + "<" + tag + ">")
        } else {
            let k = nestedBody.nodes.count
            nestedBody.nodes.append(NestedXMLBodyState.Node(tag: tag))
            if let top = nestedBody.stack.last { nestedBody.nodes[top].children.append(k) }
            nestedBody.stack.append(k)
            nestedBody.depth += 1
        }
    }

    /// Handles `NS</tag>`; returns true when it ends the call.
    private mutating func closeNestedTag(_ tag: String, _ style: NestedXMLCallStyle) -> Bool {
        if nestedBody.depth == 0 {
            if tag == style.callEndTag {
                emitter.arguments("}")
                callOpen = false
                return true
            }
            return false
        }
        if nestedBody.streaming {
            if tag == nestedBody.key {
                emitter.arguments([0x22])
                nestedBody.depth = 0
                nestedBody.streaming = false
            } else {
                literalNestedText(style.tagPrefix + "</" + tag + ">")
            }
            return false
        }
        // Close the nearest open element with this tag (and any left open inside it).
        guard let position = nestedBody.stack.lastIndex(where: { nestedBody.nodes[$0].tag == tag }) else { return false }
        nestedBody.stack.removeSubrange(position...)
        nestedBody.depth = nestedBody.stack.count
        if nestedBody.stack.isEmpty { emitNestedParameter() }
        return false
    }

    private func nestedParameterIsString(_ key: String) -> Bool {
        guard let schema = catalog.propertySchema(tool: nestedBody.name, parameter: key) else { return false }
        return SchemaTypes.allowedTypes(schema, root: catalog.schemaRoot(tool: nestedBody.name)) == ["string"]
    }

    /// The finished (or cut off) parameter's value, typed by its schema.
    private mutating func emitNestedParameter() {
        let root = catalog.schemaRoot(tool: nestedBody.name)
        let schema = catalog.propertySchema(tool: nestedBody.name, parameter: nestedBody.key)
        let value = nestedValue(0, schema: schema, root: root, depth: 0)
        emitter.arguments(Array(value.jsonString(.python(indent: nil, ensureASCII: false)).utf8))
        nestedBody.nodes.removeAll()
        nestedBody.stack.removeAll()
        nestedBody.depth = 0
    }

    /// An element as JSON: text is coerced by the schema; children make an object, or an array where
    /// the schema allows one (or, without a schema, where every child is an item).
    private func nestedValue(_ k: Int, schema: JSONValue?, root: JSONValue?, depth: Int) -> JSONValue {
        let node = nestedBody.nodes[k]
        let resolved = schema.flatMap { SchemaRefs.resolve($0, root: root ?? $0) ?? $0 }
        let allowed = resolved.map { SchemaTypes.allowedTypes($0, root: root ?? $0) } ?? ["any"]
        let any = allowed.contains("any")
        if node.children.isEmpty || depth > 64 {
            let raw = String(decoding: node.text, as: UTF8.self)
            if raw.trimmedSpaces.isEmpty && !allowed.contains("string") {
                if allowed.contains("array") { return .array([]) }
                if allowed.contains("object") { return .object(JSONObject()) }
            }
            return ParameterCoercion.coerce(raw, schema: resolved, root: root)
        }
        let allItems = node.children.allSatisfy { nestedBody.nodes[$0].tag == "item" }
        let asArray = allItems && (any || allowed.contains("array"))
            || (!any && allowed.contains("array") && !allowed.contains("object"))
        if asArray {
            var items: [JSONValue] = []
            for (index, child) in node.children.enumerated() {
                items.append(nestedValue(child, schema: resolved.flatMap { itemSchema($0, index, root, 0) }, root: root, depth: depth + 1))
            }
            return .array(items)
        }
        var object = JSONObject()
        for child in node.children {
            let tag = nestedBody.nodes[child].tag
            let value = nestedValue(child, schema: resolved.flatMap { memberSchema($0, tag, root, 0) }, root: root, depth: depth + 1)
            if let existing = object[tag] {
                // A repeated tag keeps every value.
                if case .array(var list) = existing { list.append(value); object[tag] = .array(list) } else { object[tag] = .array([existing, value]) }
            } else {
                object[tag] = value
            }
        }
        return .object(object)
    }

    /// The schema of member `key` (from `properties`, also inside `allOf`/`anyOf`/`oneOf` branches).
    private func memberSchema(_ schema: JSONValue, _ key: String, _ root: JSONValue?, _ depth: Int) -> JSONValue? {
        guard depth < 16, let s = SchemaRefs.resolve(schema, root: root ?? schema), case .object(let o) = s else { return nil }
        if let p = o["properties"]?[key] { return SchemaRefs.resolve(p, root: root ?? schema) ?? p }
        for branchKey in ["allOf", "anyOf", "oneOf"] {
            for branch in o[branchKey]?.arrayValue ?? [] {
                if let p = memberSchema(branch, key, root, depth + 1) { return p }
            }
        }
        return nil
    }

    /// The schema of item `index` (`prefixItems`, then `items`, also inside `allOf`/`anyOf`/`oneOf` branches).
    private func itemSchema(_ schema: JSONValue, _ index: Int, _ root: JSONValue?, _ depth: Int) -> JSONValue? {
        guard depth < 16, let s = SchemaRefs.resolve(schema, root: root ?? schema), case .object(let o) = s else { return nil }
        if let prefix = o["prefixItems"]?.arrayValue, index < prefix.count { return prefix[index] }
        if let items = o["items"], case .object = items { return SchemaRefs.resolve(items, root: root ?? schema) ?? items }
        for branchKey in ["allOf", "anyOf", "oneOf"] {
            for branch in o[branchKey]?.arrayValue ?? [] {
                if let p = itemSchema(branch, index, root, depth + 1) { return p }
            }
        }
        return nil
    }

    /// Closes a committed call's arguments at the end of the stream or at an error.
    mutating func closeNestedXMLBody() {
        guard callOpen else { return }
        if nestedBody.phase == .content { takeNestedText() }
        if nestedBody.depth > 0 {
            if nestedBody.streaming {
                emitter.arguments([0x22])
            } else {
                emitNestedParameter()
            }
        }
        emitter.arguments("}")
        callOpen = false
    }
}
