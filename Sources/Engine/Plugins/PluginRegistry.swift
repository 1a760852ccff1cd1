import Foundation
import PluginABI

/// Why one plugin could not be used; the other plugins keep working.
public struct PluginLoadFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The plugin's file name (e.g. `libToolshellCPUBackend.so`).
    public let name: String
    /// Full path of the file.
    public let path: String
    /// What went wrong and what to do about it.
    public let reason: String

    public var description: String { "plugin \(name): \(reason) (\(path))" }
}

/// One plugin loaded with dlopen whose descriptor passed the ABI checks.
public final class LoadedPlugin: @unchecked Sendable {
    /// The name the plugin gives itself (`cpu`, `gguf`, …).
    public let name: String
    public let version: String
    public let summary: String
    public let kind: ts_plugin_kind
    /// The file the plugin was loaded from.
    public let path: String
    let descriptor: UnsafePointer<ts_plugin_descriptor>
    private let handle: UnsafeMutableRawPointer

    init(path: String, handle: UnsafeMutableRawPointer, descriptor: UnsafePointer<ts_plugin_descriptor>) {
        self.path = path
        self.handle = handle
        self.descriptor = descriptor
        let d = descriptor.pointee
        name = d.name.map { String(cString: $0) } ?? (path as NSString).lastPathComponent
        version = d.version.map { String(cString: $0) } ?? "?"
        summary = d.description.map { String(cString: $0) } ?? ""
        kind = ts_plugin_kind(rawValue: d.kind)
    }

    /// The backend kernel table, for backend plugins.
    public var backendVTable: UnsafePointer<ts_backend_vtable>? {
        kind == TS_PLUGIN_BACKEND ? descriptor.pointee.vtable?.assumingMemoryBound(to: ts_backend_vtable.self) : nil
    }
    /// The engine table, for engine plugins.
    public var engineVTable: UnsafePointer<ts_engine_vtable>? {
        kind == TS_PLUGIN_ENGINE ? descriptor.pointee.vtable?.assumingMemoryBound(to: ts_engine_vtable.self) : nil
    }
    /// Whether the engine table is long enough to hold the field at `field` (an ABI 1.1 addition)
    /// and the plugin filled it in.
    public func engineTableHas<F>(_ field: KeyPath<ts_engine_vtable, F?>) -> Bool {
        guard let table = engineVTable, let offset = MemoryLayout<ts_engine_vtable>.offset(of: field) else { return false }
        return Int(table.pointee.struct_size) >= offset + MemoryLayout<F?>.size && table.pointee[keyPath: field] != nil
    }

    /// The backend's `score` for this machine (0 = cannot run here); nil for other kinds.
    public var backendScore: Int32? { backendVTable.map { $0.pointee.score?() ?? 0 } }
}

/// Size of `ts_engine_vtable` in ABI 1.0: the smallest engine table a host accepts.
public let engineVTableSize10 = MemoryLayout<ts_engine_vtable>.offset(of: \ts_engine_vtable.next_event_json)!

/// Finds, loads and checks plugins: `--plugin-path` entries first, then the directories in
/// `TOOLSHELL_PLUGIN_PATH` (colon-separated), then the directory of the running executable.
public final class PluginRegistry: @unchecked Sendable {
    /// Plugins that loaded, in search order (the first of a given name wins).
    public private(set) var plugins: [LoadedPlugin] = []
    /// Plugins that did not load, each with its reason.
    public private(set) var failures: [PluginLoadFailure] = []

    /// The directories (or files) searched, in order.
    public let searchPath: [String]

    /// Searches `explicitPaths` (files or directories), then the environment, then the executable's directory.
    public init(explicitPaths: [String] = [], environment: [String: String] = ProcessInfo.processInfo.environment,
                includeExecutableDirectory: Bool = true) {
        var path = explicitPaths
        if let env = environment["TOOLSHELL_PLUGIN_PATH"] {
            path += env.split(separator: ":").map(String.init).filter { !$0.isEmpty }
        }
        var executableDirectory: String?
        if includeExecutableDirectory, let exe = PluginRegistry.executablePath() {
            executableDirectory = (exe as NSString).deletingLastPathComponent
            path.append(executableDirectory!)
        }
        searchPath = path
        var seen = Set<String>()
        for entry in path {
            for file in PluginRegistry.candidates(in: entry, toolshellNamesOnly: entry == executableDirectory) {
                let real = (file as NSString).resolvingSymlinksInPath
                guard seen.insert(real).inserted else { continue }
                switch PluginRegistry.load(path: file) {
                case .success(let plugin):
                    if plugins.contains(where: { $0.name == plugin.name && $0.kind == plugin.kind }) { continue }
                    plugins.append(plugin)
                case .failure(let failure):
                    failures.append(failure)
                }
            }
        }
    }

