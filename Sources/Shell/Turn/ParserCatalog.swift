import Schema

/// The tool-call parsers the shell can use, by their vLLM names.
@MainActor
enum ParserCatalog {
    /// Every parser name `/parser` accepts (besides `auto`).
    static var names: [String] { [] }
}

extension ShellSession {
    /// The parser in effect: the /parser choice, or for `auto` the one the model's template implies.
    var activeParserName: String? {
        parserSetting == "auto" ? nil : parserSetting
    }

    /// A fresh parser for one reply.
    func makeReplyParser() -> ReplyParser {
        PlainTextParser()
    }
}
