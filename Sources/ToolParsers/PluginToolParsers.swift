import PluginABI
import Schema
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Tool-call formats written in code and loaded at run time through the C ABI
/// (`ts_tool_parser_vtable` in toolshell_plugin.h): every name the plugin lists becomes a format
/// whose parsers call the plugin's `create`/`feed`/`finish`.
public enum PluginToolParsers {
    /// The formats a plugin's tool-parser vtable provides. `origin` names the plugin in errors.
    public static func formats(vtable: UnsafePointer<ts_tool_parser_vtable>, origin: String) throws(ToolParserError) -> [ToolParserFormat] {
        let table = vtable.pointee
        guard table.abi_version == TS_ABI_VERSION else {
            throw .plugin(path: origin, message: "tool-parser ABI version \(table.abi_version), this toolshell speaks \(TS_ABI_VERSION); rebuild the plugin against this toolshell_plugin.h")
        }
        guard Int(table.struct_size) >= MemoryLayout<ts_tool_parser_vtable>.size else {
            throw .plugin(path: origin, message: "ts_tool_parser_vtable is \(table.struct_size) bytes, expected at least \(MemoryLayout<ts_tool_parser_vtable>.size)")
        }
        guard table.create != nil, table.feed != nil, table.finish != nil, table.destroy != nil, table.free_string != nil else {
            throw .plugin(path: origin, message: "the tool-parser vtable lacks create, feed, finish, destroy or free_string")
        }
        guard let namesPointer = table.names_json,
              let names = (try? JSONValue.parse(String(cString: namesPointer)))?.arrayValue?.compactMap(\.stringValue),
              !names.isEmpty else {
            throw .plugin(path: origin, message: "names_json must be a JSON array of parser names")
        }
        let handle = VTableHandle(vtable: vtable)
        return names.map { name in
            ToolParserFormat(
                name: name, summary: "plugin \(origin)",
                engine: .custom({ (catalog: ToolCatalog, options: ToolParserOptions) throws(ToolParserError) -> any ToolParser in
                    try PluginToolParser(handle: handle, name: name, tools: catalog, origin: origin)
                }),
                structural: nil, markers: ["(plugin)"])
        }
    }

    /// Opens a plugin library and reads its tool-parser formats; the library stays loaded.
    public static func load(path: String) throws(ToolParserError) -> [ToolParserFormat] {
        guard let library = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "unknown reason"
            throw .plugin(path: path, message: "cannot load: \(reason)")
        }
        guard let symbol = dlsym(library, TS_PLUGIN_ENTRY_SYMBOL) else {
            throw .plugin(path: path, message: "no \(TS_PLUGIN_ENTRY_SYMBOL) symbol; is this a toolshell plugin?")
        }
        let entry = unsafeBitCast(symbol, to: ts_plugin_entry_fn.self)
        guard let descriptor = entry() else { throw .plugin(path: path, message: "\(TS_PLUGIN_ENTRY_SYMBOL) returned null") }
        let d = descriptor.pointee
        guard d.abi_version == TS_ABI_VERSION else {
            throw .plugin(path: path, message: "plugin ABI version \(d.abi_version), this toolshell speaks \(TS_ABI_VERSION)")
        }
        guard d.kind == TS_PLUGIN_TOOL_PARSER.rawValue else {
            throw .plugin(path: path, message: "plugin kind \(d.kind) is not a tool parser (\(TS_PLUGIN_TOOL_PARSER.rawValue))")
        }
        guard let vtable = d.vtable else { throw .plugin(path: path, message: "the descriptor has no vtable") }
        return try formats(vtable: vtable.assumingMemoryBound(to: ts_tool_parser_vtable.self), origin: path)
    }
}

extension ToolParserRegistry {
    /// Registers the formats of a tool-parser plugin library; returns their names.
    @discardableResult
    public mutating func loadPlugin(path: String) throws(ToolParserError) -> [String] {
        let formats = try PluginToolParsers.load(path: path)
        for f in formats { register(f) }
        return formats.map(\.name)
    }
}

/// The plugin's vtable; it lives as long as the loaded library (for the process).
struct VTableHandle: @unchecked Sendable {
    let vtable: UnsafePointer<ts_tool_parser_vtable>
}

/// One stream parsed by a plugin. A plugin error mid-stream turns the delta into content (nothing
/// is lost) and is kept in `lastError`.
final class PluginToolParser: ToolParser {
    let handle: VTableHandle
    let state: OpaquePointer
    private(set) var lastError: String?
    private var nextIndex = 0

    init(handle: VTableHandle, name: String, tools: ToolCatalog, origin: String) throws(ToolParserError) {
        self.handle = handle
        let toolsJSON = JSONValue.array(tools.tools.map(\.definition)).jsonString()
        var error: UnsafeMutablePointer<CChar>?
        let created = name.withCString { n in toolsJSON.withCString { t in handle.vtable.pointee.create(n, t, &error) } }
        guard let created else {
            let message = error.map { String(cString: $0) } ?? "create returned null"
            if let error { handle.vtable.pointee.free_string(error) }
            throw .plugin(path: origin, message: "cannot create parser '\(name)': \(message)")
        }
        state = created
    }

    deinit { handle.vtable.pointee.destroy(state) }

    func feed(_ delta: String) -> [ToolParserEvent] {
        var error: UnsafeMutablePointer<CChar>?
        let result = delta.withCString { handle.vtable.pointee.feed(state, $0, &error) }
        return events(result, error, fallback: delta)
    }

    func finish() -> [ToolParserEvent] {
        var error: UnsafeMutablePointer<CChar>?
        let result = handle.vtable.pointee.finish(state, &error)
        return events(result, error, fallback: "")
    }

    private func events(_ result: UnsafeMutablePointer<CChar>?, _ error: UnsafeMutablePointer<CChar>?, fallback: String) -> [ToolParserEvent] {
        defer {
            if let result { handle.vtable.pointee.free_string(result) }
            if let error { handle.vtable.pointee.free_string(error) }
        }
        guard let result, let list = (try? JSONValue.parse(String(cString: result)))?.arrayValue else {
            lastError = error.map { String(cString: $0) } ?? "the plugin returned no JSON event array"
            return fallback.isEmpty ? [] : [.content(fallback)]
        }
        var out: [ToolParserEvent] = []
        for e in list {
            switch e["type"]?.stringValue {
            case "content": if let t = e["text"]?.stringValue, !t.isEmpty { out.append(.content(t)) }
            case "reasoning": if let t = e["text"]?.stringValue, !t.isEmpty { out.append(.reasoning(t)) }
            case "tool_call":
                guard let index = e["index"]?.int64Value.map(Int.init) else { continue }
                if index == nextIndex, let name = e["name"]?.stringValue {
                    nextIndex += 1
                    out.append(.toolCall(index: index, id: e["id"]?.stringValue ?? "call_\(index)", name: name,
                                         arguments: e["arguments"]?.stringValue ?? ""))
                } else if index == nextIndex - 1 {
                    out.append(.toolCall(index: index, id: nil, name: nil, arguments: e["arguments"]?.stringValue ?? ""))
                } else {
                    lastError = "plugin event for call \(index) out of order (next is \(nextIndex))"
                }
            default:
                lastError = "unknown plugin event \(e.jsonString())"
            }
        }
        return out
    }
}
