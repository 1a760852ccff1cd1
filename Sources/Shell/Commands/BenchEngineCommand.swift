import Engine
import Foundation
import Schema

/// `toolshell bench decode|prefill --model M --threads N [--tokens N] [--repetitions R] --json`:
/// token-by-token decode speed (llama-bench's tg) and one-batch prompt speed (llama-bench's pp).
enum BenchEngineCommand {
    enum Kind: String { case decode, prefill }

    static func helpText(_ kind: Kind) -> String {
        """
        usage: toolshell bench \(kind.rawValue) --model M [--threads N] [--tokens N] [--repetitions R] [--json]

        \(kind == .decode ? "Decode speed: N single-token forward passes from an empty sequence (llama-bench tgN)."
                          : "Prefill speed: one forward pass over N prompt tokens (llama-bench ppN).")
        A warm-up pass runs first; the median of R runs (default 3) is reported.
        \(EngineCLI.modelOptionsHelp)
          --tokens N        tokens per run (default \(kind == .decode ? 128 : 512))
          --repetitions R   runs to take the median of (default 3)
          --json            print {"model","threads","tokens","tok_s","runs"}
        """
    }

    static func decode(_ arguments: [String]) -> Int32 { run(.decode, arguments) }
    static func prefill(_ arguments: [String]) -> Int32 { run(.prefill, arguments) }

    static func run(_ kind: Kind, _ arguments: [String]) -> Int32 {
        let command = "bench \(kind.rawValue)"
        var options = EngineCLI.ModelOptions()
        var tokens = kind == .decode ? 128 : 512, repetitions = 3, json = false
        do {
            var i = 0
            while i < arguments.count {
                let a = arguments[i]
                if try EngineCLI.parseModelOption(arguments, &i, into: &options) { i += 1; continue }
                switch a {
                case "--tokens", "-n": tokens = try EngineCLI.int(arguments, &i, a, min: 1)
                case "--repetitions", "-r": repetitions = try EngineCLI.int(arguments, &i, a, min: 1)
                case "--json": json = true
                case "--help", "-h": print(helpText(kind)); return 0
                default: throw EngineCLI.UsageError(message: "unknown argument '\(a)'")
                }
                i += 1
            }
        } catch let error as EngineCLI.UsageError {
            return EngineCLI.fail(command, "\(error.message) (see 'toolshell bench \(kind.rawValue) --help')", code: 2)
        } catch {
            return EngineCLI.fail(command, "\(error)", code: 2)
        }
        if options.contextSize == nil { options.contextSize = max(tokens + 16, 256) }
        do {
            let (model, tokenizer) = try EngineCLI.load(options, command: command)
            // Token ids from ordinary text, repeated to the length needed.
            var source = tokenizer.encode("The quick brown fox jumps over the lazy dog. 0123456789 def main(): return 42\n",
                                          addSpecial: false, parseSpecial: false)
            if source.isEmpty { source = [0] }
            let ids = (0..<tokens).map { source[$0 % source.count] }
            let sequence = try model.makeSequence(contextSize: tokens + 16)
            let clock = ContinuousClock()
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
            var runs: [Double] = []
            for _ in 0..<repetitions { runs.append(Double(tokens) / (try once())) }
            let sorted = runs.sorted()
            let median = sorted[sorted.count / 2]
            let modelName = (model.path as NSString).lastPathComponent
            if json {
                let output: JSONValue = .object(JSONObject([
                    ("model", .string(modelName)),
                    ("threads", .integer(Int64(model.threads))),
                    ("tokens", .integer(Int64(tokens))),
                    ("tok_s", number(median)),
                    ("runs", .array(runs.map(number))),
                    ("backend", .string(model.backend.name)),
                ]))
                print(output.jsonString())
            } else {
                print("\(kind.rawValue) \(modelName): \(String(format: "%.1f", median)) tok/s (\(tokens) tokens, \(model.threads) threads, median of \(repetitions): \(runs.map { String(format: "%.1f", $0) }.joined(separator: ", ")))")
            }
            return 0
        } catch let error as EngineCLI.UsageError {
            return EngineCLI.fail(command, error.message, code: 2)
        } catch {
            return EngineCLI.fail(command, "\(error)")
        }
    }

    private static func number(_ v: Double) -> JSONValue {
        let rounded = (v * 100).rounded() / 100
        return .number(rounded, source: String(format: "%.2f", rounded))
    }
}

private extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
