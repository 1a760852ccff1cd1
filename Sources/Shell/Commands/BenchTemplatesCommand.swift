import ChatTemplates
import Foundation
import Schema

/// `toolshell bench templates [--dir DIR] [--seconds S] [--python PYTHON] [--json]`: chat-template
/// parse and render speed over the golden set (every template × conversation × add_generation_prompt
/// that renders), next to Python's jinja2 configured as transformers does, measured in the same run.
enum BenchTemplatesCommand {
    static let defaultDirectory = "Tests/Fixtures/chat-templates"

    static let helpText = """
        usage: toolshell bench templates [--dir DIR] [--seconds S] [--python PYTHON] [--json]
          Parses every DIR/templates/*.jinja and renders it over DIR/conversations.json (default
          \(defaultDirectory)) for about S seconds per measurement (default 1); runs the same with
          Python's jinja2 (ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks).
        """

    static func run(_ arguments: [String]) -> Int32 {
        var directory = defaultDirectory
        var seconds = 1.0
        var python = "python3"
        var asJSON = false
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            switch a {
            case "--json": asJSON = true
            case "--dir", "--seconds", "--python":
                guard i + 1 < arguments.count else { return usage("\(a) needs a value") }
                i += 1
                switch a {
                case "--dir": directory = arguments[i]
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
        let report: JSONValue
        do {
            report = try makeReport(directory: directory, seconds: seconds, python: python)
        } catch {
            FileHandle.standardError.write(Data("toolshell bench templates: \(error)\n".utf8))
            return 2
        }
        if asJSON {
            print(report.jsonString(.python(indent: 2)))
        } else {
            let ours = report["toolshell"], theirs = report["jinja2"], ratio = report["ratio_toolshell_over_jinja2"]
            print("bench templates (\(report["build"]?.stringValue ?? "")): \(report["cases"]?.int64Value ?? 0) renders")
            for key in ["parse_per_s", "render_per_s"] {
                let o = ours?[key]?.doubleValue.map(BenchJSONCommand.fmt) ?? "n/a"
                let t = theirs?[key]?.doubleValue.map(BenchJSONCommand.fmt) ?? "n/a"
                let r = ratio?[key]?.doubleValue.map(BenchJSONCommand.fmt) ?? "n/a"
                print("  \(key): toolshell \(o)  jinja2 \(t)  ratio \(r)")
            }
            if let message = theirs?["error"]?.stringValue { print("  jinja2 reference failed: \(message)") }
        }
        return 0
    }

    struct BenchError: Error, CustomStringConvertible {
        let description: String
    }

    struct Case {
        let template: ChatTemplate
        let messages: [JSONValue]
        let tools: [JSONValue]?
        let addGenerationPrompt: Bool
        let extra: JSONObject
    }

    static func makeReport(directory: String, seconds: Double, python: String) throws -> JSONValue {
        let fm = FileManager.default
        let templateDirectory = directory + "/templates"
        guard let names = try? fm.contentsOfDirectory(atPath: templateDirectory).filter({ $0.hasSuffix(".jinja") }).sorted(),
              !names.isEmpty else {
            throw BenchError(description: "no templates in '\(templateDirectory)'; run from the repository root or pass --dir DIR")
        }
        guard let conversationData = fm.contents(atPath: directory + "/conversations.json") else {
            throw BenchError(description: "cannot read '\(directory)/conversations.json'")
        }
        let conversations = try JSONValue.parse(bytes: Array(conversationData))
        let sources = try names.map { name -> String in
            guard let data = fm.contents(atPath: templateDirectory + "/" + name), let text = String(data: data, encoding: .utf8) else {
                throw BenchError(description: "cannot read '\(templateDirectory)/\(name)'")
            }
            return text
        }
        var templates: [ChatTemplate] = []
        for (name, source) in zip(names, sources) {
            do {
                templates.append(try ChatTemplate(source: source))
            } catch {
                throw BenchError(description: "\(name): \(error)")
            }
        }
        let baseExtra = conversations["extra"]?.objectValue ?? JSONObject()
        var cases: [Case] = []
        for template in templates {
            for conversation in conversations["conversations"]?.arrayValue ?? [] {
                var extra = baseExtra
                for (k, v) in conversation["kwargs"]?.objectValue ?? JSONObject() { extra[k] = v }
                for agp in [false, true] {
                    let c = Case(template: template, messages: conversation["messages"]?.arrayValue ?? [],
                                 tools: conversation["tools"]?.arrayValue, addGenerationPrompt: agp, extra: extra)
                    // Only cases that render: the reference skips the same ones (jinja2 raises where we do).
                    if (try? render(c)) != nil { cases.append(c) }
                }
            }
        }
        let parseTime = BenchJSONCommand.measure(seconds) {
            var n = 0
            for s in sources { if (try? ChatTemplate(source: s)) != nil { n += 1 } }
            return n
        }
        let renderTime = BenchJSONCommand.measure(seconds) {
            var n = 0
            for c in cases { n &+= ((try? render(c))?.utf8.count ?? 0) }
            return n
        }
        var result: JSONObject = [
            "bench": "templates",
            "templates": .integer(Int64(names.count)),
            "cases": .integer(Int64(cases.count)),
            "note": "parse_per_s = templates parsed per second; render_per_s = renders per second over the cases that render",
        ]
        #if DEBUG
        result["build"] = "debug (numbers are not representative; build with -c release)"
        #else
        result["build"] = "release"
        #endif
        let ours: [String: Double] = [
            "parse_per_s": Double(names.count) / parseTime,
            "render_per_s": Double(cases.count) / renderTime,
        ]
        result["toolshell"] = .object(JSONObject(ours.sorted { $0.key < $1.key }.map { ($0.key, .number(BenchJSONCommand.round2($0.value), source: nil)) }))
        switch runPython(python, directory: directory, seconds: seconds) {
        case .success(let reference):
            result["jinja2"] = reference
            var ratios = JSONObject()
            for key in ["parse_per_s", "render_per_s"] {
                if let theirs = reference[key]?.doubleValue, theirs > 0, let mine = ours[key] {
                    ratios[key] = .number(BenchJSONCommand.round2(mine / theirs), source: nil)
                }
            }
            result["ratio_toolshell_over_jinja2"] = .object(ratios)
        case .failure(let error):
            result["jinja2"] = ["error": .string(error.description)]
        }
        return .object(result)
    }

    static func render(_ c: Case) throws -> String {
        try c.template.render(messages: c.messages, tools: c.tools, addGenerationPrompt: c.addGenerationPrompt, extra: c.extra)
    }

    /// jinja2's side: the same templates, conversations and cases.
    static let pythonScript = """
    import json, os, sys, time
    from datetime import datetime
    import jinja2, jinja2.ext
    from jinja2 import nodes
    from jinja2.sandbox import ImmutableSandboxedEnvironment
    directory, seconds = sys.argv[1], float(sys.argv[2])
    class Gen(jinja2.ext.Extension):
        tags = {"generation"}
        def parse(self, parser):
            lineno = next(parser.stream).lineno
            body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
            return nodes.CallBlock(self.call_method("_r", []), [], [], body).set_lineno(lineno)
        def _r(self, caller):
            return caller()
    def raise_exception(m):
        raise ValueError(m)
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[Gen, jinja2.ext.loopcontrols])
    env.filters["tojson"] = lambda x, ensure_ascii=False, indent=None, separators=None, sort_keys=False: json.dumps(
        x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = lambda f: datetime.now().strftime(f)
    tdir = os.path.join(directory, "templates")
    names = sorted(n for n in os.listdir(tdir) if n.endswith(".jinja"))
    sources = [open(os.path.join(tdir, n), encoding="utf-8").read() for n in names]
    conv = json.load(open(os.path.join(directory, "conversations.json"), encoding="utf-8"))
    cases = []
    for s in sources:
        t = env.from_string(s)
        for c in conv["conversations"]:
            kw = dict(conv["extra"]); kw.update(c.get("kwargs", {}))
            for agp in (False, True):
                try:
                    t.render(messages=c["messages"], tools=c.get("tools"), add_generation_prompt=agp, **kw)
                    cases.append((t, c["messages"], c.get("tools"), agp, kw))
                except Exception:
                    pass
    def measure(body):
        body()
        runs, start = 0, time.perf_counter()
        while True:
            body(); runs += 1
            elapsed = time.perf_counter() - start
            if elapsed >= seconds and runs >= 3:
                return elapsed / runs
    def parse():
        for s in sources:
            env.from_string(s)
    def render():
        for t, m, tools, agp, kw in cases:
            t.render(messages=m, tools=tools, add_generation_prompt=agp, **kw)
    p, r = measure(parse), measure(render)
    print(json.dumps({"parse_per_s": round(len(sources) / p, 2), "render_per_s": round(len(cases) / r, 2),
                      "cases": len(cases), "jinja2": jinja2.__version__}))
    """

    static func runPython(_ python: String, directory: String, seconds: Double) -> Result<JSONValue, BenchError> {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, "-c", pythonScript, directory, String(seconds)]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do {
            try process.run()
        } catch {
            return .failure(BenchError(description: "cannot run \(python): \(error)"))
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let message = String(decoding: errData, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
            return .failure(BenchError(description: "\(python) exited with \(process.terminationStatus): \(message)"))
        }
        do {
            return .success(try JSONValue.parse(bytes: Array(data)))
        } catch {
            return .failure(BenchError(description: "unreadable output from \(python): \(error)"))
        }
    }

    static func usage(_ message: String) -> Int32 {
        FileHandle.standardError.write(Data("toolshell bench templates: \(message)\n\(helpText)\n".utf8))
        return 2
    }
}
