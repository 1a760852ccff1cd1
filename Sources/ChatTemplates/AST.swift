/// An expression with the byte offset it starts at (for error locations).
struct Expr {
    indirect enum Kind {
        case literal(Value)
        case name(String)
        case list([Expr])
        case tuple([Expr])
        case dict([(Expr, Expr)])
        case attribute(Expr, String)
        case item(Expr, Expr)
        case slice(Expr, start: Expr?, stop: Expr?, step: Expr?)
        case call(Expr, [CallArgument])
        case filter(Expr, name: String, [CallArgument])
        case test(Expr, name: String, [CallArgument], negated: Bool)
        case negate(Expr)
        case plus(Expr)
        case not(Expr)
        case binary(String, Expr, Expr)
        case concat([Expr])
        case compare(Expr, [(String, Expr)])
        case and(Expr, Expr)
        case or(Expr, Expr)
        case conditional(test: Expr, then: Expr, otherwise: Expr?)
    }

    let kind: Kind
    let offset: Int
}

enum CallArgument {
    case positional(Expr)
    case keyword(String, Expr)
    case star(Expr)
    case doubleStar(Expr)
}

/// Where `set` and `for` store values.
enum AssignTarget {
    case name(String)
    case tuple([AssignTarget])
    case attribute(Expr, String)
}

/// A filter applied by a `{% filter %}` block or a block `set`.
struct FilterCall {
    let name: String
    let arguments: [CallArgument]
    let offset: Int
}

struct MacroParameter {
    let name: String
    let defaultValue: Expr?
}

/// A template statement.
indirect enum Node {
    case text(String)
    case output(Expr)
    case conditional([(Expr, [Node])], otherwise: [Node]?)
    case forLoop(target: AssignTarget, iterable: Expr, condition: Expr?, body: [Node], otherwise: [Node]?, offset: Int)
    case set(AssignTarget, Expr, offset: Int)
    case setBlock(String, filters: [FilterCall], body: [Node])
    case macro(name: String, parameters: [MacroParameter], body: [Node], offset: Int)
    case callBlock(call: Expr, parameters: [MacroParameter], body: [Node])
    case filterBlock([FilterCall], body: [Node])
    case with(assignments: [(AssignTarget, Expr)], body: [Node])
    case block([Node])
    case breakLoop
    case continueLoop
}
