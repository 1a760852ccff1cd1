import Engine
import Foundation
import GGUF
import Grammar
import Schema

/// `toolshell bench mask CONSTRAINT --model M [--instance F] [--json] [--compare-reference PY]`:
/// grammar compile time and per-token mask time along a valid instance, optionally next to
/// xgrammar and llguidance measured in the same run on the same tokens.
enum BenchMaskCommand {
    static let helpText = """
    usage: toolshell bench mask CONSTRAINT --model M [--instance FILE] [--json] [--compare-reference PYTHON]
                                [--context-depth N] [--counter-horizon N] [--precompute-budget N]

    CONSTRAINT: \(ConstraintFlags.help)
    \(ConstraintFlags.layoutHelp)
    Tokenizes the instance (a text the constraint accepts; for --choice the first option by
    default) with the model's tokenizer, then times the grammar compile and, along the
    instance, every token mask (the first pass fills the lazily built mask cache, the second
    pass reuses it). Reports compile ms and mask µs (median, p90, p99, max).
    --compare-reference PYTHON runs scripts/bench_mask_reference.py with that interpreter
    (needs xgrammar and/or llguidance) on the same vocabulary, grammar and token ids, and
    prints the ratios. --context-depth, --counter-horizon and --precompute-budget tune the
    mask cache (see MatcherOptions; the compile time includes the precomputed entries).
    """

