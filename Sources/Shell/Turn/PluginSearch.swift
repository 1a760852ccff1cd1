import Engine
import Foundation
import PluginABI

/// The plugins on the search path (`--plugin-path`, `TOOLSHELL_PLUGIN_PATH`, the executable's
/// directory), loaded once per distinct path list through Engine's `PluginRegistry`.
@MainActor
enum PluginSearch {
    private static var registries: [[String]: PluginRegistry] = [:]

    static func registry(extra: [String]) -> PluginRegistry {
        if let registry = registries[extra] { return registry }
        let registry = PluginRegistry(explicitPaths: extra)
        registries[extra] = registry
        return registry
    }

    /// TEXT engines (replay, remote servers) that accept the file.
    static func textEngine(for path: String, in registry: PluginRegistry) -> LoadedPlugin? {
        registry.engines.first { plugin in
            guard let table = plugin.engineVTable, table.pointee.output == UInt32(TS_ENGINE_TEXT.rawValue) else { return false }
            return (table.pointee.can_open?(path) ?? 0) != 0
        }
    }
}

extension ModelLoader {
    /// Resolves default model names through `ModelPaths`, then opens the file with the first
    /// engine plugin that accepts it: a LOGITS engine (GGUF models, run by Engine's generation
    /// loop) or a TEXT engine (replay recordings).
    static func standard(pluginPaths: [String]) -> ModelLoader {
        ModelLoader { nameOrPath, settings, progress throws(ShellError) in
            let path: String
            do {
                path = try ModelPaths.resolve(nameOrPath)
            } catch {
                throw ShellError(.model, "\(error)", fix: "/models lists the default models; give a path otherwise")
            }
            let registry = PluginSearch.registry(extra: pluginPaths)
            if let text = PluginSearch.textEngine(for: path, in: registry) {
                return try TextEngineModel(plugin: text, path: path, settings: settings, progress: progress)
            }
            let model = try EngineModel(path: path, registry: registry, settings: settings, progress: progress)
            model.installGrammarConstraints()
            return model
        }
    }
}

extension ShellSession {
    /// `/plugins`: engines and backends found on the search path, and the ones that failed to load.
    func pluginListing() -> String {
        let registry = PluginSearch.registry(extra: pluginPaths)
        var lines = ["search path: \(registry.searchPath.joined(separator: ":"))"]
        for plugin in registry.plugins {
            var kind: String
            switch plugin.kind {
            case TS_PLUGIN_ENGINE:
                kind = plugin.engineVTable?.pointee.output == UInt32(TS_ENGINE_TEXT.rawValue) ? "engine (text)" : "engine (logits)"
            case TS_PLUGIN_BACKEND:
                kind = "backend (score \(plugin.backendScore ?? 0))"
            default:
                kind = "tool parser"
            }
            lines.append("  \(plugin.name.padding(toLength: 10, withPad: " ", startingAt: 0)) \(kind.padding(toLength: 18, withPad: " ", startingAt: 0)) \(plugin.version)  \(plugin.summary)  (\(plugin.path))")
        }
        for failure in registry.failures {
            lines.append("  failed: \(failure.description)")
        }
        return lines.joined(separator: "\n")
    }
}
