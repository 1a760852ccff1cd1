import Engine
import Foundation
import PluginABI

/// Finds engine plugins on the search path: `--plugin-path` directories, then
/// `TOOLSHELL_PLUGIN_PATH` (colon-separated), then the executable's directory.
@MainActor
enum PluginSearch {
    private static var opened: [String: EnginePluginLibrary] = [:]
    /// Plugins that failed to load, with the reason (shown by /plugins).
    private(set) static var failures: [(path: String, reason: String)] = []

    static func directories(extra: [String]) -> [String] {
        var dirs = extra
        if let env = ProcessInfo.processInfo.environment["TOOLSHELL_PLUGIN_PATH"] {
            dirs += env.split(separator: ":").map(String.init)
        }
        dirs.append(executableDirectory)
        var seen = Set<String>()
        return dirs.filter { seen.insert($0).inserted }
    }

    static var executableDirectory: String {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return (exe as NSString).deletingLastPathComponent
    }

    /// Every engine plugin that loads; failures are remembered with their reason.
    static func enginePlugins(extra: [String]) -> [EnginePluginLibrary] {
        var result: [EnginePluginLibrary] = []
        failures = []
        let executableDir = executableDirectory
        for dir in directories(extra: extra) {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
            for name in names where name.hasSuffix(".so") || name.hasSuffix(".dylib") {
                // Next to the executable only toolshell's own libraries are plugins.
                if dir == executableDir && !name.hasPrefix("libToolshell") { continue }
                let path = dir + "/" + name
                if let library = opened[path] { result.append(library); continue }
                do {
                    let library = try EnginePluginLibrary(path: path)
                    opened[path] = library
                    result.append(library)
                } catch {
                    if !error.message.hasSuffix("is not an engine plugin") {
                        failures.append((path, error.message))
                    }
                }
            }
        }
        return result
    }
}

extension ModelLoader {
    /// Resolves default model names through `ModelPaths`, then opens the file with the first
    /// engine plugin whose `can_open` accepts it.
    static func standard(pluginPaths: [String]) -> ModelLoader {
        ModelLoader { nameOrPath, settings, progress throws(ShellError) in
            let path: String
            do {
                path = try ModelPaths.resolve(nameOrPath)
            } catch {
                throw ShellError(.model, "\(error)", fix: "/models lists the default models; give a path otherwise")
            }
            let plugins = PluginSearch.enginePlugins(extra: pluginPaths)
            guard let engine = plugins.first(where: { ($0.vtable.pointee.can_open?(path) ?? 0) != 0 }) else {
                let names = plugins.map(\.name)
                throw ShellError(.model, "no engine plugin can open \(path) (engines found: \(names.isEmpty ? "none" : names.joined(separator: ", ")))",
                                 fix: names.isEmpty ? "build the plugins (swift build) or set TOOLSHELL_PLUGIN_PATH"
                                     : "check that the file is a model or recording these engines read")
            }
            guard engine.output == UInt32(TS_ENGINE_TEXT.rawValue) else {
                throw ShellError(.model, "the \(engine.name) engine produces logits, which this shell cannot drive yet",
                                 fix: "load a recording for the replay engine")
            }
            return try TextEngineModel(library: engine, path: path, settings: settings, progress: progress)
        }
    }
}

extension ShellSession {
    /// `/plugins`: the engine plugins found and the ones that failed to load.
    func pluginListing() -> String {
        let plugins = PluginSearch.enginePlugins(extra: pluginPaths)
        var lines = ["search path: \(PluginSearch.directories(extra: pluginPaths).joined(separator: ":"))"]
        for p in plugins {
            let kind = p.output == UInt32(TS_ENGINE_TEXT.rawValue) ? "text" : "logits"
            lines.append("  engine \(p.name.padding(toLength: 10, withPad: " ", startingAt: 0)) \(kind)  \(p.summary)  (\(p.path))")
        }
        for failure in PluginSearch.failures {
            lines.append("  failed \(failure.path): \(failure.reason)")
        }
        return lines.joined(separator: "\n")
    }
}