    static func run(_ arguments: [String]) -> Int32 {
        var spec: ConstraintSpec?
        var specArgs: [String] = []
        var model: String?
        var instance: String?
        var python: String?
        var asJSON = false
        var options = MatcherOptions()
        var layout = JSONLayout()
        var i = 0
        do {
            while i < arguments.count {
                let a = arguments[i]
                let start = i
                if let s = try ConstraintFlags.parse(arguments, &i) {
                    spec = s
                    specArgs = Array(arguments[start...i])
                } else if try ConstraintFlags.parseLayout(arguments, &i, into: &layout) {
                    // a JSON layout flag: the reference run gets the same layout
                } else {
                    switch a {
                    case "--model", "-m": model = try EngineCLI.value(arguments, &i, a)
                    case "--instance": instance = try EngineCLI.value(arguments, &i, a)
                    case "--compare-reference": python = try EngineCLI.value(arguments, &i, a)
                    case "--context-depth": options.contextDepth = try EngineCLI.int(arguments, &i, a, min: 1)
                    case "--counter-horizon": options.counterHorizon = try EngineCLI.int(arguments, &i, a, min: 1)
                    case "--precompute-budget": options.precomputeBudget = try EngineCLI.int(arguments, &i, a, min: 0)
                    case "--json": asJSON = true
                    case "--help", "-h": print(helpText); return 0
                    default: throw EngineCLI.UsageError(message: "unknown argument '\(a)'")
                    }
                }
                i += 1
            }
        } catch let error as EngineCLI.UsageError {
            return EngineCLI.fail("bench mask", "\(error.message) (see 'toolshell bench mask --help')", code: 2)
        } catch let error as ShellError {
            return EngineCLI.fail("bench mask", error.humanText, code: 2)
        } catch {
            return EngineCLI.fail("bench mask", "\(error)", code: 2)
        }
        guard let spec else { return EngineCLI.fail("bench mask", "a constraint is required", code: 2) }
        guard let model else { return EngineCLI.fail("bench mask", "--model is required", code: 2) }
        let text: String
        if let instance {
            guard let data = FileManager.default.contents(atPath: instance) else {
                return EngineCLI.fail("bench mask", "cannot read \(instance)", code: 2)
            }
            text = String(decoding: data, as: UTF8.self)
        } else if case .choice(let options) = spec {
            text = options[0]
        } else {
            return EngineCLI.fail("bench mask", "--instance is required (a text the constraint accepts)", code: 2)
        }

        let clock = ContinuousClock()
        let tokenizer: GGUFTokenizer
        let modelPath: String
        do {
            modelPath = try ModelPaths.resolve(model)
            tokenizer = try GGUFTokenizer(file: GGUFFile(path: modelPath))
        } catch {
            return EngineCLI.fail("bench mask", "cannot load the tokenizer of \(model): \(error)", code: 2)
        }
        var t0 = clock.now
        let vocabulary = GrammarVocabularies.make(tokenizer)
        let vocabularyMs = (clock.now - t0).milliseconds
        let ids = tokenizer.encode(text, addSpecial: false, parseSpecial: true)

        var compileMs: [Double] = []
        var compiled: CompiledGrammar?
        do {
            for _ in 0..<5 {
                t0 = clock.now
                let grammar = try ConstraintGrammar.grammar(for: spec, specialTokens: ConstraintCompiler.specialTexts(spec, vocabulary), json: layout.options(for: spec))
                compiled = try CompiledGrammar(grammar, vocabulary: vocabulary, options: options)
                compileMs.append((clock.now - t0).milliseconds)
            }
        } catch let error as ShellError {
            return EngineCLI.fail("bench mask", error.humanText, code: 2)
        } catch {
            return EngineCLI.fail("bench mask", "\(error)", code: 2)
        }
        guard let compiled else { return 2 }
        var mask = [UInt32](repeating: 0, count: (vocabulary.count + 31) / 32)
        func pass() -> (times: [Double], rejectedAt: Int?) {
            let matcher = GrammarMatcher(compiled)
            var times: [Double] = []
            for k in 0...ids.count {
                for w in mask.indices { mask[w] = 0 }
                let s = clock.now
                matcher.fillMask(&mask)
                times.append((clock.now - s).microseconds)
                if k == ids.count { break }
                if !matcher.accept(token: ids[k]) { return (times, k) }
            }
            return (times, matcher.isAccepting ? nil : ids.count)
        }
        let cold = pass()
        let warm = pass()
        if let at = cold.rejectedAt {
            return EngineCLI.fail("bench mask", "the instance is rejected at token \(at) of \(ids.count); give a text the constraint accepts", code: 1)
        }
        var fields: [(String, JSONValue)] = [
            ("vocabulary", .integer(Int64(vocabulary.count))),
            ("vocabulary_build_ms", number(vocabularyMs)),
            ("tokens", .integer(Int64(ids.count))),
            ("compile_ms", number(median(compileMs))),
            ("mask_us", summary(cold.times)),
            ("mask_us_cached", summary(warm.times)),
            ("slowest_first_pass", slowest(cold.times, ids: ids, vocabulary: vocabulary)),
            ("precomputed_sets", .integer(Int64(compiled.precomputedSets))),
            ("precomputed_entries", .integer(Int64(compiled.precomputedEntries))),
            ("cache_entries", .integer(Int64(compiled.cachedEntries))),
            ("cache_sets", .integer(Int64(compiled.internedSets))),
            ("trie_nodes", .integer(Int64(vocabulary.trieNodeCount))),
        ]
        var reference: JSONValue?
        if let python {
            reference = runReference(python: python, specArgs: specArgs + JSONLayout.flags(layout.options(for: spec)), tokenizer: tokenizer, vocabulary: vocabulary, ids: ids)
            if let reference {
                fields.append(("reference", reference))
                var ratios: [(String, JSONValue)] = []
                let oursMedian = percentile(cold.times, 0.5), oursP99 = percentile(cold.times, 0.99)
                for engine in ["xgrammar", "llguidance"] {
                    guard let r = reference[engine], r["error"] == nil,
                          let m = r["mask_us"]?["median"]?.doubleValue, let p = r["mask_us"]?["p99"]?.doubleValue else { continue }
                    var o: [(String, JSONValue)] = [("median_ratio", number(oursMedian / max(m, 1e-9))), ("p99_ratio", number(oursP99 / max(p, 1e-9)))]
                    if let c = r["compile_ms"]?.doubleValue { o.append(("compile_ratio", number(median(compileMs) / max(c, 1e-9)))) }
                    ratios.append((engine, .object(JSONObject(o))))
                }
                fields.append(("ours_over_reference", .object(JSONObject(ratios))))
            }
        }
        let output = JSONValue.object(JSONObject(fields))
        if asJSON {
            print(output.jsonString(.compact))
        } else {
            print(String(format: "vocabulary %d tokens (trie built in %.1f ms), instance %d tokens", vocabulary.count, vocabularyMs, ids.count))
            print(String(format: "compile %.3f ms", median(compileMs)))
            for (label, t) in [("mask (first pass)", cold.times), ("mask (cached)", warm.times)] {
                print(String(format: "%@: median %.1f µs, p90 %.1f, p99 %.1f, max %.1f", label, percentile(t, 0.5),
                             percentile(t, 0.9), percentile(t, 0.99), t.max() ?? 0))
            }
            if let reference { print("reference: \(reference.jsonString(.compact))") }
        }
        return 0
    }

