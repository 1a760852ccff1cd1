import Foundation
import Schema
import ToolParsers

/// Options shared by `toolshell parse` and `toolshell parsers`: extra formats from declarative files.
struct ParserRegistryOptions {
    var formatFiles: [String] = []

    /// The built-in registry plus the user formats; errors name the file and the JSON pointer.
    func registry() throws(ToolParserError) -> ToolParserRegistry {
        var registry = ToolParserRegistry.builtIn
        for path in formatFiles {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw .badFormatFile(path: path, pointer: "", message: "cannot read the file")
            }
            try registry.loadDeclarativeFormats(String(decoding: data, as: UTF8.self), path: path)
        }
        return registry
    }
}

/// `toolshell parse --parser NAME [--tools FILE] [--chunk N | --chunk random] [--deltas] [--reasoning-open]
/// [--formats FILE] [FILE|-]`: parses a model output into content, reasoning and tool calls
/// (OpenAI JSON), or with `--deltas` prints the streamed events as JSONL.
enum ParseCommand: Subcommand {
    static let name = "parse"
    static let summary = "parse a model output with a tool-call parser: parse --parser NAME [--tools FILE] [--deltas] [FILE]"

    static let usageText = """
    usage: toolshell parse --parser NAME [--tools FILE] [--chunk N | --chunk random] [--deltas]
                           [--reasoning-open] [--formats FILE] [FILE|-]
      --parser NAME      wire format (toolshell parsers lists them)
      --tools FILE       OpenAI tools array (JSON) whose schemas type the arguments
      --chunk N|random   feed the text in pieces of N characters, or of random sizes (default: all at once)
      --deltas           print the streamed events as JSON lines instead of the final message
      --reasoning-open   the prompt opened reasoning (R1 style): the output starts inside it
      --formats FILE     load user formats from a declarative JSON file (repeatable)
    """

    enum Chunk { case whole, size(Int), random }

    static func run(_ arguments: [String]) -> Int32 {
        var parserName: String?
        var toolsPath: String?
        var chunk = Chunk.whole
        var deltas = false
        var reasoningOpen = false
        var registryOptions = ParserRegistryOptions()
        var input: String?
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            switch a {
            case "--deltas": deltas = true
            case "--reasoning-open": reasoningOpen = true
            case "--help", "-h":
                print(usageText)
                return 0
            case "--parser", "--tools", "--chunk", "--formats":
                guard i + 1 < arguments.count else { return fail("\(a) needs a value", usage: true) }
                i += 1
                let v = arguments[i]
                switch a {
                case "--parser": parserName = v
                case "--tools": toolsPath = v
                case "--formats": registryOptions.formatFiles.append(v)
                default:
                    if v == "random" { chunk = .random } else if let n = Int(v), n > 0 { chunk = .size(n) } else {
                        return fail("--chunk takes a positive number of characters or 'random', not '\(v)'", usage: true)
                    }
                }
            default:
                if a.hasPrefix("--") { return fail("unknown option \(a)", usage: true) }
                if input != nil { return fail("only one input file may be given (got '\(a)' too)", usage: true) }
                input = a
            }
            i += 1
        }
        guard let parserName else { return fail("--parser NAME is required (toolshell parsers lists the names)", usage: true) }

        let registry: ToolParserRegistry
        do { registry = try registryOptions.registry() } catch { return fail(error.description) }
        var tools: [JSONValue] = []
        if let toolsPath {
            do { tools = try loadTools(toolsPath) } catch { return fail(error.message) }
        }
        let text: String
        if let input, input != "-" {
            guard let data = FileManager.default.contents(atPath: input) else { return fail("cannot read '\(input)'") }
            text = String(decoding: data, as: UTF8.self)
        } else {
            text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        }

