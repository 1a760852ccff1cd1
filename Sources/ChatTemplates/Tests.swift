/// jinja2's built-in tests (`x is defined`, `x is string`, ...), with Python's type rules
/// (`True` is a number, an Undefined is iterable, a dict is a sequence).
enum Tests {
    static let names: Set<String> = [
        "defined", "undefined", "none", "string", "number", "integer", "float", "boolean", "true", "false",
        "mapping", "iterable", "sequence", "callable", "equalto", "eq", "==", "ne", "!=", "lt", "<", "le", "<=",
        "gt", ">", "ge", ">=", "lessthan", "greaterthan", "sameas", "in", "odd", "even", "divisibleby",
        "lower", "upper", "escaped", "filter", "test",
    ]

    static func apply(_ name: String, _ original: Value, _ args: Arguments, _ interp: Interpreter, _ offset: Int) throws -> Bool {
        if name == "escaped" { return original.isMarkup }
        let value = original.plain
        let args = Arguments(positional: args.positional.map(\.plain), keywords: args.keywords.map { ($0.0, $0.1.plain) })
        func other() throws -> Value {
            guard let v = args.positional.first ?? args.keywords.first?.1 else {
                throw interp.fail("test '\(name)' needs an argument", offset)
            }
            return v
        }
        switch name {
        case "defined": return !value.isUndefined
        case "undefined": return value.isUndefined
        case "none": return value.isNone
        case "string": return value.isString
        case "number":
            switch value { case .int, .float, .bool: return true; default: return false }
        case "integer": if case .int = value { return true }; return false
        case "float": return value.isFloat
        case "boolean": if case .bool = value { return true }; return false
        case "true": if case .bool(true) = value { return true }; return false
        case "false": if case .bool(false) = value { return true }; return false
        case "mapping": if case .dict = value { return true }; return false
        case "iterable":
            switch value { case .undefined, .string, .list, .tuple, .dict, .generator: return true; default: return false }
        case "sequence":
            switch value { case .undefined, .string, .list, .tuple, .dict: return true; default: return false }
        case "callable":
            switch value { case .function, .undefined, .loop: return true; default: return false }
        case "equalto", "eq", "==": return Operators.equals(value, try other())
        case "ne", "!=": return !Operators.equals(value, try other())
        case "lt", "<", "lessthan": return try Operators.compare("<", value, try other(), interp, offset)
        case "le", "<=": return try Operators.compare("<=", value, try other(), interp, offset)
        case "gt", ">", "greaterthan": return try Operators.compare(">", value, try other(), interp, offset)
        case "ge", ">=": return try Operators.compare(">=", value, try other(), interp, offset)
        case "in": return try Operators.contains(try other(), value, interp, offset)
        case "sameas":
            let o = try other()
            switch (value, o) {
            case (.none, .none): return true
            case let (.bool(a), .bool(b)): return a == b
            case let (.int(a), .int(b)): return a == b && (-5...256).contains(a)
            case let (.function(a), .function(b)): return a === b
            case let (.namespace(a), .namespace(b)): return a === b
            default: return false
            }
        case "odd", "even":
            guard let i = Operators.intValue(value), !value.isFloat else {
                if case .undefined(let hint) = value { throw interp.fail(hint, offset) }
                throw interp.fail("unsupported operand type(s) for %: '\(value.pythonTypeName)' and 'int'", offset)
            }
            return (i % 2 != 0) == (name == "odd")
        case "divisibleby":
            let o = try other()
            let r = try Operators.binary("%", value, o, interp, offset)
            return Operators.equals(r, .int(0))
        case "lower": return StringOps.classify(value.pythonString, "islower")
        case "upper": return StringOps.classify(value.pythonString, "isupper")
        case "filter": return value.stringValue.map { Filters.names.contains($0) } ?? false
        case "test": return value.stringValue.map { Tests.names.contains($0) } ?? false
        default: throw interp.fail("No test named '\(name)'.", offset)
        }
    }
}
