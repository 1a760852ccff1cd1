import Foundation

/// Variables of one frame; `for` bodies, macros and `with` blocks open a child frame.
final class Scope {
    var variables: [String: Value] = [:]
    let parent: Scope?

    init(parent: Scope?) { self.parent = parent }

    func lookup(_ name: String) -> Value? {
        var scope: Scope? = self
        while let s = scope {
            if let v = s.variables[name] { return v }
            scope = s.parent
        }
        return nil
    }
}

/// Executes a parsed template. One instance per render.
final class Interpreter {
    /// Limits that keep a hostile or buggy template from hanging or exhausting memory.
    static let maxMacroDepth = 100
    static let maxOutputBytes = 32 << 20
    static let maxIterations = 2_000_000

    let map: SourceMap
    let fixedNow: Date?
    private var macroDepth = 0
    private var iterations = 0
    private let globals: Scope

    enum Flow { case normal, breakLoop, continueLoop }

    init(map: SourceMap, fixedNow: Date?) {
        self.map = map
        self.fixedNow = fixedNow
        globals = Scope(parent: nil)
        installGlobals()
    }

    func fail(_ message: String, _ offset: Int) -> TemplateError {
        let (line, column) = map.location(offset)
        return .runtime(message: message, line: line, column: column)
    }

    func render(_ nodes: [Node], context: [String: Value]) throws(TemplateError) -> String {
        let root = Scope(parent: globals)
        root.variables = context
        var out = ""
        do {
            _ = try execute(nodes, root, &out)
        } catch let e as TemplateError {
            throw e
        } catch {
            throw TemplateError.runtime(message: "\(error)", line: 0, column: 0)
        }
        return out
    }

    // MARK: Statements

    func execute(_ nodes: [Node], _ scope: Scope, _ out: inout String) throws -> Flow {
        for node in nodes {
            let flow = try execute(node, scope, &out)
            if flow != .normal { return flow }
        }
        return .normal
    }

    private func append(_ text: String, _ out: inout String, _ offset: Int) throws {
        out += text
        if out.utf8.count > Interpreter.maxOutputBytes {
            throw fail("output exceeds \(Interpreter.maxOutputBytes >> 20) MiB: the template is probably looping without end", offset)
        }
    }

    private func execute(_ node: Node, _ scope: Scope, _ out: inout String) throws -> Flow {
        switch node {
        case .text(let s):
            try append(s, &out, 0)
        case .output(let e):
            let v = try eval(e, scope)
            try append(v.pythonString, &out, e.offset)
        case .conditional(let branches, let otherwise):
            for (test, body) in branches {
                if try eval(test, scope).truthy { return try execute(body, scope, &out) }
            }
            if let otherwise { return try execute(otherwise, scope, &out) }
        case let .forLoop(target, iterableExpr, condition, body, otherwise, offset):
            let iterable = try eval(iterableExpr, scope)
            var items = try iterate(iterable, iterableExpr.offset)
            if let condition {
                var kept: [Value] = []
                for item in items {
                    let s = Scope(parent: scope)
                    try assign(target, item, s, offset)
                    if try eval(condition, s).truthy { kept.append(item) }
                }
                items = kept
            }
            if items.isEmpty {
                if let otherwise { return try execute(otherwise, Scope(parent: scope), &out) }
                return .normal
            }
            let tracker = ChangeTracker()
            for (i, item) in items.enumerated() {
                iterations += 1
                if iterations > Interpreter.maxIterations {
                    throw fail("more than \(Interpreter.maxIterations) loop iterations: the template is probably looping without end", offset)
                }
                let s = Scope(parent: scope)
                try assign(target, item, s, offset)
                s.variables["loop"] = .loop(LoopState(index0: i, length: items.count,
                                                      previtem: i > 0 ? items[i - 1] : nil,
                                                      nextitem: i + 1 < items.count ? items[i + 1] : nil, depth0: 0,
                                                      changeTracker: tracker))
                let flow = try execute(body, s, &out)
                if flow == .breakLoop { break }
            }
        case let .set(target, e, offset):
            try assign(target, try eval(e, scope), scope, offset)
        case let .setBlock(name, filters, body):
            var text = ""
            _ = try execute(body, scope, &text)
            var v = Value.string(text)
            for f in filters { v = try applyFilter(f.name, v, f.arguments, scope, f.offset) }
            scope.variables[name] = v
        case let .macro(name, parameters, body, _):
            scope.variables[name] = .function(makeMacro(name: name, parameters: parameters, body: body, scope: scope))
        case let .callBlock(call, parameters, body):
            guard case let .call(callee, arguments) = call.kind else { return .normal }
            let caller = makeMacro(name: "caller", parameters: parameters, body: body, scope: scope)
            var args = try evalArguments(arguments, scope)
            args.keywords.append(("caller", .function(caller)))
            let result = try callValue(try eval(callee, scope), args, call.offset)
            try append(result.pythonString, &out, call.offset)
        case let .filterBlock(filters, body):
            var text = ""
            _ = try execute(body, scope, &text)
            var v = Value.string(text)
            for f in filters { v = try applyFilter(f.name, v, f.arguments, scope, f.offset) }
            try append(v.pythonString, &out, 0)
        case let .with(assignments, body):
            let s = Scope(parent: scope)
            for (target, e) in assignments { try assign(target, try eval(e, scope), s, e.offset) }
            return try execute(body, s, &out)
        case .block(let body):
            return try execute(body, scope, &out)
        case .breakLoop:
            return .breakLoop
        case .continueLoop:
            return .continueLoop
        }
        return .normal
    }

