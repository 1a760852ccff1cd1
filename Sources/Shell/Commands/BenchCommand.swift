import Foundation

/// `toolshell bench KIND [ARGS...] [--json]`: speed measurements, each next to a reference
/// measured in the same run. Each area adds one line to `benchKinds`.
enum BenchCommand: Subcommand {
    static let name = "bench"
    static let summary = "measure speed against a reference: bench KIND [--json] (toolshell bench --help lists kinds)"

    /// Benchmark kinds by name; each entry runs with the arguments after the kind.
    static let benchKinds: [String: @Sendable ([String]) -> Int32] = [
        "decode": BenchEngineCommand.decode,
        "json": BenchJSONCommand.run,
        "mask": BenchMaskCommand.run,
        "prefill": BenchEngineCommand.prefill,
        "tokenize": BenchTokenizeCommand.run,
        "parse": BenchParseCommand.run,
        "templates": BenchTemplatesCommand.run,
    ]

    static func run(_ arguments: [String]) -> Int32 {
        guard let kind = arguments.first, kind != "--help", kind != "-h" else {
            let kinds = benchKinds.keys.sorted().joined(separator: ", ")
            print("usage: toolshell bench KIND [ARGS...] [--json]\nkinds: \(kinds)")
            return arguments.isEmpty ? 2 : 0
        }
        guard let runner = benchKinds[kind] else {
            let kinds = benchKinds.keys.sorted().joined(separator: ", ")
            FileHandle.standardError.write(Data("toolshell bench: unknown kind '\(kind)'; available: \(kinds)\n".utf8))
            return 2
        }
        return runner(Array(arguments.dropFirst()))
    }
}
