/// Builds the statement tree from tokens, following jinja2's grammar and operator precedence.
struct Parser {
    private let tokens: [Token]
    private let map: SourceMap
    private var index = 0
    /// Inside an `if` body or an inline `if`, unknown filters and tests fail only when reached (as in jinja2).
    private var conditionalDepth = 0
    private var expressionDepth = 0
    private static let maxExpressionDepth = 200

    init(tokens: [Token], map: SourceMap) {
        self.tokens = tokens
        self.map = map
    }

    // MARK: Helpers

    private var current: Token { tokens[index] }

    private func peek(_ k: Int = 1) -> Token { tokens[min(index + k, tokens.count - 1)] }

    private mutating func advance() -> Token {
        let t = tokens[index]
        if index < tokens.count - 1 { index += 1 }
        return t
    }

    private func error(_ message: String, at offset: Int? = nil) -> TemplateError {
        let (line, column) = map.location(offset ?? current.offset)
        return .syntax(message: message, line: line, column: column)
    }

    private func describe(_ kind: TokenKind) -> String {
        switch kind {
        case .text: return "template text"
        case .variableBegin: return "'{{'"
        case .variableEnd: return "'}}'"
        case .blockBegin: return "'{%'"
        case .blockEnd: return "'%}'"
        case .name(let n): return "'\(n)'"
        case .string: return "a string"
        case .integer, .float: return "a number"
        case .op(let o): return "'\(o)'"
        case .eof: return "end of template"
        }
    }

    private func isOp(_ op: String) -> Bool { current.kind == .op(op) }
    private func isName(_ name: String) -> Bool { current.kind == .name(name) }

    private mutating func skipOp(_ op: String) -> Bool {
        if isOp(op) { _ = advance(); return true }
        return false
    }

    private mutating func skipName(_ name: String) -> Bool {
        if isName(name) { _ = advance(); return true }
        return false
    }

    private mutating func expectOp(_ op: String) throws(TemplateError) {
        guard skipOp(op) else { throw error("expected '\(op)', found \(describe(current.kind))") }
    }

    private mutating func expectName() throws(TemplateError) -> String {
        guard case .name(let n) = current.kind else { throw error("expected a name, found \(describe(current.kind))") }
        _ = advance()
        return n
    }

    private mutating func expectBlockEnd() throws(TemplateError) {
        guard current.kind == .blockEnd else { throw error("expected '%}', found \(describe(current.kind))") }
        _ = advance()
    }

    // MARK: Statements

    mutating func parseTemplate() throws(TemplateError) -> [Node] {
        let (nodes, end) = try parseBody(until: [])
        if let end { throw error("unexpected '\(end)': no block is open") }
        return nodes
    }

    /// Parses nodes until a `{% NAME` with NAME in `ends` (consumed, returned) or the end of input.
    private mutating func parseBody(until ends: Set<String>) throws(TemplateError) -> ([Node], String?) {
        var nodes: [Node] = []
        while true {
            switch current.kind {
            case .eof:
                return (nodes, nil)
            case .text(let s):
                _ = advance()
                nodes.append(.text(s))
            case .variableBegin:
                _ = advance()
                let e = try parseTuple()
                guard current.kind == .variableEnd else { throw error("expected '}}', found \(describe(current.kind))") }
                _ = advance()
                nodes.append(.output(e))
            case .blockBegin:
                let begin = advance()
                guard case .name(let keyword) = current.kind else {
                    throw error("expected a statement name after '{%', found \(describe(current.kind))")
                }
                if ends.contains(keyword) {
                    _ = advance()
                    return (nodes, keyword)
                }
                nodes.append(try parseStatement(keyword, begin: begin.offset))
            default:
                throw error("unexpected \(describe(current.kind))")
            }
        }
    }

    private mutating func parseRequiredBody(_ opener: String, at offset: Int, until ends: Set<String>) throws(TemplateError) -> ([Node], String) {
        let (nodes, end) = try parseBody(until: ends)
        guard let end else {
            let list = ends.sorted().map { "'\($0)'" }.joined(separator: " or ")
            let opened = map.location(offset)
            throw error("unexpected end of template: the '\(opener)' block opened at \(opened.line):\(opened.column) is never closed; expected \(list)")
        }
        return (nodes, end)
    }