    private func assign(_ target: AssignTarget, _ value: Value, _ scope: Scope, _ offset: Int) throws {
        switch target {
        case .name(let n):
            scope.variables[n] = value
        case .tuple(let targets):
            let items: [Value]
            switch value.plain {
            case .list(let a), .tuple(let a), .generator(let a, _): items = a
            case .string(let s): items = s.unicodeScalars.map { .string(String($0)) }
            case .dict(let d): items = d.keys
            default: throw fail("cannot unpack non-iterable \(value.pythonTypeName) object", offset)
            }
            guard items.count == targets.count else {
                throw fail(items.count > targets.count ? "too many values to unpack (expected \(targets.count))"
                                                       : "not enough values to unpack (expected \(targets.count), got \(items.count))", offset)
            }
            for (t, v) in zip(targets, items) { try assign(t, v, scope, offset) }
        case let .attribute(objectExpr, attr):
            let object = try eval(objectExpr, scope)
            guard case .namespace(let ns) = object else {
                throw fail("cannot assign attribute on non-namespace object", objectExpr.offset)
            }
            ns.attributes.set(string: attr, value)
        }
    }

    private func makeMacro(name: String, parameters: [MacroParameter], body: [Node], scope defining: Scope) -> Function {
        Function(name: name, kind: "macro") { [unowned self] args, _, offset in
            self.macroDepth += 1
            defer { self.macroDepth -= 1 }
            if self.macroDepth > Interpreter.maxMacroDepth {
                throw self.fail("macro '\(name)' nested more than \(Interpreter.maxMacroDepth) calls deep: runaway recursion", offset)
            }
            let s = Scope(parent: defining)
            var used = Set<String>()
            for (i, p) in parameters.enumerated() {
                if i < args.positional.count {
                    s.variables[p.name] = args.positional[i]
                } else if let v = args.keyword(p.name) {
                    s.variables[p.name] = v
                    used.insert(p.name)
                } else if let d = p.defaultValue {
                    s.variables[p.name] = try self.eval(d, s)
                } else {
                    s.variables[p.name] = .undefined(hint: "parameter '\(p.name)' was not provided")
                }
            }
            if args.positional.count > parameters.count {
                s.variables["varargs"] = .tuple(Array(args.positional[parameters.count...]))
            } else {
                s.variables["varargs"] = .tuple([])
            }
            var kwargs = PyDict()
            for (k, v) in args.keywords where !parameters.contains(where: { $0.name == k }) {
                if k == "caller" {
                    s.variables["caller"] = v
                } else {
                    kwargs.set(string: k, v)
                }
            }
            s.variables["kwargs"] = .dict(kwargs)
            var text = ""
            _ = try self.execute(body, s, &text)
            return .string(text)
        }
    }

