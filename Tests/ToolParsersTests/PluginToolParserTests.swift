import Testing
import Schema
import PluginABI
#if canImport(Glibc)
import Glibc
#endif
@testable import ToolParsers

/// A tool-parser "plugin" built from C-convention functions: content passes through, and
/// finish() reports one call — enough to check the host side of the ABI.
private func dup(_ s: String) -> UnsafeMutablePointer<CChar>? { strdup(s) }

private let echoCreate: @convention(c) (UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> OpaquePointer? = { name, _, error in
    guard let name, String(cString: name) == "echo" else {
        error?.pointee = dup("unknown name")
        return nil
    }
    return OpaquePointer(bitPattern: 0x1000)
}
private let echoDestroy: @convention(c) (OpaquePointer?) -> Void = { _ in }
private let echoFree: @convention(c) (UnsafeMutablePointer<CChar>?) -> Void = { free($0) }
private let echoFeed: @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> UnsafeMutablePointer<CChar>? = { _, delta, error in
    let text = delta.map { String(cString: $0) } ?? ""
    if text == "FAIL" { error?.pointee = dup("plugin refused"); return nil }
    return dup(JSONValue.array([.object(JSONObject([("type", "content"), ("text", .string(text))]))]).jsonString())
}
private let echoFinish: @convention(c) (OpaquePointer?, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> UnsafeMutablePointer<CChar>? = { _, _ in
    dup(#"[{"type":"tool_call","index":0,"id":"p0","name":"get_time","arguments":"{"},{"type":"tool_call","index":0,"arguments":"}"}]"#)
}
private let echoNames: StaticString = #"["echo"]"#

@Suite struct PluginToolParserTests {
    static func vtable(version: UInt32 = TS_ABI_VERSION) -> UnsafeMutablePointer<ts_tool_parser_vtable> {
        let p = UnsafeMutablePointer<ts_tool_parser_vtable>.allocate(capacity: 1)
        p.initialize(to: ts_tool_parser_vtable(
            abi_version: version, struct_size: UInt32(MemoryLayout<ts_tool_parser_vtable>.size),
            free_string: echoFree,
            names_json: UnsafeRawPointer(echoNames.utf8Start).assumingMemoryBound(to: CChar.self),
            create: echoCreate, destroy: echoDestroy, feed: echoFeed, finish: echoFinish))
        return p
    }

    @Test func pluginFormatsParseThroughTheABI() throws {
        let formats = try PluginToolParsers.formats(vtable: Self.vtable(), origin: "test-plugin")
        #expect(formats.map(\.name) == ["echo"])
        var registry = ToolParserRegistry.builtIn
        for f in formats { registry.register(f) }
        let parser = try registry.makeParser(name: "echo", tools: FormatRendering.tools)
        var out = ParsedOutput(events: parser.feed("hello "))
        out.apply(parser.feed("FAIL"))
        out.apply(parser.finish())
        #expect(out.content == "hello FAIL")
        #expect(out.toolCalls == [ParsedToolCall(id: "p0", name: "get_time", arguments: "{}")])
        #expect((parser as? PluginToolParser)?.lastError == "plugin refused")
    }

    @Test func wrongVersionAndMissingLibraryAreTypedErrors() {
        #expect(throws: ToolParserError.self) { try PluginToolParsers.formats(vtable: Self.vtable(version: 99), origin: "old") }
        #expect(throws: ToolParserError.self) { try PluginToolParsers.load(path: "/nonexistent/libnothing.so") }
    }
}