    private mutating func parseStatement(_ keyword: String, begin: Int) throws(TemplateError) -> Node {
        let keywordOffset = current.offset
        _ = advance()
        switch keyword {
        case "if":
            var branches: [(Expr, [Node])] = []
            var condition = try parseTuple(allowConditional: false)
            try expectBlockEnd()
            conditionalDepth += 1
            defer { conditionalDepth -= 1 }
            while true {
                let (body, end) = try parseRequiredBody("if", at: begin, until: ["elif", "else", "endif"])
                branches.append((condition, body))
                if end == "elif" {
                    condition = try parseTuple(allowConditional: false)
                    try expectBlockEnd()
                    continue
                }
                if end == "else" {
                    try expectBlockEnd()
                    let (otherwise, _) = try parseRequiredBody("if", at: begin, until: ["endif"])
                    try expectBlockEnd()
                    return .conditional(branches, otherwise: otherwise)
                }
                try expectBlockEnd()
                return .conditional(branches, otherwise: nil)
            }
        case "for":
            let target = try parseAssignTarget(allowAttribute: false)
            guard skipName("in") else { throw error("expected 'in' in the for loop, found \(describe(current.kind))") }
            let iterable = try parseTuple(allowConditional: false)
            var condition: Expr?
            if skipName("if") { condition = try parseExpression() }
            if skipName("recursive") { throw error("recursive for loops are not supported", at: keywordOffset) }
            try expectBlockEnd()
            let (body, end) = try parseRequiredBody("for", at: begin, until: ["else", "endfor"])
            var otherwise: [Node]?
            try expectBlockEnd()
            if end == "else" {
                let (o, _) = try parseRequiredBody("for", at: begin, until: ["endfor"])
                try expectBlockEnd()
                otherwise = o
            }
            return .forLoop(target: target, iterable: iterable, condition: condition, body: body, otherwise: otherwise, offset: keywordOffset)
        case "set":
            let target = try parseAssignTarget(allowAttribute: true)
            if skipOp("=") {
                let value = try parseTuple()
                try expectBlockEnd()
                return .set(target, value, offset: keywordOffset)
            }
            guard case .name(let name) = target else { throw error("expected '=' after the set target") }
            let filters = try parseFilterChain(requireFirst: false)
            try expectBlockEnd()
            let (body, _) = try parseRequiredBody("set", at: begin, until: ["endset"])
            try expectBlockEnd()
            return .setBlock(name, filters: filters, body: body)
        case "macro":
            let name = try expectName()
            let parameters = try parseParameters()
            try expectBlockEnd()
            let (body, _) = try parseRequiredBody("macro", at: begin, until: ["endmacro"])
            if case .name = current.kind { _ = advance() }
            try expectBlockEnd()
            return .macro(name: name, parameters: parameters, body: body, offset: keywordOffset)
        case "call":
            var parameters: [MacroParameter] = []
            if isOp("(") { parameters = try parseParameters() }
            let call = try parseExpression()
            guard case .call = call.kind else { throw error("expected a macro call after 'call'", at: call.offset) }
            try expectBlockEnd()
            let (body, _) = try parseRequiredBody("call", at: begin, until: ["endcall"])
            try expectBlockEnd()
            return .callBlock(call: call, parameters: parameters, body: body)
        case "filter":
            let filters = try parseFilterChain(requireFirst: true)
            try expectBlockEnd()
            let (body, _) = try parseRequiredBody("filter", at: begin, until: ["endfilter"])
            try expectBlockEnd()
            return .filterBlock(filters, body: body)
        case "with":
            var assignments: [(AssignTarget, Expr)] = []
            while current.kind != .blockEnd {
                if !assignments.isEmpty { try expectOp(",") }
                let target = try parseAssignTarget(allowAttribute: false)
                try expectOp("=")
                assignments.append((target, try parseExpression()))
            }
            try expectBlockEnd()
            let (body, _) = try parseRequiredBody("with", at: begin, until: ["endwith"])
            try expectBlockEnd()
            return .with(assignments: assignments, body: body)
        case "generation":
            try expectBlockEnd()
            let (body, _) = try parseRequiredBody("generation", at: begin, until: ["endgeneration"])
            try expectBlockEnd()
            return .block(body)
        case "break":
            try expectBlockEnd()
            return .breakLoop
        case "continue":
            try expectBlockEnd()
            return .continueLoop
        default:
            if keyword.hasPrefix("end") || keyword == "elif" || keyword == "else" {
                throw error("unexpected '\(keyword)': no matching block is open", at: keywordOffset)
            }
            throw error("unknown tag '\(keyword)'", at: keywordOffset)
        }
    }