    /// The running executable's path (/proc/self/exe on Linux).
    static func executablePath() -> String? {
        if let url = Bundle.main.executableURL { return url.resolvingSymlinksInPath().path }
        return try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
    }

    private static var libraryExtension: String {
        #if os(macOS)
        return "dylib"
        #else
        return "so"
        #endif
    }

    /// Shared libraries in a directory (or the file itself). Next to the executable only
    /// `libToolshell*` files count, since build directories hold unrelated libraries.
    static func candidates(in entry: String, toolshellNamesOnly: Bool) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: entry, isDirectory: &isDirectory) else { return [] }
        guard isDirectory.boolValue else { return [entry] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: entry)) ?? []
        return names.sorted().filter { name in
            name.hasSuffix("." + libraryExtension) && (!toolshellNamesOnly || name.hasPrefix("libToolshell"))
        }.map { (entry as NSString).appendingPathComponent($0) }
    }

    /// Loads one plugin file and checks its entry symbol, descriptor and table versions.
    public static func load(path: String) -> Result<LoadedPlugin, PluginLoadFailure> {
        let name = (path as NSString).lastPathComponent
        func fail(_ reason: String) -> Result<LoadedPlugin, PluginLoadFailure> {
            .failure(PluginLoadFailure(name: name, path: path, reason: reason))
        }
        // Handles are never closed: a Swift library registers its type metadata with the
        // runtime when loaded, and unmapping it would leave the runtime with dangling records.
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            let message = dlerror().map { String(cString: $0) } ?? "unknown dlopen error"
            return fail("cannot be opened as a shared library (\(message)); remove it from the plugin path or rebuild it")
        }
        guard let symbol = dlsym(handle, TS_PLUGIN_ENTRY_SYMBOL) else {
            return fail("missing symbol '\(TS_PLUGIN_ENTRY_SYMBOL)'; it is not a toolshell plugin")
        }
        let entry = unsafeBitCast(symbol, to: ts_plugin_entry_fn.self)
        guard let descriptor = entry() else {
            return fail("'\(TS_PLUGIN_ENTRY_SYMBOL)' returned no descriptor")
        }
        let d = descriptor.pointee
        guard d.abi_version == TS_ABI_VERSION else {
            return fail("wrong ABI version \(d.abi_version) (this toolshell speaks ABI \(TS_ABI_VERSION)); rebuild the plugin against the current toolshell_plugin.h")
        }
        guard Int(d.struct_size) >= MemoryLayout<ts_plugin_descriptor>.size, d.vtable != nil else {
            return fail("descriptor is incomplete (struct_size \(d.struct_size), vtable \(d.vtable == nil ? "missing" : "present"))")
        }
        let plugin = LoadedPlugin(path: path, handle: handle, descriptor: descriptor)
        switch plugin.kind {
        case TS_PLUGIN_BACKEND:
            let vt = plugin.backendVTable!.pointee
            guard vt.abi_version == TS_ABI_VERSION, Int(vt.struct_size) >= MemoryLayout<ts_backend_vtable>.size else {
                return fail("backend table has ABI \(vt.abi_version) and size \(vt.struct_size), expected ABI \(TS_ABI_VERSION) and size \(MemoryLayout<ts_backend_vtable>.size); rebuild the plugin")
            }
            guard vt.score != nil, vt.create != nil, vt.destroy != nil, vt.matmul != nil, vt.dequantize != nil,
                  vt.rms_norm != nil, vt.rope != nil, vt.attention != nil, vt.kv_store != nil, vt.add != nil,
                  vt.add_rows != nil, vt.scale != nil, vt.silu_mul != nil, vt.gelu_mul != nil, vt.supports_type != nil else {
                return fail("backend table lacks required kernels")
            }
        case TS_PLUGIN_ENGINE:
            let vt = plugin.engineVTable!.pointee
            // ABI 1.0 tables (without the 1.1 additions) stay loadable; see engineTableHas.
            guard vt.abi_version == TS_ABI_VERSION, Int(vt.struct_size) >= engineVTableSize10 else {
                return fail("engine table has ABI \(vt.abi_version) and size \(vt.struct_size), expected ABI \(TS_ABI_VERSION) and size at least \(engineVTableSize10); rebuild the plugin")
            }
            guard vt.open_model != nil, vt.close_model != nil, vt.create_sequence != nil, vt.free_sequence != nil else {
                return fail("engine table lacks required functions")
            }
        case TS_PLUGIN_TOOL_PARSER:
            break
        default:
            return fail("unknown plugin kind \(d.kind)")
        }
        return .success(plugin)
    }

    /// Backend plugins, best score first (those scoring 0 cannot run on this machine and are left out).
    public var backends: [LoadedPlugin] {
        plugins.filter { ($0.backendScore ?? 0) > 0 }.sorted { ($0.backendScore ?? 0) > ($1.backendScore ?? 0) }
    }
    /// Engine plugins in search order.
    public var engines: [LoadedPlugin] { plugins.filter { $0.kind == TS_PLUGIN_ENGINE } }

    /// The backend named `name`, or the best-scoring one when `name` is nil.
    public func backend(named name: String? = nil) throws -> LoadedPlugin {
        if let name {
            guard let b = plugins.first(where: { $0.kind == TS_PLUGIN_BACKEND && $0.name == name }) else {
                throw EngineLoadError.noSuchPlugin(kind: "backend", name: name, available: plugins.filter { $0.kind == TS_PLUGIN_BACKEND }.map(\.name), failures: failures)
            }
            return b
        }
        guard let best = backends.first else {
            throw EngineLoadError.noSuchPlugin(kind: "backend", name: nil, available: [], failures: failures)
        }
        return best
    }

    /// The first engine whose `can_open` accepts the file, or the one named `name`.
    public func engine(for path: String, named name: String? = nil) throws -> LoadedPlugin {
        let candidates = engines.filter { name == nil || $0.name == name }
        if let name, candidates.isEmpty {
            throw EngineLoadError.noSuchPlugin(kind: "engine", name: name, available: engines.map(\.name), failures: failures)
        }
        for engine in candidates where engine.engineVTable?.pointee.output == UInt32(TS_ENGINE_LOGITS.rawValue) {
            if let canOpen = engine.engineVTable?.pointee.can_open, canOpen(path) != 0 { return engine }
        }
        throw EngineLoadError.noEngineForModel(path: path, engines: candidates.map(\.name), failures: failures)
    }
}

