/// Splits command arguments into words the way a shell would quote them, without
/// any expansion: whitespace separates words, '…' keeps text literally, "…" keeps
/// text with \" and \\ escapes, and a backslash outside quotes escapes the next character.
enum ArgumentLexer {
    /// Why a line could not be split.
    struct Failure: Error, Equatable {
        /// Character offset (0-based) where the problem starts.
        var offset: Int
        var message: String
    }

    /// The words of `text`.
    static func split(_ text: String) throws(Failure) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var chars = Array(text)
        chars.append(" ")
        var i = 0
        while i < chars.count {
            let c = chars[i]
            switch c {
            case " ", "\t", "\n", "\r":
                if inWord { words.append(current); current = ""; inWord = false }
            case "'":
                inWord = true
                guard let close = chars[(i + 1)...].firstIndex(of: "'"), close < chars.count - 1 else {
                    throw Failure(offset: i, message: "unterminated single quote")
                }
                current += String(chars[(i + 1)..<close])
                i = close
            case "\"":
                inWord = true
                var j = i + 1
                var closed = false
                while j < chars.count - 1 {
                    if chars[j] == "\\", j + 1 < chars.count - 1, chars[j + 1] == "\"" || chars[j + 1] == "\\" {
                        current.append(chars[j + 1]); j += 2; continue
                    }
                    if chars[j] == "\"" { closed = true; break }
                    current.append(chars[j]); j += 1
                }
                guard closed else { throw Failure(offset: i, message: "unterminated double quote") }
                i = j
            case "\\":
                inWord = true
                if i + 1 < chars.count - 1 { current.append(chars[i + 1]); i += 1 }
            default:
                inWord = true
                current.append(c)
            }
            i += 1
        }
        return words
    }

    /// The first whitespace-separated word and the text after it (leading blanks removed).
    static func headAndRest(_ text: String) -> (head: String, rest: String) {
        let trimmed = text.drop { $0 == " " || $0 == "\t" }
        guard let end = trimmed.firstIndex(where: { $0 == " " || $0 == "\t" || $0 == "\n" }) else {
            return (String(trimmed), "")
        }
        let rest = trimmed[end...].drop { $0 == " " || $0 == "\t" || $0 == "\n" }
        return (String(trimmed[..<end]), String(rest))
    }
}
