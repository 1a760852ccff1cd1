/// A tool definition that could not be read: where (JSON pointer into the tools array) and why.
public struct ToolDefinitionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// JSON pointer into the tools array, e.g. `/2/function/name`.
    public let pointer: String
    /// What is wrong and how to fix it.
    public let message: String

    public init(pointer: String, message: String) {
        self.pointer = pointer
        self.message = message
    }

    public var description: String { "tools\(pointer): \(message)" }
}

/// The tools of a request (OpenAI `tools` array), looked up by name, with each tool's
/// parameter schemas resolved (`$ref` into the tool's own `$defs`/`definitions`).
public struct ToolCatalog: Sendable {
    /// One declared tool.
    public struct Tool: Sendable {
        public let name: String
        public let description: String?
        /// The `parameters` schema as declared (the root for its `$ref`s), or nil when absent.
        public let parameters: JSONValue?
        /// The declaration as given.
        public let definition: JSONValue
    }

    /// Tools in declaration order.
    public let tools: [Tool]
    private let index: [String: Int]

    /// Reads an OpenAI tools array: `{"type": "function", "function": {"name", "description",
    /// "parameters"}}` items; a bare `{"name", "parameters"}` item is accepted too.
    /// Throws when a name is missing, empty or repeated, or `parameters` is not an object/boolean.
    public init(tools: [JSONValue]) throws(ToolDefinitionError) {
        var list: [Tool] = []
        var index: [String: Int] = [:]
        for (i, item) in tools.enumerated() {
            guard case .object(let outer) = item else {
                throw ToolDefinitionError(pointer: "/\(i)", message: "a tool must be an object like {\"type\": \"function\", \"function\": {\"name\": ...}}, found \(item.typeName)")
            }
            var prefix = "/\(i)"
            var body = outer
            if let type = outer["type"], type.stringValue != "function" {
                throw ToolDefinitionError(pointer: "/\(i)/type", message: "only tools of type \"function\" are supported, found \(type.jsonString())")
            }
            if let function = outer["function"] {
                guard case .object(let f) = function else {
                    throw ToolDefinitionError(pointer: "/\(i)/function", message: "\"function\" must be an object with a name, found \(function.typeName)")
                }
                body = f
                prefix += "/function"
            }
            guard let nameValue = body["name"] else {
                throw ToolDefinitionError(pointer: prefix, message: "the tool has no \"name\"; add one")
            }
            guard let name = nameValue.stringValue, !name.isEmpty else {
                throw ToolDefinitionError(pointer: prefix + "/name", message: "the tool name must be a non-empty string, found \(nameValue.jsonString())")
            }
            if let previous = index[name] {
                throw ToolDefinitionError(pointer: prefix + "/name", message: "tool \"\(name)\" is already declared at /\(previous); give each tool a distinct name")
            }
            let parameters = body["parameters"]
            if let parameters {
                switch parameters {
                case .object, .bool: break
                default:
                    throw ToolDefinitionError(pointer: prefix + "/parameters", message: "\"parameters\" must be a JSON Schema object, found \(parameters.typeName)")
                }
            }
            let description = body["description"]?.stringValue
            index[name] = list.count
            list.append(Tool(name: name, description: description, parameters: parameters, definition: item))
        }
        self.tools = list
        self.index = index
    }

    /// Tool names in declaration order.
    public var names: [String] { tools.map(\.name) }

    /// The tool with this name.
    public func tool(named name: String) -> Tool? { index[name].map { tools[$0] } }

    /// The tool's parameters schema with a top-level `$ref` resolved; nil for an unknown tool
    /// or a tool without parameters.
    public func parametersSchema(tool name: String) -> JSONValue? {
        guard let parameters = tool(named: name)?.parameters else { return nil }
        return SchemaRefs.resolve(parameters, root: parameters) ?? parameters
    }

    /// The schema of one parameter (from `properties`, also inside `allOf` branches), with
    /// `$ref` resolved against the tool's parameters root; nil when the tool does not declare it.
    public func propertySchema(tool name: String, parameter: String) -> JSONValue? {
        guard let root = tool(named: name)?.parameters,
              let parameters = SchemaRefs.resolve(root, root: root) else { return nil }
        guard let found = Self.findProperty(parameter, in: parameters, root: root, depth: 0) else { return nil }
        return SchemaRefs.resolve(found, root: root) ?? found
    }

    /// The parameters root a parameter's `$ref`s resolve against (for `SchemaTypes`/`ParameterCoercion`).
    public func schemaRoot(tool name: String) -> JSONValue? { tool(named: name)?.parameters }

    /// Coerces a raw argument string for `parameter` of `tool` by its declared schema.
    public func coerce(_ raw: String, tool name: String, parameter: String) -> JSONValue {
        ParameterCoercion.coerce(raw, schema: propertySchema(tool: name, parameter: parameter),
                                 root: schemaRoot(tool: name))
    }

    private static func findProperty(_ name: String, in schema: JSONValue, root: JSONValue, depth: Int) -> JSONValue? {
        guard depth < 32, let resolved = SchemaRefs.resolve(schema, root: root), case .object(let o) = resolved else { return nil }
        if let p = o["properties"]?[name] { return p }
        for key in ["allOf", "anyOf", "oneOf"] {
            for branch in o[key]?.arrayValue ?? [] {
                if let p = findProperty(name, in: branch, root: root, depth: depth + 1) { return p }
            }
        }
        return nil
    }
}
