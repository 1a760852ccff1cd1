import Engine
import Foundation
import Schema

/// `toolshell bench decode|prefill --model M --threads N [--tokens N] [--runs R] [--compare-llamacpp PATH] --json`:
/// token-by-token decode speed (llama-bench's tg) and one-batch prompt speed (llama-bench's pp),
/// optionally beside llama.cpp's `llama-bench` on the same model and thread count in the same run.
enum BenchEngineCommand {
    enum Kind: String { case decode, prefill }

    static func helpText(_ kind: Kind) -> String {
        """
        usage: toolshell bench \(kind.rawValue) --model M [--threads N] [--tokens N] [--runs R] [--compare-llamacpp PATH] [--json]

        \(kind == .decode ? "Decode speed: N single-token forward passes from an empty sequence (llama-bench tgN)."
                          : "Prefill speed: one forward pass over N prompt tokens (llama-bench ppN).")
        A warm-up pass runs first; min / median / max of R runs are reported.
        \(EngineCLI.modelOptionsHelp)
          --tokens N        tokens per run (default \(kind == .decode ? 128 : 512))
          --runs R          runs (default 3; --repetitions is the same)
          --compare-llamacpp PATH
                            also run llama.cpp's llama-bench (PATH) on the same model with the same
                            threads and test (\(kind == .decode ? "-p 0 -n N" : "-p N -n 0")), one run after each of
                            ours, and report both and the ratio ours / llama.cpp (of the medians).
                            scripts/build-llama-bench.sh builds it.
          --json            print {"model","kind","threads","tokens","tok_s","min","median","max","runs","backend",
                            "load_ms" (model: GGUF, mapped weights, engine and backend), "tokenizer_ms",
                            "plugins_ms", "peak_rss_mib", "load_avg" (1/5/15 min before the run), and with
                            --compare-llamacpp "llamacpp" {"test", speeds, "peak_rss_mib"} and "ratio"}
        """
    }

    static func decode(_ arguments: [String]) -> Int32 { run(.decode, arguments) }
    static func prefill(_ arguments: [String]) -> Int32 { run(.prefill, arguments) }

    /// min / median / max of a set of speeds.
    struct Summary {
        let runs: [Double]
        var min: Double { runs.min() ?? 0 }
        var max: Double { runs.max() ?? 0 }
        var median: Double {
            let s = runs.sorted()
            guard !s.isEmpty else { return 0 }
            return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
        }
        func json() -> [(String, JSONValue)] {
            [("tok_s", number(median)), ("min", number(min)), ("median", number(median)), ("max", number(max)),
             ("runs", .array(runs.map(number)))]
        }
        var text: String {
            String(format: "%.1f tok/s (min %.1f, max %.1f)", median, min, max)
        }
    }

