import Testing
@testable import Schema

@Suite struct ToolSchemaUtilityTests {
    static let toolsJSON = """
    [
      {"type": "function", "function": {"name": "get_weather", "description": "Weather",
        "parameters": {"type": "object",
          "properties": {
            "city": {"type": "string"},
            "days": {"type": "integer"},
            "unit": {"enum": ["celsius", "fahrenheit"]},
            "value": {"description": "Enter the requested value here."},
            "location": {"$ref": "#/$defs/Location"},
            "when": {"$ref": "#/definitions/When"},
            "ratio": {"type": "double"},
            "flags": {"type": "list"},
            "maybe": {"anyOf": [{"type": "integer"}, {"type": "null"}]}
          },
          "required": ["city"],
          "$defs": {"Location": {"type": "object", "properties": {"lat": {"type": "number"}}}},
          "definitions": {"When": {"$ref": "#/definitions/Day"}, "Day": {"type": "string", "format": "date"}}
        }}},
      {"name": "bare_tool", "parameters": {"$ref": "#/$defs/Args",
        "$defs": {"Args": {"type": "object", "properties": {"n": {"type": "int64"}}}}}},
      {"type": "function", "function": {"name": "no_params"}}
    ]
    """

    static func catalog() throws -> ToolCatalog {
        try ToolCatalog(tools: try #require(try JSONValue.parse(toolsJSON).arrayValue))
    }

    @Test func catalogLooksUpToolsAndResolvesRefs() throws {
        let c = try Self.catalog()
        #expect(c.names == ["get_weather", "bare_tool", "no_params"])
        #expect(c.tool(named: "get_weather")?.description == "Weather")
        #expect(c.parametersSchema(tool: "no_params") == nil)
        #expect(c.parametersSchema(tool: "missing") == nil)
        #expect(c.propertySchema(tool: "get_weather", parameter: "location")?["properties"]?["lat"] == ["type": "number"])
        // Two hops through definitions (vLLM #46924: unresolved $ref left the type unknown).
        #expect(c.propertySchema(tool: "get_weather", parameter: "when")?["type"] == "string")
        #expect(c.propertySchema(tool: "bare_tool", parameter: "n") == ["type": "int64"])
        #expect(c.parametersSchema(tool: "bare_tool")?["type"] == "object")
        #expect(c.propertySchema(tool: "get_weather", parameter: "nope") == nil)
    }

    @Test func catalogRejectsBadDefinitionsWithPointers() throws {
        func error(_ text: String) throws -> ToolDefinitionError? {
            let tools = try #require(try JSONValue.parse(text).arrayValue)
            do { _ = try ToolCatalog(tools: tools); return nil } catch { return error }
        }
        #expect(try error(##"[{"type": "function", "function": {"description": "x"}}]"##)?.pointer == "/0/function")
        #expect(try error(##"[{"name": "a"}, {"name": "a"}]"##)?.pointer == "/1/name")
        #expect(try error(##"[{"name": "a", "parameters": "x"}]"##)?.pointer == "/0/parameters")
        #expect(try error(##"[{"name": ""}]"##)?.pointer == "/0/name")
        #expect(try error(##"[3]"##)?.pointer == "/0")
        #expect(try error(##"[{"type": "retrieval", "name": "a"}]"##)?.pointer == "/0/type")
    }

    @Test func allowedTypesCoversEveryKeyword() throws {
        func types(_ text: String, root: String? = nil) throws -> [String] {
            SchemaTypes.allowedTypes(try JSONValue.parse(text), root: try root.map { try JSONValue.parse($0) })
        }
        #expect(try types(##"{"type": "string"}"##) == ["string"])
        #expect(try types(##"{"type": ["integer", "null", "integer"]}"##) == ["integer", "null"])
        #expect(try types(##"{"type": ["null", "integer"]}"##) == ["null", "integer"])
        #expect(try types(##"{"enum": ["a", 1, 2.5, null, "b"]}"##) == ["string", "integer", "number", "null"])
        #expect(try types(##"{"const": true}"##) == ["boolean"])
        #expect(try types(##"{"anyOf": [{"type": "number"}, {"type": "string"}]}"##) == ["number", "string"])
        #expect(try types(##"{"oneOf": [{"type": "boolean"}, {"$ref": "#/$defs/S"}], "$defs": {"S": {"type": "str"}}}"##) == ["boolean", "string"])
        #expect(try types(##"{"allOf": [{"type": ["string", "integer"]}, {"type": ["integer", "null"]}]}"##) == ["integer"])
        #expect(try types(##"{"allOf": [{"type": "number"}, {"type": "integer"}]}"##) == ["integer"])
        #expect(try types(##"{"$ref": "#/$defs/X"}"##, root: ##"{"$defs": {"X": {"type": "array"}}}"##) == ["array"])
        // No type: inferred from keywords, else any (vLLM #47557).
        #expect(try types(##"{"properties": {"a": {}}}"##) == ["object"])
        #expect(try types(##"{"items": {"type": "string"}}"##) == ["array"])
        #expect(try types(##"{"description": "anything"}"##) == ["any"])
        #expect(try types("true") == ["any"])
        #expect(try types("false") == [])
        #expect(try types(##"{"anyOf": [{"type": "string"}, {}]}"##) == ["any"])
        // Unresolvable ref and cyclic refs do not crash or hang.
        #expect(try types(##"{"$ref": "#/$defs/Missing"}"##) == ["any"])
        #expect(try types(##"{"$ref": "#/$defs/A", "$defs": {"A": {"$ref": "#/$defs/B"}, "B": {"$ref": "#/$defs/A"}}}"##) == ["any"])
        // Declaration order is kept: results are the same on every run (no set order).
        for _ in 0..<20 {
            #expect(try types(##"{"type": ["string", "number", "boolean", "object"]}"##) == ["string", "number", "boolean", "object"])
        }
    }

    @Test func coercionFollowsTheSchema() throws {
        let c = try Self.catalog()
        #expect(c.coerce("42", tool: "get_weather", parameter: "days") == .integer(42))
        #expect(c.coerce(" 42\n", tool: "get_weather", parameter: "days") == .integer(42))
        #expect(c.coerce("4.0", tool: "get_weather", parameter: "days") == .integer(4))
        #expect(c.coerce("forty", tool: "get_weather", parameter: "days") == .string("forty"))
        #expect(c.coerce("42", tool: "get_weather", parameter: "city") == .string("42"))
        #expect(c.coerce("celsius", tool: "get_weather", parameter: "unit") == .string("celsius"))
        // Schema without type: natural JSON type (vLLM #47557).
        #expect(c.coerce("5", tool: "get_weather", parameter: "value") == .integer(5))
        #expect(c.coerce("hello", tool: "get_weather", parameter: "value") == .string("hello"))
        #expect(c.coerce("True", tool: "get_weather", parameter: "value") == .bool(true))
        // $ref resolved (vLLM #46924).
        #expect(c.coerce(##"{"lat": 1.5}"##, tool: "get_weather", parameter: "location") == ["lat": 1.5])
        #expect(c.coerce("not json", tool: "get_weather", parameter: "location") == .string("not json"))
        #expect(c.coerce("2.5", tool: "get_weather", parameter: "ratio") == .number(2.5, source: nil))
        #expect(c.coerce("[1, 2]", tool: "get_weather", parameter: "flags") == [1, 2])
        #expect(c.coerce("null", tool: "get_weather", parameter: "maybe") == .null)
        #expect(c.coerce("7", tool: "get_weather", parameter: "maybe") == .integer(7))
        #expect(c.coerce("12", tool: "bare_tool", parameter: "n") == .integer(12))
        // Unknown tool / parameter: any type.
        #expect(c.coerce("[1]", tool: "nope", parameter: "x") == [1])
    }

    @Test func coercionAliasesAndEdgeCases() throws {
        func co(_ raw: String, _ type: String) -> JSONValue {
            ParameterCoercion.coerce(raw, schema: ["type": .string(type)], root: nil)
        }
        for alias in ["int", "int32", "int64", "integer", "uint", "long"] { #expect(co("-3", alias) == .integer(-3)) }
        for alias in ["float", "double", "number"] { #expect(co("0.25", alias) == .number(0.25, source: nil)) }
        for alias in ["bool", "boolean"] {
            #expect(co("true", alias) == .bool(true))
            #expect(co("FALSE", alias) == .bool(false))
            #expect(co("yes", alias) == .string("yes"))
        }
        for alias in ["str", "string", "text"] { #expect(co(" 1 ", alias) == .string(" 1 ")) }
        for alias in ["dict", "object"] { #expect(co(##"{"a": [1]}"##, alias) == ["a": [1]]) }
        for alias in ["list", "array"] { #expect(co("[true]", alias) == [true]) }
        #expect(co("nan", "number") == .string("nan"))
        #expect(co("inf", "float") == .string("inf"))
        #expect(co("1e3", "number") == .number(1000, source: "1e3"))
        #expect(co("[1]", "object") == .string("[1]"))
        #expect(co("123456789012345678901234567890", "integer").jsonString() == "123456789012345678901234567890")
        #expect(ParameterCoercion.coerce("null", schema: ["type": ["string", "null"]], root: nil) == .null)
        #expect(ParameterCoercion.coerce("x", schema: ["type": "mystery"], root: nil) == .string("x"))
        #expect(ParameterCoercion.coerce("3", schema: nil, root: nil) == .integer(3))
    }
}
