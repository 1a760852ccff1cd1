import Foundation
import Schema
import Testing

@testable import ChatTemplates

/// Fixture files under Tests/Fixtures/chat-templates.
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/chat-templates")

    static func text(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    static func json(_ path: String) throws -> JSONValue {
        try JSONValue.parse(try text(path))
    }

    /// Template file names (without `.jinja`), sorted.
    static let templateNames: [String] = {
        let dir = root.appendingPathComponent("templates")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasSuffix(".jinja") }.map { String($0.dropLast(6)) }.sorted()
    }()

    /// The instant `scripts/make_template_goldens.py` fixes `strftime_now` to: 2026-01-15 10:30:00.
    static let goldenNow = Date(timeIntervalSince1970: 1_768_473_000)
}

struct GoldenCase {
    let conversation: String
    let addGenerationPrompt: Bool
    let output: String?
    let error: String?
}

/// Renders `template` over every conversation of conversations.json and compares with the jinja2 goldens;
/// returns (passed, failures).
func checkGoldens(_ name: String) throws -> (passed: Int, failures: [String]) {
    let conversations = try Fixtures.json("conversations.json")
    let golden = try Fixtures.json("goldens/\(name).json")
    let source = try Fixtures.text("templates/\(name).jinja")
    let extra = conversations["extra"]?.objectValue ?? JSONObject()
    var byID: [String: JSONValue] = [:]
    for c in conversations["conversations"]?.arrayValue ?? [] {
        if let id = c["id"]?.stringValue { byID[id] = c }
    }
    let cases = (golden["cases"]?.arrayValue ?? []).map {
        GoldenCase(conversation: $0["conversation"]?.stringValue ?? "", addGenerationPrompt: $0["add_generation_prompt"]?.boolValue ?? false,
                   output: $0["output"]?.stringValue, error: $0["error"]?.stringValue)
    }
    #expect(cases.count == byID.count * 2, "golden file \(name).json has \(cases.count) cases")
    var template: ChatTemplate
    do {
        template = try ChatTemplate(source: source)
    } catch {
        let allErrors = cases.allSatisfy { $0.error != nil }
        return (allErrors ? cases.count : 0, allErrors ? [] : ["\(name): parse failed: \(error)"])
    }
    template.fixedNow = Fixtures.goldenNow
    var passed = 0
    var failures: [String] = []
    for c in cases {
        guard let conversation = byID[c.conversation] else {
            failures.append("\(name)/\(c.conversation): conversation missing")
            continue
        }
        var kwargs = extra
        for (k, v) in conversation["kwargs"]?.objectValue ?? JSONObject() { kwargs[k] = v }
        let label = "\(name)/\(c.conversation)/agp=\(c.addGenerationPrompt)"
        do {
            let out = try template.render(messages: conversation["messages"]?.arrayValue ?? [],
                                          tools: conversation["tools"]?.arrayValue,
                                          addGenerationPrompt: c.addGenerationPrompt, extra: kwargs)
            if let expected = c.output {
                if out == expected && Array(out.utf8) == Array(expected.utf8) {
                    passed += 1
                } else {
                    failures.append("\(label): output differs\n--- expected\n\(expected)\n--- got\n\(out)")
                }
            } else {
                failures.append("\(label): jinja2 raised \(c.error ?? "") but toolshell rendered")
            }
        } catch {
            guard let expectedError = c.error else {
                failures.append("\(label): toolshell raised \(error) but jinja2 rendered")
                continue
            }
            if expectedError.hasPrefix("raise_exception: ") {
                let message = String(expectedError.dropFirst("raise_exception: ".count))
                if error == .raised(message: message) { passed += 1 } else {
                    failures.append("\(label): expected raise_exception(\(message)), got \(error)")
                }
            } else if case .runtime = error {
                passed += 1
            } else {
                failures.append("\(label): expected a runtime error like jinja2's \(expectedError), got \(error)")
            }
        }
    }
    return (passed, failures)
}

@Suite("jinja2 goldens")
struct GoldenTests {
    @Test("every template renders every conversation as jinja2 does", arguments: Fixtures.templateNames)
    func template(_ name: String) throws {
        let (_, failures) = try checkGoldens(name)
        for f in failures { Issue.record(Comment(rawValue: f)) }
    }

    @Test("golden set covers every shared template")
    func coverage() throws {
        #expect(Fixtures.templateNames.count >= 59)
        var total = 0, passed = 0
        for name in Fixtures.templateNames {
            let golden = try Fixtures.json("goldens/\(name).json")
            total += golden["cases"]?.arrayValue?.count ?? 0
            passed += try checkGoldens(name).passed
        }
        print("chat-template goldens: \(passed)/\(total) cases match jinja2 (\(Fixtures.templateNames.count) templates)")
        #expect(passed == total)
    }
}
