import ChatTemplates
import Schema
import ToolParsers

/// The tool-call parsers the shell can use, by their vLLM names (ToolParsers' registry).
@MainActor
enum ParserCatalog {
    /// Every parser name `/parser` accepts (besides `auto`).
    static var names: [String] { ToolParserRegistry.builtIn.names }
}

/// Adapts a ToolParsers parser to the turn loop's event stream.
final class ToolParserAdapter: ReplyParser {
    private let parser: any ToolParser

    init(_ parser: any ToolParser) { self.parser = parser }

    func feed(_ delta: String) -> [ShellEvent] { parser.feed(delta).map(Self.event) }
    func finish() -> [ShellEvent] { parser.finish().map(Self.event) }

    private static func event(_ e: ToolParserEvent) -> ShellEvent {
        switch e {
        case .content(let text): return .content(text)
        case .reasoning(let text): return .reasoning(text)
        case let .toolCall(index, id, name, arguments):
            return .toolCallDelta(index: index, id: id, name: name, arguments: arguments)
        }
    }
}

extension ShellSession {
    /// The parser in effect: the /parser choice, or for `auto` the one the model's chat
    /// template implies (nil: plain text).
    var activeParserName: String? {
        guard parserSetting == "auto" else { return parserSetting }
        guard let template = model?.chatTemplate else { return nil }
        if let cached = inferredParser, cached.template == template { return cached.name }
        let name = ToolParserInference.parserName(forTemplate: template)
        inferredParser = (template, name)
        return name
    }

    /// A fresh parser for one reply (plain text when no parser is in effect).
    func makeReplyParser() throws(ShellError) -> ReplyParser {
        guard let name = activeParserName else { return PlainTextParser() }
        do {
            return ToolParserAdapter(try ToolParserRegistry.builtIn.makeParser(name: name, tools: requestTools))
        } catch {
            throw ShellError(.input, error.description, fix: "/tools list shows the tools; /parser NAME picks another parser")
        }
    }
}