    private mutating func parseParameters() throws(TemplateError) -> [MacroParameter] {
        try expectOp("(")
        var parameters: [MacroParameter] = []
        while !skipOp(")") {
            if !parameters.isEmpty { try expectOp(",") }
            if skipOp(")") { break }
            let name = try expectName()
            var defaultValue: Expr?
            if skipOp("=") { defaultValue = try parseExpression() }
            parameters.append(MacroParameter(name: name, defaultValue: defaultValue))
        }
        return parameters
    }

    private mutating func parseFilterChain(requireFirst: Bool) throws(TemplateError) -> [FilterCall] {
        var filters: [FilterCall] = []
        var first = requireFirst
        while first || skipOp("|") {
            first = false
            let offset = current.offset
            let name = try parseDottedName()
            try checkKnown(filter: name, at: offset)
            var arguments: [CallArgument] = []
            if isOp("(") { arguments = try parseCallArguments() }
            filters.append(FilterCall(name: name, arguments: arguments, offset: offset))
        }
        return filters
    }

    private mutating func parseAssignTarget(allowAttribute: Bool) throws(TemplateError) -> AssignTarget {
        var targets: [AssignTarget] = []
        var parenthesised = false
        if skipOp("(") { parenthesised = true }
        repeat {
            if parenthesised, isOp(")") { break }
            let offset = current.offset
            let name = try expectName()
            if allowAttribute, skipOp(".") {
                let attr = try expectName()
                targets.append(.attribute(Expr(kind: .name(name), offset: offset), attr))
            } else {
                targets.append(.name(name))
            }
        } while skipOp(",")
        if parenthesised { try expectOp(")") }
        if targets.count == 1, !parenthesised { return targets[0] }
        return .tuple(targets)
    }

    // MARK: Expressions

    /// An expression, or a tuple when commas follow (`{{ a, b }}`, `set a, b = ...`).
    private mutating func parseTuple(allowConditional: Bool = true) throws(TemplateError) -> Expr {
        let offset = current.offset
        let first = allowConditional ? try parseExpression() : try parseOr()
        guard isOp(",") else { return first }
        var items = [first]
        while skipOp(",") {
            if current.kind == .blockEnd || current.kind == .variableEnd || isOp("=") { break }
            items.append(allowConditional ? try parseExpression() : try parseOr())
        }
        return Expr(kind: .tuple(items), offset: offset)
    }

    mutating func parseExpression() throws(TemplateError) -> Expr {
        expressionDepth += 1
        defer { expressionDepth -= 1 }
        if expressionDepth > Parser.maxExpressionDepth { throw error("expression nested too deeply") }
        let offset = current.offset
        var expr = try parseOr()
        while skipName("if") {
            conditionalDepth += 1
            defer { conditionalDepth -= 1 }
            let test = try parseOr()
            var otherwise: Expr?
            if skipName("else") { otherwise = try parseExpression() }
            expr = Expr(kind: .conditional(test: test, then: expr, otherwise: otherwise), offset: offset)
        }
        return expr
    }

    private mutating func parseOr() throws(TemplateError) -> Expr {
        var left = try parseAnd()
        while skipName("or") {
            let right = try parseAnd()
            left = Expr(kind: .or(left, right), offset: left.offset)
        }
        return left
    }

    private mutating func parseAnd() throws(TemplateError) -> Expr {
        var left = try parseNot()
        while skipName("and") {
            let right = try parseNot()
            left = Expr(kind: .and(left, right), offset: left.offset)
        }
        return left
    }

    private mutating func parseNot() throws(TemplateError) -> Expr {
        let offset = current.offset
        if skipName("not") {
            expressionDepth += 1
            defer { expressionDepth -= 1 }
            if expressionDepth > Parser.maxExpressionDepth { throw error("expression nested too deeply") }
            return Expr(kind: .not(try parseNot()), offset: offset)
        }
        return try parseCompare()
    }

    private mutating func parseCompare() throws(TemplateError) -> Expr {
        let left = try parseMath1()
        var ops: [(String, Expr)] = []
        while true {
            if case .op(let o) = current.kind, ["==", "!=", "<", "<=", ">", ">="].contains(o) {
                _ = advance()
                ops.append((o, try parseMath1()))
            } else if skipName("in") {
                ops.append(("in", try parseMath1()))
            } else if isName("not"), peek().kind == .name("in") {
                _ = advance(); _ = advance()
                ops.append(("notin", try parseMath1()))
            } else {
                break
            }
        }
        if ops.isEmpty { return left }
        return Expr(kind: .compare(left, ops), offset: left.offset)
    }