        let parser: any ToolParser
        do {
            parser = try registry.makeParser(name: parserName, tools: tools,
                                             options: ToolParserOptions(startsInReasoning: reasoningOpen ? true : nil))
        } catch {
            return fail(error.description)
        }
        var output = ParsedOutput()
        for piece in pieces(text, chunk) {
            let events = parser.feed(piece)
            if deltas { events.forEach { print(eventJSON($0).jsonString()) } }
            output.apply(events)
        }
        let events = parser.finish()
        if deltas { events.forEach { print(eventJSON($0).jsonString()) } }
        output.apply(events)
        if !deltas { print(output.json.jsonString(.python(indent: 2, ensureASCII: false))) }
        return 0
    }

    /// One event as the plugin ABI writes them: {"type":"content"|"reasoning","text"} or
    /// {"type":"tool_call","index","id"?,"name"?,"arguments"}.
    static func eventJSON(_ event: ToolParserEvent) -> JSONValue {
        switch event {
        case .content(let t): return .object(JSONObject([("type", "content"), ("text", .string(t))]))
        case .reasoning(let t): return .object(JSONObject([("type", "reasoning"), ("text", .string(t))]))
        case let .toolCall(index, id, name, arguments):
            var o = JSONObject([("type", "tool_call"), ("index", .integer(Int64(index)))])
            if let id { o["id"] = .string(id) }
            if let name { o["name"] = .string(name) }
            o["arguments"] = .string(arguments)
            return .object(o)
        }
    }

    static func pieces(_ text: String, _ chunk: Chunk) -> [String] {
        switch chunk {
        case .whole: return [text]
        case .size(let n):
            var out: [String] = []
            var current = ""
            var count = 0
            for ch in text.unicodeScalars {
                current.unicodeScalars.append(ch)
                count += 1
                if count == n { out.append(current); current = ""; count = 0 }
            }
            if !current.isEmpty { out.append(current) }
            return out
        case .random:
            var generator = SystemRandomNumberGenerator()
            var out: [String] = []
            var current = ""
            var target = Int.random(in: 1...16, using: &generator)
            for ch in text.unicodeScalars {
                current.unicodeScalars.append(ch)
                if current.unicodeScalars.count >= target {
                    out.append(current)
                    current = ""
                    target = Int.random(in: 1...16, using: &generator)
                }
            }
            if !current.isEmpty { out.append(current) }
            return out
        }
    }

    struct ToolsFileError: Error { let message: String }

    /// An OpenAI tools array, or an object holding one under "tools".
    static func loadTools(_ path: String) throws(ToolsFileError) -> [JSONValue] {
        guard let data = FileManager.default.contents(atPath: path) else { throw ToolsFileError(message: "cannot read tools file '\(path)'") }
        let value: JSONValue
        do { value = try JSONValue.parse(bytes: Array(data)) } catch {
            throw ToolsFileError(message: "\(path):\(error.description)")
        }
        if let a = value.arrayValue { return a }
        if let a = value["tools"]?.arrayValue { return a }
        throw ToolsFileError(message: "\(path): expected a JSON array of tools (or an object with a \"tools\" array), found \(value.typeName)")
    }

    static func fail(_ message: String, usage: Bool = false) -> Int32 {
        FileHandle.standardError.write(Data("toolshell parse: \(message)\n\(usage ? usageText + "\n" : "")".utf8))
        return 2
    }
}

/// `toolshell parsers [--json] [--formats FILE] [--export NAME…]`: every tool-call parser name with its
/// markers, or the named formats as a declarative format file.
enum ParsersCommand: Subcommand {
    static let name = "parsers"
    static let summary = "list the tool-call parsers and their markers: parsers [--json] [--formats FILE] [--export NAME…]"

    static func run(_ arguments: [String]) -> Int32 {
        var asJSON = false
        var registryOptions = ParserRegistryOptions()
        var export: [String] = []
        var i = 0
        while i < arguments.count {
            switch arguments[i] {
            case "--json": asJSON = true
            case "--formats":
                guard i + 1 < arguments.count else { return ParseCommand.fail("--formats needs a file") }
                i += 1
                registryOptions.formatFiles.append(arguments[i])
            case "--export":
                guard i + 1 < arguments.count else { return ParseCommand.fail("--export needs a parser name") }
                i += 1
                export.append(arguments[i])
            case "--help", "-h":
                print("usage: toolshell parsers [--json] [--formats FILE] [--export NAME…]")
                print("  --export NAME  print NAME as a declarative format file (a start for your own; repeatable)")
                return 0
            default:
                return ParseCommand.fail("parsers: unknown argument '\(arguments[i])'")
            }
            i += 1
        }
        let registry: ToolParserRegistry
        do { registry = try registryOptions.registry() } catch { return ParseCommand.fail(error.description) }
        if !export.isEmpty {
            var formats: [ToolParserFormat] = []
            for name in export {
                let format: ToolParserFormat
                do { format = try registry.require(name) } catch { return ParseCommand.fail(error.description) }
                guard DeclarativeFormats.entry(format) != nil else {
                    return ParseCommand.fail("parsers: '\(name)' is code, not a format table; it cannot be exported")
                }
                formats.append(format)
            }
            print(DeclarativeFormats.file(formats).jsonString(.python(indent: 2, ensureASCII: false)))
            return 0
        }
        if asJSON {
            let list: [JSONValue] = registry.all.map { f in
                .object(JSONObject([("name", .string(f.name)), ("summary", .string(f.summary)),
                                    ("markers", .array(f.markers.map { .string($0) })),
                                    ("structural_tag", .bool(f.structural != nil))]))
            }
            print(JSONValue.array(list).jsonString(.python(indent: 2, ensureASCII: false)))
        } else {
            for f in registry.all {
                print("\(f.name.padding(toLength: 16, withPad: " ", startingAt: 0)) \(f.summary)")
                print("  markers: \(f.markers.map { $0.debugDescription }.joined(separator: " "))")
            }
        }
        return 0
    }
}
