import Foundation
import Schema
import ToolParsers

/// `toolshell bench parse [--parser NAME] [--seconds S] [--python PATH] [--json]`: tool-call parsing speed
/// on a 1.9 KB hermes output with three calls (whole text, and streamed one character per delta),
/// plus outputs of about 2 KB, 20 KB and 200 KB to show the cost grows linearly. With `--python`
/// pointing at an interpreter that has vLLM installed, vLLM's own hermes parser is measured on the
/// same text in the same run.
enum BenchParseCommand {
    static let helpText = """
    usage: toolshell bench parse [--seconds S] [--python PYTHON] [--json] [--only whole|stream] [--calls N --runs R]
      --seconds S       time per measurement (default 0.5)
      --only KIND       time only the whole-text parse or only the 1-character stream
      --calls N         measure only an output with N calls (no size table); with --runs R, exactly R runs
                        (for instruction counts: run under callgrind with two values of R and subtract)
      --python PYTHON   an interpreter with vllm installed; measures vLLM's hermes parser on the same text
      --json            print one JSON object
    """

    /// The 1.9 KB reference output (1,884 bytes): text, then three calls with nested, escaped and non-ASCII arguments.
    static func sampleOutput(calls: Int = 3) -> String {
        var text = "I'll check the five-day forecast for San Francisco first, then search the archive for historic reports on Zürich and São Paulo so we can compare this week with earlier years, and finally send a short summary to Alice and Bob. Here are the calls:\n"
        let bodies = [
            #"{"name": "get_weather", "arguments": {"city": "San Francisco", "unit": "celsius", "days": 5, "include": ["hourly", "alerts", "air_quality"], "location": {"lat": 37.7749, "lon": -122.4194}, "note": "User asked: \"will it rain on Saturday?\" — answer with a short summary, mention the wind, the UV index and whether an umbrella is needed for the morning commute across the Bay Bridge."}}"#,
            #"{"name": "search_documents", "arguments": {"query": "historic weather reports for Zürich and São Paulo, 1990–2020 {inclusive}", "filters": {"tags": ["climate", "archive", "precipitation"], "max_results": 25, "exact": false, "score_threshold": 0.75, "language": null}, "path": "C:\\data\\reports\\*.json", "sort": [{"field": "date", "order": "desc"}, {"field": "relevance", "order": "desc"}], "fields": ["title", "summary", "station", "rainfall_mm", "temperature_c"]}}"#,
            #"{"name": "send_message", "arguments": {"to": ["alice@example.com", "bob@example.com"], "subject": "Forecast summary", "body": "Hi both,\n\nThe forecast for the next five days is below, with the archive comparison attached.\n\t- San Francisco: mild, 14–19 °C, light wind from the west\n\t- Zürich: rain on Tuesday and Wednesday, 6–9 °C\n\t- São Paulo: warm and humid, storms likely in the afternoon\n\nThe archive shows Saturdays in November were wet in 7 of the last 10 years.\n\nIf you want the hourly breakdown or the air-quality numbers, reply to this message and I'll send them.\n\nBest,\nAssistant", "priority": 2, "attachments": [], "metadata": {"thread": "wx-2024-11", "retry": true}}}"#,
        ]
        for k in 0..<calls {
            text += "<tool_call>\n" + bodies[k % bodies.count] + "\n</tool_call>\n"
        }
        return text
    }

    struct Measurement {
        var bytes: Int
        var wholeMicros: Double
        var streamMillis: Double
    }

    /// Which halves to time (`--only whole|stream`, for profiling one of them).
    nonisolated(unsafe) static var only: String?
    /// A fixed number of timed runs instead of `--seconds` (`--runs N`, for instruction counts under callgrind).
    nonisolated(unsafe) static var fixedRuns: Int?

