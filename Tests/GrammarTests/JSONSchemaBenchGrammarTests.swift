import Foundation
import Testing
import Schema
@testable import Grammar

/// JSON Schema → grammar on real schemas (JSONSchemaBench dev set, all 962: Tests/Fixtures/schema/jsonschemabench)
/// and on the official JSON-Schema-Test-Suite: for every schema that compiles, every instance
/// the benchmark (or suite) marks invalid must be rejected, and valid ones accepted. Instances are
/// printed compactly by the Schema printer, and also with newlines and indentation under the
/// flexible-whitespace option. Instances list properties in any order, so the grammars are
/// compiled with `propertyOrder: .any`. On JSONSchemaBench the production matcher
/// (GrammarRecognizer) checks every second schema and the reference Earley recognizer (Support/)
/// every fourth: building automata for the largest any-order grammars and the reference's
/// recognition of them are slow (~280 s for all schemas). TOOLSHELL_GRAMMAR_REFERENCE=all checks
/// every schema with both.
@Suite struct JSONSchemaBenchGrammarTests {
    struct Tally {
        var schemas = 0, compiled = 0, valid = 0, validAccepted = 0, invalid = 0, invalidRejected = 0
        var unsupported: [String: Int] = [:]
        var failures: [String] = []
        var messages: [String] = []
        var compileNanos: [Int64] = []
        /// Instances where the production matcher (GrammarRecognizer) and the reference recognizer disagree.
        var matcherDisagreements: [String] = []
        var matcherUnavailable = 0
        /// The production matcher alone, on every instance of every grammar it could build.
        var matcherValid = 0, matcherValidAccepted = 0, matcherInvalid = 0, matcherInvalidAccepted = 0

        func summary(_ name: String) -> String {
            let times = compileNanos.sorted()
            func pct(_ p: Double) -> String {
                guard !times.isEmpty else { return "-" }
                return String(format: "%.2f", Double(times[min(times.count - 1, Int(Double(times.count) * p))]) / 1e6)
            }
            let kw = unsupported.sorted { $0.value > $1.value }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            return "\(name): schemas \(schemas), compiled \(compiled) (\(String(format: "%.1f", Double(compiled) * 100 / Double(max(schemas, 1)))) %), "
                + "valid accepted \(validAccepted)/\(valid) (\(String(format: "%.2f", Double(validAccepted) * 100 / Double(max(valid, 1)))) %), "
                + "invalid rejected \(invalidRejected)/\(invalid); matcher alone: valid accepted \(matcherValidAccepted)/\(matcherValid), invalid accepted \(matcherInvalidAccepted)/\(matcherInvalid); matcher disagreements \(matcherDisagreements.count) (\(matcherUnavailable) grammars it could not build); compile ms p50 \(pct(0.5)) p90 \(pct(0.9)) max \(pct(1.0)); unsupported by keyword: \(kw)"
        }
    }

