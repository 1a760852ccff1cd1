import Foundation
import Schema

/// `toolshell bench json [--corpus DIR] [--seconds S] [--json]`: parse and print speed of
/// `JSONValue` (jansson parsing, own printer) on a corpus of JSON files, next to Python's `json`
/// measured in the same run on the same bytes.
enum BenchJSONCommand {
    static let defaultCorpus = "Tests/Fixtures/schema/jsonschemabench"

    static func run(_ arguments: [String]) -> Int32 {
        var corpus = defaultCorpus
        var seconds = 1.0
        var asJSON = false
        var python = "python3"
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            switch a {
            case "--json": asJSON = true
            case "--corpus", "--seconds", "--python":
                guard i + 1 < arguments.count else { return usage("\(a) needs a value") }
                i += 1
                switch a {
                case "--corpus": corpus = arguments[i]
                case "--python": python = arguments[i]
                default:
                    guard let s = Double(arguments[i]), s > 0 else { return usage("--seconds needs a positive number") }
                    seconds = s
                }
            case "--help", "-h":
                print(helpText)
                return 0
            default:
                return usage("unknown argument '\(a)'")
            }
            i += 1
        }

        let value: JSONValue
        do {
            value = try report(corpus: corpus, seconds: seconds, python: python)
        } catch {
            FileHandle.standardError.write(Data("toolshell bench json: \(error)\n".utf8))
            return 2
        }
        if asJSON {
            print(value.jsonString(.python(indent: 2)))
        } else {
            print("json bench on \(value["corpus"]?["files"]?.jsonString() ?? "?") files, \(value["corpus"]?["bytes"]?.jsonString() ?? "?") bytes (\(corpus))")
            for key in ["parse_mb_s", "print_compact_mb_s", "print_python_mb_s", "parse_print_mb_s"] {
                let ours = value["toolshell"]?[key]?.doubleValue ?? 0
                let theirs = value["python3"]?[key]?.doubleValue
                let ratio = value["ratio_toolshell_over_python3"]?[key]?.doubleValue
                let label = key.padding(toLength: 20, withPad: " ", startingAt: 0)
                print("  \(label) toolshell \(fmt(ours))  python3 \(theirs.map(fmt) ?? "n/a")  ratio \(ratio.map(fmt) ?? "n/a")")
            }
            if let message = value["python3"]?["error"]?.stringValue { print("  python3 reference failed: \(message)") }
        }
        return 0
    }

    /// Runs the measurement and Python's, returning the report printed by `--json`.
    static func report(corpus: String, seconds: Double, python: String) throws -> JSONValue {
        let files: [[UInt8]]
        files = try loadCorpus(corpus)
        let totalBytes = files.reduce(0) { $0 + $1.count }

        // Parse everything once up front: a corpus file that does not parse is an input error.
        var values: [JSONValue] = []
        for (n, f) in files.enumerated() {
            do { values.append(try JSONValue.parse(bytes: f)) } catch {
                throw CorpusError(description: "corpus file #\(n) does not parse: \(error)")
            }
        }

        let parse = measure(seconds) {
            var count = 0
            for f in files { if case .object = (try? JSONValue.parse(bytes: f)) ?? .null { count += 1 } }
            return count
        }
        let compact = measure(seconds) {
            var n = 0
            for v in values { n &+= v.jsonString(.compact).utf8.count }
            return n
        }
        let pythonStyle = measure(seconds) {
            var n = 0
            for v in values { n &+= v.jsonString(.python()).utf8.count }
            return n
        }
        let mine: [String: Double] = [
            "parse_mb_s": mbps(totalBytes, parse),
            "print_compact_mb_s": mbps(totalBytes, compact),
            "print_python_mb_s": mbps(totalBytes, pythonStyle),
            "parse_print_mb_s": mbps(totalBytes, parse + compact),
        ]

        let reference = runPython(python, corpus: corpus, seconds: seconds)
        var result: JSONObject = [
            "bench": "json",
            "corpus": ["path": .string(corpus), "files": .integer(Int64(files.count)), "bytes": .integer(Int64(totalBytes))],
            "note": "MB/s = corpus input bytes (10^6) per second; print timings print the parsed values back out",
        ]
        #if DEBUG
        result["build"] = "debug (numbers are not representative; build with -c release)"
        #else
        result["build"] = "release"
        #endif
        var mineObject = JSONObject()
        for key in ["parse_mb_s", "print_compact_mb_s", "print_python_mb_s", "parse_print_mb_s"] {
            mineObject[key] = .number(round2(mine[key] ?? 0), source: nil)
        }
        result["toolshell"] = .object(mineObject)
        switch reference {
        case .success(let ref):
            result["python3"] = ref
            var ratios = JSONObject()
            for key in ["parse_mb_s", "print_compact_mb_s", "print_python_mb_s", "parse_print_mb_s"] {
                if let theirs = ref[key]?.doubleValue, theirs > 0, let ours = mine[key] {
                    ratios[key] = .number(round2(ours / theirs), source: nil)
                }
            }
            result["ratio_toolshell_over_python3"] = .object(ratios)
        case .failure(let message):
            result["python3"] = ["error": .string(message.message)]
        }
        return .object(result)
    }

    static let helpText = """
    usage: toolshell bench json [--corpus DIR] [--seconds S] [--python PYTHON] [--json]
      Parses and prints every *.json file under DIR (default \(defaultCorpus)) repeatedly for
      about S seconds per measurement (default 1), and runs the same with Python's json module.
    """

    static func usage(_ message: String) -> Int32 {
        FileHandle.standardError.write(Data("toolshell bench json: \(message)\n\(helpText)\n".utf8))
        return 2
    }

    struct CorpusError: Error, CustomStringConvertible {
        let description: String
    }

    static func loadCorpus(_ path: String) throws -> [[UInt8]] {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CorpusError(description: "corpus directory '\(path)' not found; run from the repository root or pass --corpus DIR")
        }
        let names = try fm.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".json") }.sorted()
        guard !names.isEmpty else { throw CorpusError(description: "no *.json files in '\(path)'") }
        return try names.map { name in
            guard let data = fm.contents(atPath: path + "/" + name) else {
                throw CorpusError(description: "cannot read '\(path)/\(name)'")
            }
            return Array(data)
        }
    }

    /// Runs `body` repeatedly for about `seconds`; returns seconds per run.
    static func measure(_ seconds: Double, _ body: () -> Int) -> Double {
        var sink = body()  // warm-up
        var runs = 0
        let start = DispatchTime.now().uptimeNanoseconds
        var elapsed = 0.0
        repeat {
            sink &+= body()
            runs += 1
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        } while elapsed < seconds || runs < 3
        if sink == Int.min { print("") }
        return elapsed / Double(runs)
    }

    static func mbps(_ bytes: Int, _ secondsPerRun: Double) -> Double {
        secondsPerRun > 0 ? Double(bytes) / 1e6 / secondsPerRun : 0
    }

    static func round2(_ x: Double) -> Double { (x * 100).rounded() / 100 }

    static func fmt(_ x: Double) -> String { String(format: "%.2f", x) }

    /// Python's side of the same measurement; prints one JSON object.
    static let pythonScript = """
    import json, os, sys, time, platform
    corpus, seconds = sys.argv[1], float(sys.argv[2])
    names = sorted(n for n in os.listdir(corpus) if n.endswith('.json'))
    files = [open(os.path.join(corpus, n), 'rb').read() for n in names]
    total = sum(len(f) for f in files)
    values = [json.loads(f) for f in files]
    def measure(body):
        body()
        runs, start = 0, time.perf_counter()
        while True:
            body(); runs += 1
            elapsed = time.perf_counter() - start
            if elapsed >= seconds and runs >= 3:
                return elapsed / runs
    def parse():
        for f in files: json.loads(f)
    def compact():
        for v in values: json.dumps(v, separators=(',', ':'), ensure_ascii=False)
    def pystyle():
        for v in values: json.dumps(v, ensure_ascii=False)
    p, c, s = measure(parse), measure(compact), measure(pystyle)
    mb = total / 1e6
    print(json.dumps({'version': platform.python_version(), 'parse_mb_s': round(mb / p, 2),
        'print_compact_mb_s': round(mb / c, 2), 'print_python_mb_s': round(mb / s, 2),
        'parse_print_mb_s': round(mb / (p + c), 2)}))
    """

    static func runPython(_ python: String, corpus: String, seconds: Double) -> Result<JSONValue, BenchPythonError> {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, "-c", pythonScript, corpus, String(seconds)]
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do { try process.run() } catch {
            return .failure(BenchPythonError(message: "cannot start \(python): \(error)"))
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            return .failure(BenchPythonError(message: "\(python) exited with \(process.terminationStatus): \(String(decoding: errData, as: UTF8.self))"))
        }
        do {
            return .success(try JSONValue.parse(bytes: Array(data)))
        } catch {
            return .failure(BenchPythonError(message: "unreadable output from \(python): \(error)"))
        }
    }

    struct BenchPythonError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
}
