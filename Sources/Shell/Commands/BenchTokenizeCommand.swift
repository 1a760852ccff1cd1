import Engine
import Foundation
import GGUF
import Schema

/// `toolshell bench tokenize --model M [--text-file F] [--seconds S] [--python PY] [--json]`:
/// encode speed of the model's tokenizer on a long text, next to Hugging Face `tokenizers`
/// (loaded from the same GGUF through `transformers`) measured in the same run when `--python`
/// names an interpreter that has them.
enum BenchTokenizeCommand {
    static let helpText = """
    usage: toolshell bench tokenize --model M [--text-file F] [--seconds S] [--python PY] [--json]

    Encodes a long text (default: every .swift and .md file under Sources/ and DESIGN.md,
    concatenated) repeatedly for S seconds (default 2) and reports tokens per second
    (special-token texts parsed, as for a rendered chat prompt).
    With --python PY, the same text is encoded by Hugging Face tokenizers built from the same
    GGUF (needs `transformers`, `tokenizers` and `gguf` in that interpreter) as the reference.
    """

    static func run(_ arguments: [String]) -> Int32 {
        var model: String?
        var textFile: String?
        var seconds = 2.0
        var python: String?
        var asJSON = false
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            switch a {
            case "--json": asJSON = true
            case "--help", "-h":
                print(helpText)
                return 0
            case "--model", "--text-file", "--seconds", "--python":
                guard i + 1 < arguments.count else { return usage("\(a) needs a value") }
                i += 1
                let v = arguments[i]
                switch a {
                case "--model": model = v
                case "--text-file": textFile = v
                case "--python": python = v
                default:
                    guard let s = Double(v), s > 0 else { return usage("--seconds needs a positive number") }
                    seconds = s
                }
            default:
                return usage("unknown argument '\(a)'")
            }
            i += 1
        }
        guard let model else { return usage("--model is required") }
        let text: String
        do {
            text = try textFile.map { try String(contentsOfFile: $0, encoding: .utf8) } ?? defaultCorpus()
        } catch {
            FileHandle.standardError.write(Data("toolshell bench tokenize: cannot read the text: \(error)\n".utf8))
            return 2
        }
        let path: String
        let tokenizer: GGUFTokenizer
        let loadSeconds: Double
        do {
            path = try ModelPaths.resolve(model)
            let start = Date()
            tokenizer = try GGUFTokenizer(file: GGUFFile(path: path))
            loadSeconds = Date().timeIntervalSince(start)
        } catch {
            FileHandle.standardError.write(Data("toolshell bench tokenize: \(error)\n".utf8))
            return 1
        }
        var tokens = 0
        var runs = 0
        var best = Double.infinity
        let deadline = Date().addingTimeInterval(seconds)
        repeat {
            let start = Date()
            tokens = tokenizer.encode(text, addSpecial: false, parseSpecial: true).count
            best = min(best, Date().timeIntervalSince(start))
            runs += 1
        } while Date() < deadline
        let tokS = Double(tokens) / best