    static func run(_ kind: Kind, _ arguments: [String]) -> Int32 {
        let command = "bench \(kind.rawValue)"
        var options = EngineCLI.ModelOptions()
        var tokens = kind == .decode ? 128 : 512, repetitions = 3, json = false
        var llamaBench: String?
        do {
            var i = 0
            while i < arguments.count {
                let a = arguments[i]
                if try EngineCLI.parseModelOption(arguments, &i, into: &options) { i += 1; continue }
                switch a {
                case "--tokens", "-n": tokens = try EngineCLI.int(arguments, &i, a, min: 1)
                case "--runs", "--repetitions", "-r": repetitions = try EngineCLI.int(arguments, &i, a, min: 1)
                case "--compare-llamacpp": llamaBench = try EngineCLI.value(arguments, &i, a)
                case "--json": json = true
                case "--help", "-h": print(helpText(kind)); return 0
                default: throw EngineCLI.UsageError(message: "unknown argument '\(a)'")
                }
                i += 1
            }
            if let path = llamaBench, !FileManager.default.isExecutableFile(atPath: path) {
                throw EngineCLI.UsageError(message: "--compare-llamacpp: '\(path)' is not an executable file (build one with scripts/build-llama-bench.sh)")
            }
        } catch let error as EngineCLI.UsageError {
            return EngineCLI.fail(command, "\(error.message) (see 'toolshell bench \(kind.rawValue) --help')", code: 2)
        } catch {
            return EngineCLI.fail(command, "\(error)", code: 2)
        }
        if options.contextSize == nil { options.contextSize = max(tokens + 16, 256) }
        let loadAverage = LoadAverage.read()
        do {
            let clock = ContinuousClock()
            // The same steps as EngineCLI.load, timed apart: plugin discovery, the model (GGUF
            // metadata, mapped weights, engine and backend set up), the tokenizer.
            guard let name = options.model else { throw EngineCLI.UsageError(message: "--model is required") }
            let path = try ModelPaths.resolve(name)
            let pluginStart = clock.now
            let registry = PluginRegistry(explicitPaths: options.pluginPaths)
            for failure in registry.failures {
                FileHandle.standardError.write(Data("toolshell \(command): warning: \(failure)\n".utf8))
            }
            let loadStart = clock.now
            let model = try Model(path: path, registry: registry, backendName: options.backend, threads: options.threads,
                                  contextLength: options.contextSize)
            let tokenizerStart = clock.now
            let tokenizer = try GGUFTokenizer(file: model.file)
            let tokenizerEnd = clock.now
            let pluginSeconds = (loadStart - pluginStart).seconds
            let loadSeconds = (tokenizerStart - loadStart).seconds
            let tokenizerSeconds = (tokenizerEnd - tokenizerStart).seconds
            // Token ids from ordinary text, repeated to the length needed.
            var source = tokenizer.encode("The quick brown fox jumps over the lazy dog. 0123456789 def main(): return 42\n",
                                          addSpecial: false, parseSpecial: false)
            if source.isEmpty { source = [0] }
            let ids = (0..<tokens).map { source[$0 % source.count] }
            let sequence = try model.makeSequence(contextSize: tokens + 16)
            func once() throws -> Double {
                try sequence.truncate(to: 0)
                let start = clock.now
                switch kind {
                case .prefill:
                    _ = try sequence.forward(ids)
                case .decode:
                    for id in ids { _ = try sequence.forward([id]) }
                }
                return (clock.now - start).seconds
            }
            // Warm-up (pages in the weights, grows scratch buffers).
            switch kind {
            case .prefill: _ = try once()
            case .decode:
                try sequence.truncate(to: 0)
                for id in ids.prefix(8) { _ = try sequence.forward([id]) }
            }
            let reference = llamaBench.map { LlamaBench(path: $0, model: model.path, threads: model.threads, kind: kind, tokens: tokens) }
            var runs: [Double] = [], referenceRuns: [Double] = []
            for _ in 0..<repetitions {
                runs.append(Double(tokens) / (try once()))
                // Alternate with llama.cpp so that both see the same machine load.
                if let reference { referenceRuns.append(try reference.runOnce()) }
            }
            let ours = Summary(runs: runs)
            let theirs = reference.map { _ in Summary(runs: referenceRuns) }
            let modelName = (model.path as NSString).lastPathComponent
            let rss = PeakRSS.selfMiB()
            if json {
                var members: [(String, JSONValue)] = [
                    ("model", .string(modelName)),
                    ("kind", .string(kind.rawValue)),
                    ("threads", .integer(Int64(model.threads))),
                    ("tokens", .integer(Int64(tokens))),
                ]
                members += ours.json()
                members += [
                    ("backend", .string(model.backend.name)),
                    ("load_ms", number(loadSeconds * 1000)),
                    ("tokenizer_ms", number(tokenizerSeconds * 1000)),
                    ("plugins_ms", number(pluginSeconds * 1000)),
                    ("peak_rss_mib", number(rss)),
                    ("load_avg", .array(loadAverage.map(number))),
                ]
                if let theirs, let reference {
                    var ref: [(String, JSONValue)] = [("test", .string(reference.testName))]
                    ref += theirs.json()
                    ref.append(("peak_rss_mib", number(PeakRSS.childrenMiB())))
                    members.append(("llamacpp", .object(JSONObject(ref))))
                    members.append(("ratio", number(theirs.median > 0 ? ours.median / theirs.median : 0)))
                }
                print(JSONValue.object(JSONObject(members)).jsonString())
            } else {
                print("\(kind.rawValue) \(modelName), \(model.threads) threads, \(tokens) tokens, \(repetitions) runs: ours \(ours.text)")
                if let theirs, let reference {
                    print("  llama.cpp \(reference.testName): \(theirs.text); ratio \(String(format: "%.2f", theirs.median > 0 ? ours.median / theirs.median : 0))")
                }
                print(String(format: "  load %.0f ms (+ tokenizer %.0f ms, plugins %.0f ms), peak RSS %.0f MiB, load average %@",
                             loadSeconds * 1000, tokenizerSeconds * 1000, pluginSeconds * 1000, rss,
                             loadAverage.map { String(format: "%.2f", $0) }.joined(separator: " ")))
            }
            return 0
        } catch let error as EngineCLI.UsageError {
            return EngineCLI.fail(command, error.message, code: 2)
        } catch let error as LlamaBench.Failure {
            return EngineCLI.fail(command, error.message)
        } catch {
            return EngineCLI.fail(command, "\(error)")
        }
    }