    // MARK: Expressions

    func eval(_ e: Expr, _ scope: Scope) throws -> Value {
        switch e.kind {
        case .literal(let v):
            return v
        case .name(let n):
            return scope.lookup(n) ?? .undefined(hint: "'\(n)' is undefined")
        case .list(let items):
            return try checkedContainer(.list(try items.map { try eval($0, scope) }), e.offset)
        case .tuple(let items):
            return try checkedContainer(.tuple(try items.map { try eval($0, scope) }), e.offset)
        case .dict(let pairs):
            var d = PyDict()
            for (k, v) in pairs {
                let key = try eval(k, scope)
                guard d.set(key, try eval(v, scope)) else { throw fail("unhashable type: '\(key.pythonTypeName)'", k.offset) }
            }
            return try checkedContainer(.dict(d), e.offset)
        case let .attribute(objectExpr, name):
            return try getAttribute(try eval(objectExpr, scope), name, e.offset)
        case let .item(objectExpr, keyExpr):
            return try getItem(try eval(objectExpr, scope), try eval(keyExpr, scope), e.offset)
        case let .slice(objectExpr, start, stop, step):
            let object = try eval(objectExpr, scope)
            let a = try start.map { try eval($0, scope) }
            let b = try stop.map { try eval($0, scope) }
            let c = try step.map { try eval($0, scope) }
            return try slice(object, a, b, c, e.offset)
        case let .call(callee, arguments):
            let f = try eval(callee, scope)
            return try callValue(f, try evalArguments(arguments, scope), e.offset)
        case let .filter(valueExpr, name, arguments):
            return try applyFilter(name, try eval(valueExpr, scope), arguments, scope, e.offset)
        case let .test(valueExpr, name, arguments, negated):
            let v = try eval(valueExpr, scope)
            let args = try evalArguments(arguments, scope)
            let result = try Tests.apply(name, v, args, self, e.offset)
            return .bool(negated ? !result : result)
        case .negate(let x):
            let v = try eval(x, scope)
            switch v {
            case .int(let i):
                guard i != .min else { throw fail("integer overflow in unary -", e.offset) }
                return .int(-i)
            case .bool(let b): return .int(b ? -1 : 0)
            case .float(let d): return .float(-d)
            case .undefined(let hint): throw fail(hint, x.offset)
            default: throw fail("bad operand type for unary -: '\(v.pythonTypeName)'", e.offset)
            }
        case .plus(let x):
            let v = try eval(x, scope)
            switch v {
            case .int, .float: return v
            case .bool(let b): return .int(b ? 1 : 0)
            case .undefined(let hint): throw fail(hint, x.offset)
            default: throw fail("bad operand type for unary +: '\(v.pythonTypeName)'", e.offset)
            }
        case .not(let x):
            return .bool(!(try eval(x, scope).truthy))
        case let .binary(op, l, r):
            let a = try eval(l, scope)
            let b = try eval(r, scope)
            return try Operators.binary(op, a, b, self, e.offset)
        case .concat(let items):
            var s = ""
            for item in items {
                s += try eval(item, scope).pythonString
                _ = try Operators.checkedSize(s.utf8.count, self, e.offset)
            }
            return .string(s)
        case let .compare(first, rest):
            var left = try eval(first, scope)
            for (op, rightExpr) in rest {
                let right = try eval(rightExpr, scope)
                if !(try Operators.compare(op, left, right, self, rightExpr.offset)) { return .bool(false) }
                left = right
            }
            return .bool(true)
        case let .and(l, r):
            let a = try eval(l, scope)
            return a.truthy ? try eval(r, scope) : a
        case let .or(l, r):
            let a = try eval(l, scope)
            return a.truthy ? a : try eval(r, scope)
        case let .conditional(test, then, otherwise):
            if try eval(test, scope).truthy { return try eval(then, scope) }
            if let otherwise { return try eval(otherwise, scope) }
            return .undefined(hint: "the inline if expression had no else branch")
        }
    }

    /// Refuses a newly built container whose printed form would exceed the output limit.
    func checkedContainer(_ v: Value, _ offset: Int) throws -> Value {
        if v.exceedsSize(Interpreter.maxOutputBytes) {
            throw fail("value too large (over \(Interpreter.maxOutputBytes >> 20) MiB when printed): the template is probably growing it without end", offset)
        }
        return v
    }