        var reference: JSONValue = .null
        if let python {
            switch measureReference(python: python, modelPath: path, text: text, seconds: seconds) {
            case let .success(r):
                reference = [
                    "name": "huggingface tokenizers (transformers GGUF loader)",
                    "tokens": .integer(Int64(r.tokens)),
                    "tok_s": .number(r.tokS.rounded(), source: nil),
                    "same_ids": .bool(r.sameIDs(tokenizer.encode(text, addSpecial: false, parseSpecial: true))),
                ]
            case let .failure(message):
                FileHandle.standardError.write(Data("toolshell bench tokenize: reference not measured: \(message)\n".utf8))
            }
        }
        var result: JSONObject = [
            "model": .string(model),
            "bytes": .integer(Int64(text.utf8.count)),
            "tokens": .integer(Int64(tokens)),
            "runs": .integer(Int64(runs)),
            "tok_s": .number(tokS.rounded(), source: nil),
            "mb_s": .number((Double(text.utf8.count) / best / 1e6 * 100).rounded() / 100, source: nil),
            "load_s": .number((loadSeconds * 1000).rounded() / 1000, source: nil),
            "reference": reference,
        ]
        if case let .object(r) = reference, case let .number(refTokS, _)? = r["tok_s"] {
            result["ratio"] = .number((tokS / refTokS * 100).rounded() / 100, source: nil)
        }
        if asJSON {
            print(JSONValue.object(result).jsonString())
        } else {
            print("tokenize \(model): \(tokens) tokens from \(text.utf8.count) bytes, \(Int(tokS)) tok/s (best of \(runs)), tokenizer load \(String(format: "%.3f", loadSeconds)) s")
            if case let .object(r) = reference { print("reference: \(JSONValue.object(r).jsonString())") }
        }
        return 0
    }

    /// The default text: the project's own sources and notes (code and prose, ASCII and not).
    static func defaultCorpus() throws -> String {
        var parts: [String] = []
        let fm = FileManager.default
        if let design = try? String(contentsOfFile: "DESIGN.md", encoding: .utf8) { parts.append(design) }
        if let walker = fm.enumerator(atPath: "Sources") {
            for case let file as String in walker where file.hasSuffix(".swift") || file.hasSuffix(".md") {
                if let s = try? String(contentsOfFile: "Sources/" + file, encoding: .utf8) { parts.append(s) }
            }
        }
        guard !parts.isEmpty else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "no Sources/ here; run from the repository root or pass --text-file"])
        }
        return parts.joined(separator: "\n")
    }

    struct ReferenceResult {
        var tokens: Int
        var tokS: Double
        var ids: [Int32]
        func sameIDs(_ ours: [Int32]) -> Bool { ids == ours }
    }

    static func measureReference(python: String, modelPath: String, text: String, seconds: Double) -> Result<ReferenceResult, ReferenceError> {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("toolshell-bench-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try text.write(to: dir.appendingPathComponent("text.txt"), atomically: true, encoding: .utf8)
        } catch {
            return .failure(ReferenceError(message: "cannot write a temporary file: \(error)"))
        }
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = """
        import json, os, sys, time
        from transformers import AutoTokenizer
        path = sys.argv[1]
        tok = AutoTokenizer.from_pretrained(os.path.dirname(path), gguf_file=os.path.basename(path))
        text = open(sys.argv[2], encoding="utf-8").read()
        seconds = float(sys.argv[3])
        best = float("inf"); ids = []
        end = time.perf_counter() + seconds
        while True:
            t = time.perf_counter(); ids = tok.encode(text, add_special_tokens=False); best = min(best, time.perf_counter() - t)
            if time.perf_counter() > end: break
        print(json.dumps({"tokens": len(ids), "tok_s": len(ids) / best, "ids": ids}))
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, "-c", script, modelPath, dir.appendingPathComponent("text.txt").path, String(seconds)]
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do { try process.run() } catch { return .failure(ReferenceError(message: "cannot run \(python): \(error)")) }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, let value = try? JSONValue.parse(bytes: Array(data)),
              case let .object(o) = value, case let .integer(n)? = o["tokens"], case let .array(idValues)? = o["ids"] else {
            let tail = String(decoding: errData.suffix(400), as: UTF8.self)
            return .failure(ReferenceError(message: "\(python) failed (exit \(process.terminationStatus)): \(tail)"))
        }
        var tokS = 0.0
        if case let .number(v, _)? = o["tok_s"] { tokS = v } else if case let .integer(v)? = o["tok_s"] { tokS = Double(v) }
        let ids = idValues.compactMap { v -> Int32? in if case let .integer(i) = v { return Int32(i) } else { return nil } }
        return .success(ReferenceResult(tokens: Int(n), tokS: tokS, ids: ids))
    }

    struct ReferenceError: Error { var message: String }

    static func usage(_ message: String) -> Int32 {
        FileHandle.standardError.write(Data("toolshell bench tokenize: \(message)\n\(helpText)\n".utf8))
        return 2
    }
}
