import Foundation
import PluginABI
import Testing
@testable import Engine

/// Plugin discovery and loading: broken plugins are reported by name and reason while the
/// others keep working. The broken plugins are compiled here from small C sources.
@Suite(.serialized) struct PluginLoadingTests {
    static let headerDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Sources/PluginABI/include").path

    /// Compiles `source` into `directory/name` as a shared library.
    static func compile(_ source: String, to directory: URL, name: String) throws {
        let c = directory.appendingPathComponent(name + ".c")
        try source.write(to: c, atomically: true, encoding: .utf8)
        // posix_spawn + waitpid on this pid: Foundation's Process on Linux can miss a child's exit
        // while other tests spawn processes, and then waitUntilExit never returns.
        let argv = ["cc", "-shared", "-fPIC", "-I", headerDirectory, c.path, "-o", directory.appendingPathComponent(name).path]
        var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for p in cArgs { free(p) } }
        var pid: pid_t = 0
        var spawned = posix_spawnp(&pid, "cc", nil, nil, &cArgs, environ)
        var tries = 0
        while spawned == ETXTBSY && tries < 50 { tries += 1; usleep(20_000); spawned = posix_spawnp(&pid, "cc", nil, nil, &cArgs, environ) }
        guard spawned == 0 else { throw FixtureError("cannot run cc for \(name) (is a C compiler installed?)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        guard status == 0 else { throw FixtureError("cc failed for \(name) (is a C compiler installed?)") }
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("toolshell-plugin-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func brokenPluginsAreReportedByNameAndReasonAndTheRestKeepWorking() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.compile("""
            #include "toolshell_plugin.h"
            static const ts_plugin_descriptor d = { 99u, sizeof(ts_plugin_descriptor), TS_PLUGIN_BACKEND, 0,
                                                    "future", "9", "from a later ABI", (const void *)&d };
            const ts_plugin_descriptor *toolshell_plugin_entry(void) { return &d; }
            """, to: dir, name: "libwrongabi.so")
        try Self.compile("int some_other_function(void) { return 1; }\n", to: dir, name: "libnoentry.so")
        try Data("this is not a shared library\n".utf8).write(to: dir.appendingPathComponent("libnotalib.so"))

        // The broken ones come first on the path; the real plugins are next to the test binary.
        let registry = PluginRegistry(explicitPaths: [dir.path], environment: [:])
        let failures = Dictionary(uniqueKeysWithValues: registry.failures.map { ($0.name, $0.reason) })
        #expect(failures["libwrongabi.so"]?.contains("wrong ABI version 99") == true, "\(failures)")
        #expect(failures["libnoentry.so"]?.contains("missing symbol 'toolshell_plugin_entry'") == true, "\(failures)")
        #expect(failures["libnotalib.so"]?.contains("cannot be opened as a shared library") == true, "\(failures)")
        #expect(registry.failures.allSatisfy { $0.path.hasPrefix(dir.path) }, "only the broken plugins fail: \(registry.failures)")
        #expect(registry.failures.first { $0.name == "libwrongabi.so" }?.description.hasPrefix("plugin libwrongabi.so:") == true)

        // The rest keep working: the CPU backend and the GGUF engine load and score.
        let cpu = try registry.backend(named: "cpu")
        #expect((cpu.backendScore ?? 0) > 0)
        #expect(try registry.backend().name == "cpu")
        #expect(registry.engines.contains { $0.name == "gguf" })
        #expect(throws: EngineLoadError.self) { try registry.backend(named: "no-such-backend") }
    }

    @Test func environmentPathIsSearchedAfterExplicitPaths() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("junk".utf8).write(to: dir.appendingPathComponent("libjunk.so"))
        let registry = PluginRegistry(explicitPaths: ["/nonexistent-dir"], environment: ["TOOLSHELL_PLUGIN_PATH": dir.path])
        #expect(registry.searchPath.prefix(2) == ["/nonexistent-dir", dir.path])
        #expect(registry.failures.map(\.name) == ["libjunk.so"])
    }

    @Test func aModelThatNoEngineOpensIsAnError() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let notAModel = dir.appendingPathComponent("x.gguf")
        try Data("GGUF but not really".utf8).write(to: notAModel)
        let registry = PluginRegistry(environment: [:])
        #expect(throws: (any Error).self) { try Model(path: notAModel.path, registry: registry) }
        #expect(throws: EngineLoadError.self) { try registry.engine(for: notAModel.path) }
    }
}
