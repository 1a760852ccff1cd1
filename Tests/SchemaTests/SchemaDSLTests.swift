import Testing
@testable import Schema

/// The concise syntax as simonw/llm documents it (`llm --schema 'name, age int, bio'`).
@Suite struct SchemaDSLTests {
    @Test func commaForm() throws {
        let schema = try SchemaDSL.parse("name, age int, score float: the score, ok bool")
        let expected = try JSONValue.parse("""
        {"type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer"},
         "score": {"type": "number", "description": "the score"}, "ok": {"type": "boolean"}},
         "required": ["name", "age", "score", "ok"]}
        """)
        #expect(schema == expected)
        #expect(schema["properties"]?.objectValue?.keys == ["name", "age", "score", "ok"])
        // The generated schema is a valid JSON Schema that accepts the obvious instance.
        let validator = try SchemaValidator(schema: schema)
        #expect(validator.isValid(["name": "x", "age": 3, "score": 1.5, "ok": true]))
        #expect(!validator.isValid(["name": "x", "age": "3", "score": 1.5, "ok": true]))
    }

    @Test func lineForm() throws {
        let schema = try SchemaDSL.parse("""
        name: the person's name, in full
        age int: age in years

        bio: a short bio, no more than three sentences
        """)
        #expect(schema["properties"]?["name"]?["description"] == "the person's name, in full")
        #expect(schema["properties"]?["age"] == ["type": "integer", "description": "age in years"])
        #expect(schema["required"] == ["name", "age", "bio"])
    }

    @Test func multiWrapsInItems() throws {
        let schema = try SchemaDSL.parse("name, age int", multi: true)
        #expect(schema["properties"]?["items"]?["type"] == "array")
        #expect(schema["properties"]?["items"]?["items"]?["required"] == ["name", "age"])
        #expect(schema["required"] == ["items"])
    }

    @Test func errorsNameTheColumn() {
        func error(_ text: String) -> SchemaDSLError? {
            do { _ = try SchemaDSL.parse(text); return nil } catch { return error }
        }
        #expect(error("name, age integer") == SchemaDSLError(line: 1, column: 11, message: "unknown type \"integer\"; use str, int, float or bool"))
        #expect(error("name, , age")?.column == 7)  // the extra comma
        #expect(error("name,  : desc")?.column == 8)
        #expect(error("a int extra")?.column == 7)
        #expect(error("a\nb int\nc nope")?.line == 3)
        #expect(error("a\nb int\nc nope")?.column == 3)
        #expect(error("a, a int")?.message.contains("twice") == true)
        #expect(error("   ") != nil)
    }
}