    static func check(schema: JSONValue, tests: [(data: JSONValue, valid: Bool, label: String)], into t: inout Tally, flexible: Bool,
                      reference wantReference: Bool = true, matcher wantMatcher: Bool = true) {
        t.schemas += 1
        let start = DispatchTime.now().uptimeNanoseconds
        let grammar: Grammar
        let flex: Grammar?
        do {
            grammar = try JSONSchemaGrammar.compile(schema, options: .init(propertyOrder: .any))
            t.compileNanos.append(Int64(DispatchTime.now().uptimeNanoseconds - start))
            flex = flexible ? try JSONSchemaGrammar.compile(schema, options: .init(whitespace: .flexible(maxRun: 64), propertyOrder: .any)) : nil
        } catch let e as JSONSchemaGrammarError {
            t.unsupported[e.keyword.isEmpty ? "(other)" : e.keyword, default: 0] += 1
            t.messages.append(e.description)
            return
        } catch {
            t.unsupported["(error \(error))", default: 0] += 1
            return
        }
        t.compiled += 1
        let everything = ProcessInfo.processInfo.environment["TOOLSHELL_GRAMMAR_REFERENCE"] == "all"
        let production = wantMatcher || everything ? try? GrammarRecognizer(grammar) : nil
        if (wantMatcher || everything) && production == nil { t.matcherUnavailable += 1 }
        let useReference = wantReference || everything
        let r = useReference ? ReferenceRecognizer(grammar) : nil
        let rf = useReference ? flex.map { ReferenceRecognizer($0) } : nil
        for test in tests {
            let compact = Array(test.data.jsonString().utf8)
            let byMatcher = production?.matches(compact)
            if let byMatcher {
                if test.valid { t.matcherValid += 1; if byMatcher { t.matcherValidAccepted += 1 } }
                else { t.matcherInvalid += 1; if byMatcher { t.matcherInvalidAccepted += 1; t.failures.append("INVALID ACCEPTED BY THE MATCHER: \(test.label)") } }
            }
            guard let r else { continue }
            var accepted = r.accepts(compact)
            if let byMatcher, byMatcher != accepted {
                t.matcherDisagreements.append("\(test.label): reference \(accepted), matcher \(byMatcher)")
            }
            if let rf { accepted = accepted && rf.accepts(Array(test.data.jsonString(.python(indent: 2)).utf8)) }
            if test.valid {
                t.valid += 1
                if accepted { t.validAccepted += 1 } else { t.failures.append("valid rejected: \(test.label): \(String(decoding: compact.prefix(200), as: UTF8.self))") }
            } else {
                t.invalid += 1
                if !accepted { t.invalidRejected += 1 } else { t.failures.append("INVALID ACCEPTED: \(test.label): \(String(decoding: compact.prefix(200), as: UTF8.self))") }
            }
        }
    }

    @Test func jsonSchemaBench() throws {
        let dir = CompilerFixtures.root.appendingPathComponent("schema/jsonschemabench")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".json") }.sorted()
        var t = Tally()
        for (n, file) in files.enumerated() {
            let doc = try JSONValue.parse(bytes: Array(try Data(contentsOf: dir.appendingPathComponent(file))))
            let schema = try #require(doc["schema"])
            let tests = (doc["tests"]?.arrayValue ?? []).enumerated().map { (i, x) in
                (data: x["data"] ?? .null, valid: x["valid"]?.boolValue ?? false, label: "\(file) #\(i)")
            }
            // The flexible-whitespace form on every eighth schema (the reference recognizer is slow).
            Self.check(schema: schema, tests: tests, into: &t, flexible: n % 8 == 0, reference: n % 4 == 0,
                       matcher: n % 2 == 0)
        }
        print(t.summary("JSONSchemaBench grammar"))
        for f in t.failures.prefix(400) { print("  \(f)") }
        for m in t.messages { print("  unsupported: \(m)") }
        for d in t.matcherDisagreements.prefix(50) { print("  matcher disagrees: \(d)") }
        #expect(t.schemas >= 962)  // the whole dev set (../shared/data/jsonschemabench-dev)
        #expect(t.invalidRejected == t.invalid)
        #expect(t.matcherInvalidAccepted == 0)
        #expect(t.matcherValid > 400)
        #expect(Double(t.validAccepted) >= 0.995 * Double(t.valid))
        #expect(Double(t.compiled) >= 0.95 * Double(t.schemas))
    }

    @Test func jsonSchemaTestSuite() throws {
        let dir = CompilerFixtures.root.appendingPathComponent("schema/json-schema-test-suite/tests/draft2020-12")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".json") }.sorted()
        var t = Tally()
        for file in files {
            let groups = try JSONValue.parse(bytes: Array(try Data(contentsOf: dir.appendingPathComponent(file))))
            for (g, group) in (groups.arrayValue ?? []).enumerated() {
                let schema = try #require(group["schema"])
                let tests = (group["tests"]?.arrayValue ?? []).enumerated().map { (i, x) in
                    (data: x["data"] ?? .null, valid: x["valid"]?.boolValue ?? false, label: "\(file) group \(g) #\(i) \(x["description"]?.stringValue ?? "")")
                }
                Self.check(schema: schema, tests: tests, into: &t, flexible: false)
            }
        }
        print(t.summary("JSON-Schema-Test-Suite draft2020-12 grammar"))
        for f in t.failures where f.hasPrefix("INVALID") { print("  \(f)") }
        #expect(t.schemas > 300)
        #expect(t.invalidRejected == t.invalid)
        #expect(t.matcherInvalidAccepted == 0)
    }
}