/// Why a model could not be loaded through the plugins.
public enum EngineLoadError: Error, Sendable, CustomStringConvertible {
    case noSuchPlugin(kind: String, name: String?, available: [String], failures: [PluginLoadFailure])
    case noEngineForModel(path: String, engines: [String], failures: [PluginLoadFailure])
    case backendCreate(plugin: String, reason: String)
    case openFailed(path: String, reason: String)
    case sequence(String)
    case forward(status: Int32, reason: String)

    public var description: String {
        func failureNote(_ failures: [PluginLoadFailure]) -> String {
            failures.isEmpty ? "" : "; plugins that failed to load: " + failures.map(\.description).joined(separator: "; ")
        }
        switch self {
        case let .noSuchPlugin(kind, name, available, failures):
            let what = name.map { "\(kind) plugin '\($0)'" } ?? "usable \(kind) plugin"
            return "no \(what) found (available: \(available.isEmpty ? "none" : available.joined(separator: ", "))); add its directory with --plugin-path or TOOLSHELL_PLUGIN_PATH" + failureNote(failures)
        case let .noEngineForModel(path, engines, failures):
            return "no engine plugin can open \(path) (tried: \(engines.isEmpty ? "none" : engines.joined(separator: ", "))); check the file is a GGUF model of a supported architecture" + failureNote(failures)
        case let .backendCreate(plugin, reason):
            return "backend '\(plugin)' could not start: \(reason)"
        case let .openFailed(path, reason):
            return "cannot load model \(path): \(reason)"
        case let .sequence(reason):
            return "cannot create a sequence: \(reason)"
        case let .forward(status, reason):
            return "forward pass failed (status \(status)): \(reason)"
        }
    }
}