    func evalArguments(_ arguments: [CallArgument], _ scope: Scope) throws -> Arguments {
        var args = Arguments()
        for a in arguments {
            switch a {
            case .positional(let e): args.positional.append(try eval(e, scope))
            case let .keyword(k, e): args.keywords.append((k, try eval(e, scope)))
            case .star(let e): args.positional.append(contentsOf: try iterate(try eval(e, scope), e.offset))
            case .doubleStar(let e):
                guard case .dict(let d) = try eval(e, scope) else { throw fail("argument after ** must be a mapping", e.offset) }
                for (k, v) in d.pairs { args.keywords.append((k.pythonString, v)) }
            }
        }
        return args
    }

    func callValue(_ f: Value, _ args: Arguments, _ offset: Int) throws -> Value {
        switch f {
        case .function(let fn): return try fn.body(args, self, offset)
        case .undefined(let hint): throw fail(hint, offset)
        default: throw fail("'\(f.pythonTypeName)' object is not callable", offset)
        }
    }

    private func applyFilter(_ name: String, _ value: Value, _ arguments: [CallArgument], _ scope: Scope, _ offset: Int) throws -> Value {
        let args = try evalArguments(arguments, scope)
        return try Filters.apply(name, value, args, self, offset)
    }

    /// The items a `for` loop (or `list()`) walks over.
    func iterate(_ v: Value, _ offset: Int) throws -> [Value] {
        switch v.plain {
        case .undefined: return []
        case .list(let a), .tuple(let a), .generator(let a, _): return a
        case .dict(let d): return d.keys
        case .string(let s), .markup(let s): return s.unicodeScalars.map { .string(String($0)) }
        case .namespace: throw fail("'Namespace' object is not iterable", offset)
        default: throw fail("'\(v.pythonTypeName)' object is not iterable", offset)
        }
    }

    // MARK: Attribute and item access (jinja2's sandboxed getattr / getitem)

    func getAttribute(_ object: Value, _ name: String, _ offset: Int) throws -> Value {
        let object = object.plain
        if name.hasPrefix("_") {
            return .undefined(hint: "access to attribute '\(name)' of '\(object.pythonTypeName)' object is unsafe.")
        }
        switch object {
        case .undefined(let hint):
            throw fail(hint, offset)
        case .dict(let d):
            if let m = Methods.method(object, name, self) { return m }
            if let v = d[string: name] { return v }
            return .undefined(hint: "'dict object' has no attribute '\(name)'")
        case .namespace(let ns):
            if let v = ns.attributes[string: name] { return v }
            return .undefined(hint: "'Namespace object' has no attribute '\(name)'")
        case .loop(let l):
            if let v = loopAttribute(l, name) { return v }
            return .undefined(hint: "'LoopContext object' has no attribute '\(name)'")
        case .none:
            return .undefined(hint: "'None' has no attribute '\(name)'")
        default:
            if let m = Methods.method(object, name, self) { return m }
            return .undefined(hint: "'\(object.pythonTypeName) object' has no attribute '\(name)'")
        }
    }

    private func loopAttribute(_ l: LoopState, _ name: String) -> Value? {
        switch name {
        case "index": return .int(l.index0 + 1)
        case "index0": return .int(l.index0)
        case "revindex": return .int(l.length - l.index0)
        case "revindex0": return .int(l.length - l.index0 - 1)
        case "first": return .bool(l.index0 == 0)
        case "last": return .bool(l.index0 == l.length - 1)
        case "length": return .int(l.length)
        case "depth": return .int(l.depth0 + 1)
        case "depth0": return .int(l.depth0)
        case "previtem": return l.previtem ?? .undefined(hint: "there is no previous item")
        case "nextitem": return l.nextitem ?? .undefined(hint: "there is no next item")
        case "changed":
            return .function(Function(name: "changed", kind: "method") { args, _, _ in
                let values = args.positional
                if let last = l.changeTracker.last, last.count == values.count,
                   zip(last, values).allSatisfy({ Operators.equals($0, $1) }) {
                    return .bool(false)
                }
                l.changeTracker.last = values
                return .bool(true)
            })
        case "cycle":
            return .function(Function(name: "cycle", kind: "method") { args, interp, offset in
                guard !args.positional.isEmpty else { throw interp.fail("no items for cycling given", offset) }
                return args.positional[l.index0 % args.positional.count]
            })
        default: return nil
        }
    }