    private mutating func parseMath1() throws(TemplateError) -> Expr {
        var left = try parseConcat()
        while case .op(let o) = current.kind, o == "+" || o == "-" {
            _ = advance()
            let right = try parseConcat()
            left = Expr(kind: .binary(o, left, right), offset: left.offset)
        }
        return left
    }

    private mutating func parseConcat() throws(TemplateError) -> Expr {
        let first = try parseMath2()
        var items = [first]
        while skipOp("~") { items.append(try parseMath2()) }
        if items.count == 1 { return first }
        return Expr(kind: .concat(items), offset: first.offset)
    }

    private mutating func parseMath2() throws(TemplateError) -> Expr {
        var left = try parsePow()
        while case .op(let o) = current.kind, ["*", "/", "//", "%"].contains(o) {
            _ = advance()
            let right = try parsePow()
            left = Expr(kind: .binary(o, left, right), offset: left.offset)
        }
        return left
    }

    private mutating func parsePow() throws(TemplateError) -> Expr {
        var left = try parseUnary(withFilter: true)
        while skipOp("**") {
            let right = try parseUnary(withFilter: true)
            left = Expr(kind: .binary("**", left, right), offset: left.offset)
        }
        return left
    }

    private mutating func parseUnary(withFilter: Bool) throws(TemplateError) -> Expr {
        expressionDepth += 1
        defer { expressionDepth -= 1 }
        if expressionDepth > Parser.maxExpressionDepth { throw error("expression nested too deeply") }
        let offset = current.offset
        var node: Expr
        if skipOp("-") {
            node = Expr(kind: .negate(try parseUnary(withFilter: false)), offset: offset)
        } else if skipOp("+") {
            node = Expr(kind: .plus(try parseUnary(withFilter: false)), offset: offset)
        } else {
            node = try parsePrimary()
            node = try parsePostfix(node)
        }
        if withFilter { node = try parseFilterExpression(node) }
        return node
    }

    private mutating func parsePrimary() throws(TemplateError) -> Expr {
        let token = current
        switch token.kind {
        case .name(let n):
            _ = advance()
            switch n {
            case "true", "True": return Expr(kind: .literal(.bool(true)), offset: token.offset)
            case "false", "False": return Expr(kind: .literal(.bool(false)), offset: token.offset)
            case "none", "None": return Expr(kind: .literal(.none), offset: token.offset)
            default: return Expr(kind: .name(n), offset: token.offset)
            }
        case .string(var s):
            _ = advance()
            while case .string(let more) = current.kind {
                s += more
                _ = advance()
            }
            return Expr(kind: .literal(.string(s)), offset: token.offset)
        case .integer(let i):
            _ = advance()
            return Expr(kind: .literal(.int(i)), offset: token.offset)
        case .float(let d):
            _ = advance()
            return Expr(kind: .literal(.float(d)), offset: token.offset)
        case .op("("):
            _ = advance()
            if skipOp(")") { return Expr(kind: .tuple([]), offset: token.offset) }
            let first = try parseExpression()
            if skipOp(")") { return first }
            var items = [first]
            while skipOp(",") {
                if isOp(")") { break }
                items.append(try parseExpression())
            }
            try expectOp(")")
            return Expr(kind: .tuple(items), offset: token.offset)
        case .op("["):
            _ = advance()
            var items: [Expr] = []
            while !skipOp("]") {
                if !items.isEmpty { try expectOp(",") }
                if skipOp("]") { break }
                items.append(try parseExpression())
            }
            return Expr(kind: .list(items), offset: token.offset)
        case .op("{"):
            _ = advance()
            var pairs: [(Expr, Expr)] = []
            while !skipOp("}") {
                if !pairs.isEmpty { try expectOp(",") }
                if skipOp("}") { break }
                let key = try parseExpression()
                try expectOp(":")
                pairs.append((key, try parseExpression()))
            }
            return Expr(kind: .dict(pairs), offset: token.offset)
        default:
            throw error("expected an expression, found \(describe(token.kind))")
        }
    }

