import Schema

/// A failure to create or load a parser, saying what to do about it.
public enum ToolParserError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownParser(name: String, available: [String])
    case badTools(ToolDefinitionError)
    case badFormatFile(path: String, pointer: String, message: String)
    case plugin(path: String, message: String)

    public var description: String {
        switch self {
        case let .unknownParser(name, available):
            return "unknown tool parser '\(name)'; choose one of: \(available.joined(separator: ", ")) (toolshell parsers lists them with their markers)"
        case let .badTools(error):
            return "bad tool definition: \(error.description)"
        case let .badFormatFile(path, pointer, message):
            return "\(path): at \(pointer.isEmpty ? "/" : pointer): \(message)"
        case let .plugin(path, message):
            return "tool-parser plugin \(path): \(message)"
        }
    }
}

/// One named tool-call wire format: how to make its parser and its structural tag.
public struct ToolParserFormat: Sendable {
    /// How parsers of this format are made.
    public enum Engine: Sendable {
        /// The generic marker engine driven by a format table.
        case markup(MarkupFormat)
        /// gpt-oss Harmony channels.
        case harmony
        /// Code: a factory (C-ABI plugins and formats built in code).
        case custom(@Sendable (ToolCatalog, ToolParserOptions) throws(ToolParserError) -> any ToolParser)
    }

    public var name: String
    public var summary: String
    public let engine: Engine
    public var structural: StructuralTagTemplate?
    /// Markers listed by `toolshell parsers` (taken from the format table when empty).
    public var listedMarkers: [String]
    /// Marker tables built once for `.markup` engines.
    let tables: MarkupTables?

    public init(name: String, summary: String, engine: Engine, structural: StructuralTagTemplate?, markers: [String] = []) {
        self.name = name
        self.summary = summary
        self.engine = engine
        self.structural = structural
        self.listedMarkers = markers
        if case .markup(let format) = engine { tables = MarkupTables(format: format) } else { tables = nil }
    }

    /// The markers this format reads.
    public var markers: [String] {
        if !listedMarkers.isEmpty { return listedMarkers }
        if case .markup(let m) = engine { return m.markers }
        return []
    }

    /// A parser for one output stream.
    public func makeParser(tools: ToolCatalog, options: ToolParserOptions = ToolParserOptions()) throws(ToolParserError) -> any ToolParser {
        switch engine {
        case .markup(let format): return MarkupToolParser(format: format, catalog: tools, options: options, tables: tables)
        case .harmony: return HarmonyToolParser(catalog: tools, options: options)
        case .custom(let make): return try make(tools, options)
        }
    }

    /// A parser for one output stream, given the OpenAI `tools` array.
    public func makeParser(tools: [JSONValue], options: ToolParserOptions = ToolParserOptions()) throws(ToolParserError) -> any ToolParser {
        let catalog: ToolCatalog
        do { catalog = try ToolCatalog(tools: tools) } catch { throw .badTools(error) }
        return try makeParser(tools: catalog, options: options)
    }

    /// The structural tag (xgrammar JSON) that forces this format's calls; `{"type":"any_text"}` when
    /// the format has none or the choice is `.none`.
    public func structuralTag(tools: [JSONValue], choice: ToolChoice) throws(ToolParserError) -> JSONValue {
        let catalog: ToolCatalog
        do { catalog = try ToolCatalog(tools: tools) } catch { throw .badTools(error) }
        guard let structural else { return ["type": "structural_tag", "format": ["type": "any_text"]] }
        return structural.structuralTag(tools: catalog, choice: choice)
    }
}

/// The open registry of tool-call formats: the built-ins by vLLM's names, plus formats
/// registered at run time (declarative files, C-ABI plugins, code).
public struct ToolParserRegistry: Sendable {
    private var formats: [String: ToolParserFormat] = [:]
    /// Names in registration order.
    public private(set) var names: [String] = []

    public init(_ formats: [ToolParserFormat] = []) {
        for f in formats { register(f) }
    }

    /// Every built-in format.
    public static let builtIn = ToolParserRegistry(BuiltInFormats.all)

    /// Adds a format (replacing one of the same name).
    public mutating func register(_ format: ToolParserFormat) {
        if formats[format.name] == nil { names.append(format.name) }
        formats[format.name] = format
    }

    public func format(named name: String) -> ToolParserFormat? { formats[name] }

    /// The format of this name, or an error listing the names there are.
    public func require(_ name: String) throws(ToolParserError) -> ToolParserFormat {
        guard let f = formats[name] else { throw .unknownParser(name: name, available: names) }
        return f
    }

    /// A parser for `name` with the OpenAI `tools` array.
    public func makeParser(name: String, tools: [JSONValue], options: ToolParserOptions = ToolParserOptions()) throws(ToolParserError) -> any ToolParser {
        try require(name).makeParser(tools: tools, options: options)
    }

    public var all: [ToolParserFormat] { names.compactMap { formats[$0] } }
}