    func getItem(_ object: Value, _ key: Value, _ offset: Int) throws -> Value {
        let object = object.plain, key = key.plain
        switch object {
        case .undefined(let hint):
            throw fail(hint, offset)
        case .dict(let d):
            if let v = d[key] { return v }
            if case .string(let name) = key { return try getAttribute(object, name, offset) }
            if key.isUndefined { return .undefined(hint: "'dict object' has no attribute Undefined") }
            if DictKey(key) == nil { throw fail("unhashable type: '\(key.pythonTypeName)'", offset) }
            return .undefined(hint: "'dict object' has no attribute \(key.pythonRepr)")
        case .list(let a), .tuple(let a):
            switch key {
            case .int, .bool:
                let i = Operators.intValue(key) ?? 0
                let j = i < 0 ? a.count + i : i
                if j >= 0, j < a.count { return a[j] }
                return .undefined(hint: "'\(object.pythonTypeName) object' has no element \(i)")
            case .string(let name):
                return try getAttribute(object, name, offset)
            default:
                return .undefined(hint: "'\(object.pythonTypeName) object' has no element \(key.pythonRepr)")
            }
        case .string(let s):
            switch key {
            case .int, .bool:
                let scalars = Array(s.unicodeScalars)
                let i = Operators.intValue(key) ?? 0
                let j = i < 0 ? scalars.count + i : i
                if j >= 0, j < scalars.count { return .string(String(scalars[j])) }
                return .undefined(hint: "'str object' has no element \(i)")
            case .string(let name):
                return try getAttribute(object, name, offset)
            default:
                return .undefined(hint: "'str object' has no element \(key.pythonRepr)")
            }
        case .none:
            return .undefined(hint: "None has no element \(key.pythonRepr)")
        default:
            if case .string(let name) = key { return try getAttribute(object, name, offset) }
            return .undefined(hint: "'\(object.pythonTypeName) object' has no element \(key.pythonRepr)")
        }
    }

    private func slice(_ object: Value, _ start: Value?, _ stop: Value?, _ step: Value?, _ offset: Int) throws -> Value {
        func bound(_ v: Value?) throws -> Int? {
            guard let v, !v.isNone else { return nil }
            if case .undefined(let hint) = v { throw fail(hint, offset) }
            guard let i = Operators.intValue(v) else {
                throw fail("slice indices must be integers or None, not \(v.pythonTypeName)", offset)
            }
            return i
        }
        let a = try bound(start?.plain), b = try bound(stop?.plain), c = try bound(step?.plain) ?? 1
        let object = object.plain
        if c == 0 { throw fail("slice step cannot be zero", offset) }
        func indices(_ count: Int) -> [Int] {
            var result: [Int] = []
            if c > 0 {
                var lo = a ?? 0
                if lo < 0 { lo = max(0, lo + count) }
                lo = min(lo, count)
                var hi = b ?? count
                if hi < 0 { hi = max(0, hi + count) }
                hi = min(hi, count)
                var i = lo
                while i < hi {
                    result.append(i)
                    let (next, overflow) = i.addingReportingOverflow(c)
                    if overflow { break }
                    i = next
                }
            } else {
                var hi = a ?? count - 1
                if hi < 0 { hi += count }
                hi = min(hi, count - 1)
                var lo: Int
                if let b { lo = b < 0 ? b + count : b; if lo < -1 { lo = -1 } } else { lo = -1 }
                var i = hi
                while i > lo, i >= 0 {
                    result.append(i)
                    let (next, overflow) = i.addingReportingOverflow(c)
                    if overflow { break }
                    i = next
                }
            }
            return result
        }
        switch object {
        case .undefined(let hint): throw fail(hint, offset)
        case .list(let items): return .list(indices(items.count).map { items[$0] })
        case .tuple(let items): return .tuple(indices(items.count).map { items[$0] })
        case .string(let s):
            let scalars = Array(s.unicodeScalars)
            var out = String.UnicodeScalarView()
            for i in indices(scalars.count) { out.append(scalars[i]) }
            return .string(String(out))
        default:
            return .undefined(hint: "'\(object.pythonTypeName) object' cannot be sliced")
        }
    }

