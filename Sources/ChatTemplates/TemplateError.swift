/// Why a chat template could not be parsed or rendered.
public enum TemplateError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The template text is not valid Jinja; `line`/`column` are 1-based (column counts characters).
    case syntax(message: String, line: Int, column: Int)
    /// The template called `raise_exception(message)` (it rejects the conversation it was given).
    case raised(message: String)
    /// Rendering failed (unknown filter, wrong type, undefined value used, runaway recursion or output).
    case runtime(message: String, line: Int, column: Int)

    public var description: String {
        switch self {
        case let .syntax(message, line, column): return "template syntax error at \(line):\(column): \(message)"
        case let .raised(message): return "template raised: \(message)"
        case let .runtime(message, line, column): return "template error at \(line):\(column): \(message)"
        }
    }

    /// The message without the location prefix.
    public var message: String {
        switch self {
        case let .syntax(m, _, _), let .raised(m), let .runtime(m, _, _): return m
        }
    }
}

/// Maps byte offsets of the (newline-normalised) source to 1-based line:column.
struct SourceMap: Sendable {
    let bytes: [UInt8]
    private let lineStarts: [Int]

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        var starts = [0]
        for (i, b) in bytes.enumerated() where b == UInt8(ascii: "\n") { starts.append(i + 1) }
        lineStarts = starts
    }

    func location(_ offset: Int) -> (line: Int, column: Int) {
        let offset = min(max(0, offset), bytes.count)
        var lo = 0, hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        var column = 1
        for i in lineStarts[lo]..<offset where bytes[i] & 0xC0 != 0x80 { column += 1 }
        return (lo + 1, column)
    }
}