    static func measure(_ text: String, seconds: Double) -> Measurement {
        let format = ToolParserRegistry.builtIn.format(named: "hermes")!
        let deltas = only == "whole" ? [] : text.unicodeScalars.map { String($0) }
        let whole = only == "stream" ? 0 : timePerRun(seconds) {
            guard let p = try? format.makeParser(tools: [JSONValue]()) else { return 0 }
            return p.parse(text).toolCalls.count
        }
        let stream = only == "whole" ? 0 : timePerRun(seconds) {
            guard let p = try? format.makeParser(tools: [JSONValue]()) else { return 0 }
            var n = 0
            for d in deltas { n += p.feed(d).count }
            return n + p.finish().count
        }
        return Measurement(bytes: text.utf8.count, wholeMicros: whole * 1e6, streamMillis: stream * 1e3)
    }

    static func timePerRun(_ seconds: Double, _ body: () -> Int) -> Double {
        var sink = fixedRuns == nil ? body() : 0
        var runs = 0
        let start = DispatchTime.now().uptimeNanoseconds
        var elapsed = 0.0
        repeat {
            sink &+= body()
            runs += 1
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        } while fixedRuns.map({ runs < $0 }) ?? (elapsed < seconds || runs < 3)
        if sink == Int.min { print("") }
        return elapsed / Double(runs)
    }

    static func run(_ arguments: [String]) -> Int32 {
        var seconds = 0.5
        var asJSON = false
        var python: String?
        var onlyCalls: Int?
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            switch a {
            case "--json": asJSON = true
            case "--help", "-h": print(helpText); return 0
            case "--only":
                guard i + 1 < arguments.count else { return usage("--only needs whole or stream") }
                i += 1
                only = arguments[i]
            case "--calls", "--runs":
                guard i + 1 < arguments.count, let v = Int(arguments[i + 1]), v > 0 else { return usage("\(a) needs a positive integer") }
                i += 1
                if a == "--calls" { onlyCalls = v } else { fixedRuns = v }
            case "--seconds", "--python":
                guard i + 1 < arguments.count else { return usage("\(a) needs a value") }
                i += 1
                if a == "--python" { python = arguments[i] } else {
                    guard let s = Double(arguments[i]), s > 0 else { return usage("--seconds needs a positive number") }
                    seconds = s
                }
            default: return usage("unknown argument '\(a)'")
            }
            i += 1
        }
        if let onlyCalls {
            let m = measure(sampleOutput(calls: onlyCalls), seconds: seconds)
            print("hermes, \(m.bytes) bytes, \(onlyCalls) calls: whole \(fmt(m.wholeMicros)) µs, 1-char stream \(fmt(m.streamMillis)) ms")
            return 0
        }
        let sample = sampleOutput()
        let reference = measure(sample, seconds: seconds)
        // Linearity: about 2 KB, 20 KB and 200 KB of output (more calls).
        var sizes: [Measurement] = []
        for calls in [3, 30, 300] { sizes.append(measure(sampleOutput(calls: calls), seconds: seconds)) }