    // MARK: Globals

    private func installGlobals() {
        func define(_ name: String, _ body: @escaping (Arguments, Interpreter, Int) throws -> Value) {
            globals.variables[name] = .function(Function(name: name, body: body))
        }
        define("raise_exception") { args, _, _ in
            throw TemplateError.raised(message: args.get(0, "message")?.pythonString ?? "")
        }
        define("range") { args, interp, offset in
            var ints: [Int] = []
            for v in args.positional {
                guard let i = Operators.intValue(v), !(v.isFloat) else {
                    throw interp.fail("'\(v.pythonTypeName)' object cannot be interpreted as an integer", offset)
                }
                ints.append(i)
            }
            let (start, stop, step): (Int, Int, Int)
            switch ints.count {
            case 1: (start, stop, step) = (0, ints[0], 1)
            case 2: (start, stop, step) = (ints[0], ints[1], 1)
            case 3: (start, stop, step) = (ints[0], ints[1], ints[2])
            default: throw interp.fail("range expected 1 to 3 integer arguments, got \(ints.count)", offset)
            }
            if step == 0 { throw interp.fail("range() arg 3 must not be zero", offset) }
            let span = step > 0 ? Double(stop) - Double(start) : Double(start) - Double(stop)
            if span / Double(step.magnitude) > Double(Interpreter.maxIterations) {
                throw interp.fail("range too large (more than \(Interpreter.maxIterations) items)", offset)
            }
            let count = step > 0 ? max(0, (stop - start + step - 1) / step) : max(0, (start - stop - step - 1) / -step)
            if count > Interpreter.maxIterations { throw interp.fail("range too large (\(count) items)", offset) }
            return .list((0..<count).map { .int(start + $0 * step) })
        }
        define("dict") { args, interp, offset in
            var d = PyDict()
            if let first = args.positional.first {
                switch first {
                case .dict(let src): d = src
                default:
                    for pair in try interp.iterate(first, offset) {
                        let kv = try interp.iterate(pair, offset)
                        guard kv.count == 2 else { throw interp.fail("dictionary update sequence element has length \(kv.count); 2 is required", offset) }
                        d.set(kv[0], kv[1])
                    }
                }
            }
            if args.positional.count > 1 { throw interp.fail("dict expected at most 1 argument, got \(args.positional.count)", offset) }
            for (k, v) in args.keywords { d.set(string: k, v) }
            return .dict(d)
        }
        define("namespace") { args, interp, offset in
            let ns = Namespace()
            if args.positional.count > 1 { throw interp.fail("dict expected at most 1 argument, got \(args.positional.count)", offset) }
            if let first = args.positional.first {
                guard case .dict(let d) = first else {
                    throw interp.fail("cannot convert \(first.pythonTypeName) to namespace attributes", offset)
                }
                ns.attributes = d
            }
            for (k, v) in args.keywords { ns.attributes.set(string: k, v) }
            return .namespace(ns)
        }
        define("strftime_now") { args, interp, offset in
            guard case .string(let format)? = args.get(0, "format") else {
                throw interp.fail("strftime_now expects a format string", offset)
            }
            return .string(formatTime(format, fixed: interp.fixedNow))
        }
    }
}

extension Value {
    var isFloat: Bool { if case .float = self { return true }; return false }
}

/// C strftime of `fixed` (in UTC) or of the current local time, as Python's datetime.strftime does.
func formatTime(_ format: String, fixed: Date?) -> String {
    var t = time_t(fixed.map { $0.timeIntervalSince1970 } ?? Date().timeIntervalSince1970)
    var parts = tm()
    if fixed != nil { gmtime_r(&t, &parts) } else { localtime_r(&t, &parts) }
    var buffer = [Int8](repeating: 0, count: 512)
    let n = strftime(&buffer, buffer.count, format, &parts)
    return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
