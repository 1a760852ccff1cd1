import Foundation

/// Where a line of input came from, for error messages.
struct SourceLocation: Sendable, Equatable, CustomStringConvertible {
    /// A script path, or "<stdin>" / "<repl>".
    var source: String
    /// 1-based line number of the first physical line.
    var line: Int

    var description: String { "\(source):\(line)" }
}

/// One command or message after `"""` blocks are joined.
struct LogicalLine: Sendable, Equatable {
    var text: String
    var location: SourceLocation
}

/// Joins physical lines into logical ones: a line with an odd number of `"""` opens a
/// block that runs to the next line holding `"""`; the markers are removed and the lines
/// joined with newlines. `"""` on its own line keeps the surrounding text verbatim.
struct LogicalLineAssembler {
    private var pending: [String] = []
    private var pendingStart: SourceLocation?

    /// Whether a `"""` block is open (the REPL shows a continuation prompt).
    var isInsideBlock: Bool { pendingStart != nil }

    /// Feeds one physical line; returns a finished logical line, or nil while a block is open.
    mutating func feed(_ line: String, at location: SourceLocation) -> LogicalLine? {
        let markers = line.components(separatedBy: "\"\"\"").count - 1
        if pendingStart == nil {
            if markers % 2 == 0 {
                return LogicalLine(text: markers == 0 ? line : Self.strip(line), location: location)
            }
            pendingStart = location
            pending = [line]
            return nil
        }
        pending.append(line)
        guard markers % 2 == 1, let start = pendingStart else { return nil }
        let joined = pending.joined(separator: "\n")
        pending = []
        pendingStart = nil
        return LogicalLine(text: Self.strip(joined), location: start)
    }

    /// Ends input; an open block is an error naming where it started.
    mutating func finish() -> SourceLocation? {
        defer { pending = []; pendingStart = nil }
        return pendingStart
    }

    /// Removes one `"""` … `"""` pair: a marker that ends its line takes the newline with it,
    /// and a closing marker alone on its line takes the newline before it.
    static func strip(_ text: String) -> String {
        guard let open = text.range(of: "\"\"\""),
              let close = text.range(of: "\"\"\"", options: .backwards), close.lowerBound >= open.upperBound
        else { return text }
        let prefix = text[..<open.lowerBound]
        var body = text[open.upperBound..<close.lowerBound]
        let suffix = text[close.upperBound...]
        // Opening marker at the end of its line: drop the blanks and newline after it.
        if let newline = body.firstIndex(of: "\n"), body[..<newline].allSatisfy({ $0 == " " || $0 == "\t" }) {
            body = body[body.index(after: newline)...]
        }
        // Closing marker alone on its line: drop the newline (and blanks) before it.
        if let newline = body.lastIndex(of: "\n"),
           body[body.index(after: newline)...].allSatisfy({ $0 == " " || $0 == "\t" }) {
            body = body[..<newline]
        }
        return String(prefix) + String(body) + String(suffix)
    }
}