    /// The three slowest masks of a pass: the position (mask before token `at`), the token
    /// read there (its text) and the time.
    static func slowest(_ times: [Double], ids: [Int32], vocabulary: TokenVocabulary) -> JSONValue {
        let top = times.indices.sorted { times[$0] > times[$1] }.prefix(3)
        return .array(top.map { k in
            let text = k < ids.count ? String(decoding: vocabulary.tokenBytes[Int(ids[k])], as: UTF8.self) : "<end>"
            return .object(JSONObject([("at", .integer(Int64(k))), ("token", .string(text)), ("us", number(times[k]))]))
        })
    }

    static func number(_ v: Double) -> JSONValue {
        let rounded = (v * 1000).rounded() / 1000
        return .number(rounded, source: "\(rounded)")
    }

    static func median(_ xs: [Double]) -> Double { percentile(xs, 0.5) }

    /// Nearest-rank percentile.
    static func percentile(_ xs: [Double], _ p: Double) -> Double {
        guard !xs.isEmpty else { return 0 }
        let s = xs.sorted()
        let rank = Int((p * Double(s.count)).rounded(.up)) - 1
        return s[min(max(rank, 0), s.count - 1)]
    }

    static func summary(_ xs: [Double]) -> JSONValue {
        .object(JSONObject([("median", number(percentile(xs, 0.5))), ("p90", number(percentile(xs, 0.9))),
                            ("p99", number(percentile(xs, 0.99))), ("max", number(xs.max() ?? 0)),
                            ("mean", number(xs.reduce(0, +) / Double(max(xs.count, 1))))]))
    }

    /// Runs the reference script on the same vocabulary, constraint and token ids.
    static func runReference(python: String, specArgs: [String], tokenizer: GGUFTokenizer,
                             vocabulary: TokenVocabulary, ids: [Int32]) -> JSONValue? {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("toolshell-bench-mask-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let hex = vocabulary.tokenBytes.map { bytes in JSONValue.string(bytes.map { String(format: "%02x", $0) }.joined()) }
            let vocabJSON: JSONValue = .object(JSONObject([
                ("tokens_hex", .array(hex)),
                ("special_ids", .array(vocabulary.specialIDs.sorted().map { .integer(Int64($0)) })),
                ("eog_ids", .array(vocabulary.endOfGeneration.map { .integer(Int64($0)) })),
                ("instance_ids", .array(ids.map { .integer(Int64($0)) })),
            ]))
            let vocabPath = dir.appendingPathComponent("vocab.json").path
            try Data(vocabJSON.jsonString(.compact).utf8).write(to: URL(fileURLWithPath: vocabPath))
            // The script from the checkout: the current directory, else next to these sources.
            var script = "scripts/bench_mask_reference.py"
            if !FileManager.default.fileExists(atPath: script) {
                script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(script).path
            }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: python.hasPrefix("/") ? python : "/usr/bin/env")
            process.arguments = (python.hasPrefix("/") ? [] : [python]) + [script, "--vocab", vocabPath] + specArgs
            let out = Pipe()
            process.standardOutput = out
            try process.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                FileHandle.standardError.write(Data("toolshell bench mask: the reference script failed (status \(process.terminationStatus))\n".utf8))
                return nil
            }
            return try JSONValue.parse(String(decoding: data, as: UTF8.self))
        } catch {
            FileHandle.standardError.write(Data("toolshell bench mask: cannot run the reference: \(error)\n".utf8))
            return nil
        }
    }
}

extension Duration {
    var milliseconds: Double { Double(components.seconds) * 1e3 + Double(components.attoseconds) * 1e-15 }
    var microseconds: Double { Double(components.seconds) * 1e6 + Double(components.attoseconds) * 1e-12 }
}