    private mutating func parsePostfix(_ start: Expr) throws(TemplateError) -> Expr {
        var node = start
        while true {
            let offset = current.offset
            if skipOp(".") {
                switch current.kind {
                case .name(let n):
                    _ = advance()
                    node = Expr(kind: .attribute(node, n), offset: offset)
                case .integer(let i):
                    _ = advance()
                    node = Expr(kind: .item(node, Expr(kind: .literal(.int(i)), offset: offset)), offset: offset)
                default:
                    throw error("expected an attribute name after '.', found \(describe(current.kind))")
                }
            } else if skipOp("[") {
                node = try parseSubscript(node, offset: offset)
            } else if isOp("(") {
                node = Expr(kind: .call(node, try parseCallArguments()), offset: offset)
            } else {
                return node
            }
        }
    }

    private mutating func parseSubscript(_ target: Expr, offset: Int) throws(TemplateError) -> Expr {
        var parts: [Expr?] = []
        var current_: Expr? = nil
        var isSlice = false
        while true {
            if isOp(":") {
                _ = advance()
                parts.append(current_)
                current_ = nil
                isSlice = true
                continue
            }
            if isOp("]") {
                _ = advance()
                parts.append(current_)
                break
            }
            if current_ != nil { throw error("expected ':' or ']' in subscript, found \(describe(self.current.kind))") }
            current_ = try parseExpression()
        }
        if !isSlice {
            guard let key = parts.first ?? nil else { throw error("empty subscript", at: offset) }
            return Expr(kind: .item(target, key), offset: offset)
        }
        guard parts.count <= 3 else { throw error("too many ':' in slice", at: offset) }
        return Expr(kind: .slice(target, start: parts[0], stop: parts.count > 1 ? parts[1] : nil,
                                 step: parts.count > 2 ? parts[2] : nil), offset: offset)
    }

    private mutating func parseCallArguments() throws(TemplateError) -> [CallArgument] {
        try expectOp("(")
        var args: [CallArgument] = []
        while !skipOp(")") {
            if !args.isEmpty { try expectOp(",") }
            if skipOp(")") { break }
            if skipOp("**") {
                args.append(.doubleStar(try parseExpression()))
            } else if skipOp("*") {
                args.append(.star(try parseExpression()))
            } else if case .name(let n) = current.kind, peek().kind == .op("=") {
                _ = advance(); _ = advance()
                args.append(.keyword(n, try parseExpression()))
            } else {
                args.append(.positional(try parseExpression()))
            }
        }
        return args
    }

    private mutating func parseDottedName() throws(TemplateError) -> String {
        var name = try expectName()
        while isOp("."), case .name(let more) = peek().kind {
            _ = advance(); _ = advance()
            name += "." + more
        }
        return name
    }

    private func checkKnown(filter name: String, at offset: Int) throws(TemplateError) {
        if conditionalDepth == 0, !Filters.names.contains(name) {
            throw error("no filter named '\(name)'", at: offset)
        }
    }

    private mutating func parseFilterExpression(_ start: Expr) throws(TemplateError) -> Expr {
        var node = start
        while true {
            if isOp("|") {
                _ = advance()
                let offset = current.offset
                let name = try parseDottedName()
                try checkKnown(filter: name, at: offset)
                var args: [CallArgument] = []
                if isOp("(") { args = try parseCallArguments() }
                node = Expr(kind: .filter(node, name: name, args), offset: offset)
            } else if isName("is") {
                _ = advance()
                let negated = skipName("not")
                let offset = current.offset
                let name = try parseDottedName()
                if conditionalDepth == 0, !Tests.names.contains(name) {
                    throw error("no test named '\(name)'", at: offset)
                }
                var args: [CallArgument] = []
                if isOp("(") {
                    args = try parseCallArguments()
                } else {
                    switch current.kind {
                    case .name(let n) where !["else", "or", "and"].contains(n):
                        if n == "is" { throw error("tests cannot be chained with 'is'") }
                        args = [.positional(try parsePostfix(try parsePrimary()))]
                    case .string, .integer, .float, .op("("), .op("["), .op("{"):
                        args = [.positional(try parsePostfix(try parsePrimary()))]
                    default: break
                    }
                }
                node = Expr(kind: .test(node, name: name, args, negated: negated), offset: offset)
            } else if isOp("(") {
                let offset = current.offset
                node = Expr(kind: .call(node, try parseCallArguments()), offset: offset)
            } else {
                return node
            }
        }
    }
}