    fileprivate static func number(_ v: Double) -> JSONValue {
        let rounded = (v * 100).rounded() / 100
        return .number(rounded, source: String(format: "%.2f", rounded))
    }
}

/// One `llama-bench` invocation per run: `-r 1 -o json`, the speed read from `avg_ts`.
struct LlamaBench {
    struct Failure: Error { let message: String }
    let path: String
    let model: String
    let threads: Int
    let kind: BenchEngineCommand.Kind
    let tokens: Int

    var testName: String { kind == .decode ? "tg\(tokens)" : "pp\(tokens)" }

    var arguments: [String] {
        ["-m", model, "-t", String(threads), "-r", "1", "-o", "json",
         "-p", kind == .prefill ? String(tokens) : "0", "-n", kind == .decode ? String(tokens) : "0"]
    }

    /// Runs llama-bench once and returns its tokens per second.
    func runOnce() throws -> Double {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do { try process.run() } catch {
            throw Failure(message: "--compare-llamacpp: cannot start '\(path)': \(error)")
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let command = ([path] + arguments).joined(separator: " ")
        guard process.terminationStatus == 0 else {
            let tail = String(decoding: errors.suffix(600), as: UTF8.self)
            throw Failure(message: "--compare-llamacpp: '\(command)' exited with status \(process.terminationStatus): \(tail)")
        }
        guard let results = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]],
              let speed = results.compactMap({ ($0["avg_ts"] as? NSNumber)?.doubleValue }).first else {
            throw Failure(message: "--compare-llamacpp: '\(command)' printed no JSON array with \"avg_ts\" (is it llama-bench?)")
        }
        return speed
    }
}

/// The 1, 5 and 15 minute load averages (empty where /proc/loadavg is missing).
enum LoadAverage {
    static func read() -> [Double] {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return [] }
        return text.split(separator: " ").prefix(3).compactMap { Double($0) }
    }
}

/// Peak resident set sizes from getrusage, in MiB.
enum PeakRSS {
    static func selfMiB() -> Double { mib(RUSAGE_SELF) }
    /// The largest peak among waited-for child processes (llama-bench).
    static func childrenMiB() -> Double { mib(RUSAGE_CHILDREN) }
    private static func mib(_ who: __rusage_who) -> Double {
        var usage = rusage()
        guard getrusage(__rusage_who_t(who.rawValue), &usage) == 0 else { return 0 }
        return Double(usage.ru_maxrss) / 1024 // kilobytes on Linux
    }
}

private extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
