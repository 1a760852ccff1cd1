import ChatTemplates
import Schema
import ToolParsers

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
    /// Every parser name `/parser` accepts (besides `auto`).
    var parserNames: [String] { parserRegistry.names }

    /// `/parser load FILE`: registers the formats of a declarative format file.
    func loadParserFormats(_ path: String) throws(ShellError) {
        let text = try readFile(path)
        do {
            let names = try parserRegistry.loadDeclarativeFormats(text, path: resolvePath(path))
            info("/parser", "loaded parser\(names.count == 1 ? "" : "s") \(names.joined(separator: ", ")) from \(resolvePath(path))")
            if names.count == 1, let name = names.first { parserSetting = name }
        } catch {
            throw ShellError(.input, error.description, fix: "see /help parser for the file format")
        }
    }

    /// The parser in effect: the /parser choice, or for `auto` the one the model's chat
    /// template implies (nil: plain text).
    var activeParserName: String? {
        guard parserSetting == "auto" else { return parserSetting }
        guard let template = model?.chatTemplate else { return nil }
        if let cached = inferredParser, cached.template == template { return cached.name }
        var name = ToolParserInference.parserName(forTemplate: template)
        if let inferred = name, parserRegistry.format(named: inferred) == nil {
            // The template writes a format toolshell has no built-in parser for: show replies as
            // plain text rather than failing every turn, and say so once.
            info("/parser", "the chat template writes tool calls in the \(inferred) format, which has no built-in parser; replies are shown as plain text (/parser NAME picks a parser, /parser load FILE adds a format)")
            name = nil
        }
        inferredParser = (template, name)
        return name
    }

    /// A fresh parser for one reply (plain text when no parser is in effect).
    func makeReplyParser() throws(ShellError) -> ReplyParser {
        guard let name = activeParserName else { return PlainTextParser() }
        do {
            return ToolParserAdapter(try parserRegistry.makeParser(name: name, tools: requestTools))
        } catch {
            throw ShellError(.input, error.description, fix: "/tools list shows the tools; /parser NAME picks another parser")
        }
    }

    /// The active parser's structural tag forcing a call for `choice` (nil when no parser is
    /// active, the parser has no structural tag, or the tools are malformed).
    func forcedCallStructuralTag(choice: ToolChoiceMode) -> JSONValue? {
        guard let name = activeParserName, let format = parserRegistry.format(named: name), format.structural != nil else { return nil }
        let parserChoice: ToolChoice
        switch choice {
        case .required: parserChoice = .required
        case .named(let n): parserChoice = .named(n)
        case .auto, .none: return nil
        }
        return try? format.structuralTag(tools: requestTools, choice: parserChoice)
    }
}