        var vllm: JSONValue = .null
        if let python {
            vllm = measureVLLM(python: python, text: sample, seconds: seconds)
        }
        let vllmWhole = vllm["whole_us"]?.doubleValue
        let vllmStream = vllm["stream_1byte_ms"]?.doubleValue
        if asJSON {
            var o = JSONObject([
                ("bench", "parse"), ("parser", "hermes"), ("bytes", .integer(Int64(reference.bytes))), ("calls", 3),
                ("whole_us", .number(round2(reference.wholeMicros), source: nil)),
                ("stream_1byte_ms", .number(round2(reference.streamMillis), source: nil)),
                ("linearity", .array(sizes.map { m in
                    .object(JSONObject([("bytes", .integer(Int64(m.bytes))),
                                        ("whole_us", .number(round2(m.wholeMicros), source: nil)),
                                        ("whole_ns_per_byte", .number(round2(m.wholeMicros * 1000 / Double(m.bytes)), source: nil)),
                                        ("stream_1byte_ms", .number(round2(m.streamMillis), source: nil)),
                                        ("stream_ns_per_byte", .number(round2(m.streamMillis * 1e6 / Double(m.bytes)), source: nil))]))
                })),
            ])
            o["vllm"] = vllm
            if let vllmWhole { o["speedup_whole"] = .number(round2(vllmWhole / reference.wholeMicros), source: nil) }
            if let vllmStream { o["speedup_stream"] = .number(round2(vllmStream / reference.streamMillis), source: nil) }
            print(JSONValue.object(o).jsonString())
        } else {
            print("hermes, \(reference.bytes) bytes, 3 calls")
            print("  whole text:        \(fmt(reference.wholeMicros)) µs")
            print("  1-char streaming:  \(fmt(reference.streamMillis)) ms")
            for m in sizes {
                print("  \(String(m.bytes).padding(toLength: 7, withPad: " ", startingAt: 0)) bytes: whole \(fmt(m.wholeMicros)) µs (\(fmt(m.wholeMicros * 1000 / Double(m.bytes))) ns/B), 1-char stream \(fmt(m.streamMillis)) ms (\(fmt(m.streamMillis * 1e6 / Double(m.bytes))) ns/B)")
            }
            if let vllmWhole, let vllmStream {
                print("  vLLM (same text, same run): whole \(fmt(vllmWhole)) µs, 1-char stream \(fmt(vllmStream)) ms → \(fmt(vllmWhole / reference.wholeMicros))× and \(fmt(vllmStream / reference.streamMillis))× faster")
            } else if python != nil {
                print("  vLLM: not measured (\(vllm["error"]?.stringValue ?? "no result"))")
            }
        }
        return 0
    }

    /// Runs vLLM's Hermes2ProToolParser on the same text: non-streaming extract_tool_calls, and
    /// extract_tool_calls_streaming fed one character per delta (token ids are not used by it).
    static func measureVLLM(python: String, text: String, seconds: Double) -> JSONValue {
        let script = """
        import json, sys, time
        text, seconds = sys.argv[1], float(sys.argv[2])
        try:
            from vllm.tool_parsers.hermes_tool_parser import Hermes2ProToolParser
        except Exception:
            from vllm.entrypoints.openai.tool_parsers.hermes_tool_parser import Hermes2ProToolParser
        from transformers import AutoTokenizer
        class Tok:
            def __init__(self):
                self.vocab = {"<tool_call>": 1, "</tool_call>": 2}
            def get_vocab(self): return self.vocab
            def encode(self, s, add_special_tokens=False): return [ord(c) for c in s]
            def decode(self, ids): return "".join(chr(i) for i in ids)
        tok = Tok()
        class Req:
            tools = None
            tool_choice = "auto"
        def whole():
            p = Hermes2ProToolParser(tok)
            return p.extract_tool_calls(text, Req())
        def stream():
            p = Hermes2ProToolParser(tok)
            prev = ""
            for ch in text:
                cur = prev + ch
                p.extract_tool_calls_streaming(prev, cur, ch, [], [], [], Req())
                prev = cur
        def timed(f):
            f(); n = 0; t0 = time.perf_counter()
            while True:
                f(); n += 1
                el = time.perf_counter() - t0
                if el >= seconds and n >= 3: return el / n
        r = whole()
        print(json.dumps({"whole_us": timed(whole) * 1e6, "stream_1byte_ms": timed(stream) * 1e3,
                          "calls": len(r.tool_calls)}))
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script, text, String(seconds)]
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do { try process.run() } catch { return ["error": .string("cannot run \(python): \(error)")] }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let line = String(decoding: data, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
        if process.terminationStatus == 0, let v = try? JSONValue.parse(line) { return v }
        let tail = String(decoding: errData, as: UTF8.self).split(separator: "\n").suffix(3).joined(separator: " | ")
        return ["error": .string("vLLM run failed (exit \(process.terminationStatus)): \(tail)")]
    }

    static func round2(_ x: Double) -> Double { (x * 100).rounded() / 100 }
    static func fmt(_ x: Double) -> String { String(format: "%.2f", x) }

    static func usage(_ message: String) -> Int32 {
        FileHandle.standardError.write(Data("toolshell bench parse: \(message)\n\(helpText)\n".utf8))
        return 2
    }
}
