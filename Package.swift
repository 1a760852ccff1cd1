// swift-tools-version: 6.0
// toolshell — an interactive, scriptable shell for tool calling and structured output.
// Module map and dependency direction: see DESIGN.md.
import PackageDescription

/// Kernels and model code are compiled optimised in every configuration,
/// so debug builds and `swift test` stay usable with real models.
let optimisedC: [CSetting] = [.unsafeFlags(["-O3", "-march=native", "-fno-math-errno"])]

let package = Package(
    name: "toolshell",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "toolshell", targets: ["Shell"]),
        .library(name: "ToolshellCPUBackend", type: .dynamic, targets: ["CPUBackendPlugin"]),
        .library(name: "ToolshellOpenBLASBackend", type: .dynamic, targets: ["OpenBLASBackendPlugin"]),
        .library(name: "ToolshellGGUFEngine", type: .dynamic, targets: ["GGUFEnginePlugin"]),
        .library(name: "ToolshellReplayEngine", type: .dynamic, targets: ["ReplayEnginePlugin"]),
        .library(name: "ToolshellRemoteEngine", type: .dynamic, targets: ["RemoteEnginePlugin"]),
    ],
    targets: [
        // System libraries (Debian: libjansson-dev, libedit-dev, libopenblas-dev).
        .systemLibrary(name: "CJansson", path: "Sources/CJansson", pkgConfig: "jansson",
                       providers: [.apt(["libjansson-dev"])]),
        .systemLibrary(name: "CEditLine", path: "Sources/CEditLine", pkgConfig: "libedit",
                       providers: [.apt(["libedit-dev"])]),
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),

        // The one C header shared by the host and every plugin.
        .target(name: "PluginABI", path: "Sources/PluginABI"),

        // Libraries.
        .target(name: "Schema", dependencies: ["CJansson"], path: "Sources/Schema"),
        .target(name: "ChatTemplates", dependencies: ["Schema"], path: "Sources/ChatTemplates"),
        .target(name: "ToolParsers", dependencies: ["Schema", "PluginABI"], path: "Sources/ToolParsers"),
        .target(name: "Grammar", dependencies: ["Schema"], path: "Sources/Grammar"),
        .target(name: "GGUF", path: "Sources/GGUF"),
        .target(name: "Engine", dependencies: ["PluginABI", "GGUF", "Schema", "ChatTemplates"],
                path: "Sources/Engine"),

        // The executable.
        .executableTarget(name: "Shell",
                          dependencies: ["Engine", "ToolParsers", "Grammar", "ChatTemplates", "Schema", "CEditLine"],
                          path: "Sources/Shell"),

        // Plugins: dynamic libraries that see only PluginABI (plus private code of their own).
        .target(name: "CPUBackendPlugin", dependencies: ["PluginABI"], path: "plugins/cpu-backend",
                cSettings: optimisedC),
        .target(name: "OpenBLASBackendPlugin", dependencies: ["PluginABI", "COpenBLAS"],
                path: "plugins/openblas-backend", cSettings: optimisedC),
        .target(name: "GGUFEnginePlugin", dependencies: ["PluginABI", "GGUF"], path: "plugins/gguf-engine"),
        .target(name: "ReplayEnginePlugin", dependencies: ["PluginABI", "Schema"], path: "plugins/replay-engine"),
        .target(name: "RemoteEnginePlugin", dependencies: ["PluginABI", "Schema"], path: "plugins/remote-engine"),

        // Tests: one target per module, plus end-to-end shell tests.
        .testTarget(name: "SchemaTests", dependencies: ["Schema"], path: "Tests/SchemaTests"),
        .testTarget(name: "ChatTemplatesTests", dependencies: ["ChatTemplates", "Schema"],
                    path: "Tests/ChatTemplatesTests"),
        .testTarget(name: "ToolParsersTests", dependencies: ["ToolParsers", "Schema"],
                    path: "Tests/ToolParsersTests"),
        .testTarget(name: "GrammarTests", dependencies: ["Grammar", "Schema", "Engine", "ToolParsers"],
                    path: "Tests/GrammarTests"),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "GGUF", "Schema"], path: "Tests/EngineTests"),
        .testTarget(name: "ShellTests", dependencies: ["Shell", "Engine", "Schema"], path: "Tests/ShellTests"),
        .testTarget(name: "RemoteEngineTests", dependencies: ["RemoteEnginePlugin", "Schema"], path: "Tests/RemoteEngineTests",
                    exclude: ["fake_openai_server.py"]),
    ]
)
