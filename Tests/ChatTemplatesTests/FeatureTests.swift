import Foundation
import Schema
import Testing

@testable import ChatTemplates

/// One-construct snippets rendered by jinja2 3.1.6 (features.json, made by scripts/make_template_goldens.py).
@Suite("jinja2 feature snippets")
struct FeatureTests {
    struct Snippet: CustomTestStringConvertible, Sendable {
        let name: String
        let template: String
        let output: String?
        let error: String?
        let errorLine: Int?
        var testDescription: String { name }
    }

    static let file: JSONValue = (try? Fixtures.json("features.json")) ?? .null

    static let snippets: [Snippet] = (file["cases"]?.arrayValue ?? []).map {
        Snippet(name: $0["name"]?.stringValue ?? "?", template: $0["template"]?.stringValue ?? "",
                output: $0["output"]?.stringValue, error: $0["error"]?.stringValue,
                errorLine: $0["error_line"]?.int64Value.map { Int($0) })
    }

    @Test("features.json is present and non-trivial")
    func present() {
        #expect(FeatureTests.snippets.count >= 80)
    }

    @Test("snippet renders as jinja2 does", arguments: FeatureTests.snippets)
    func snippet(_ s: Snippet) throws {
        let context = FeatureTests.file["context"]?.objectValue ?? JSONObject()
        let messages = FeatureTests.file["messages"]?.arrayValue ?? []
        do {
            var template = try ChatTemplate(source: s.template)
            template.fixedNow = Fixtures.goldenNow
            let out = try template.render(messages: messages, tools: nil, addGenerationPrompt: true, extra: context)
            if let expected = s.output {
                #expect(Array(out.utf8) == Array(expected.utf8), "\(s.name): expected \(expected.debugDescription), got \(out.debugDescription)")
            } else {
                Issue.record("\(s.name): jinja2 raised \(s.error ?? "") but toolshell rendered \(out.debugDescription)")
            }
        } catch {
            guard let expected = s.error else {
                Issue.record("\(s.name): toolshell raised \(error) but jinja2 rendered \(s.output?.debugDescription ?? "")")
                return
            }
            if expected.hasPrefix("raise_exception: ") {
                #expect(error == .raised(message: String(expected.dropFirst("raise_exception: ".count))))
            } else if let line = s.errorLine {
                guard case let .syntax(_, l, column) = error else {
                    Issue.record("\(s.name): expected a syntax error at line \(line) like jinja2's \(expected), got \(error)")
                    return
                }
                #expect(l == line, "\(s.name): \(error) vs jinja2 \(expected)")
                #expect(column >= 1)
            } else {
                guard case let .runtime(_, line, column) = error else {
                    Issue.record("\(s.name): expected a runtime error like jinja2's \(expected), got \(error)")
                    return
                }
                #expect(line >= 1 && column >= 1, "\(s.name): runtime errors carry line:column")
            }
        }
    }
}

/// The Qwen2.5 template from llama.cpp's fixture (qwen_chat_tools.json): each conversation's `rendered_prompt`.
@Suite("llama.cpp Qwen chat fixture")
struct QwenFixtureTests {
    @Test("renders every conversation's rendered_prompt exactly")
    func qwen() throws {
        let fixture = try Fixtures.json("qwen_chat_tools.json")
        let template = try ChatTemplate(source: fixture["chat_template"]?.stringValue ?? "")
        let conversations = fixture["conversations"]?.arrayValue ?? []
        #expect(conversations.count == 3)
        for c in conversations {
            let out = try template.render(messages: c["messages"]?.arrayValue ?? [], tools: c["tools"]?.arrayValue,
                                          addGenerationPrompt: c["add_generation_prompt"]?.boolValue ?? false)
            let expected = c["rendered_prompt"]?.stringValue ?? "<missing>"
            #expect(Array(out.utf8) == Array(expected.utf8), "\(c["id"]?.stringValue ?? "?")")
        }
    }
}

/// Hostile templates end in typed errors with line:column, never a crash or a hang.
@Suite("error locations and limits")
struct ErrorTests {
    func render(_ source: String) throws(TemplateError) -> String {
        try ChatTemplate(source: source).render(messages: [], tools: nil, addGenerationPrompt: false)
    }

    @Test("syntax errors name line and column")
    func syntax() {
        #expect(throws: TemplateError.syntax(message: "unknown tag 'frobnicate'", line: 3, column: 4)) {
            try ChatTemplate(source: "a\nb\n{% frobnicate %}")
        }
        do {
            _ = try ChatTemplate(source: "line one\n  {{ 1 + }}")
            Issue.record("expected a syntax error")
        } catch {
            guard case let .syntax(_, line, column) = error else { Issue.record("\(error)"); return }
            #expect(line == 2 && column == 10)
        }
    }

    @Test("an unknown filter is an error with its location")
    func unknownFilter() {
        #expect(throws: TemplateError.syntax(message: "no filter named 'nosuch'", line: 2, column: 8)) {
            try ChatTemplate(source: "x\n{{ 1 | nosuch }}")
        }
        // Inside an if block jinja2 defers the check to when the filter runs.
        #expect(throws: TemplateError.runtime(message: "No filter named 'nosuch'.", line: 1, column: 21)) {
            try render("{% if true %}{{ 1 | nosuch }}{% endif %}")
        }
    }

    @Test("runaway macro recursion stops with the call's location")
    func recursion() {
        do {
            _ = try render("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}\n{{ f(0) }}")
            Issue.record("expected a recursion error")
        } catch {
            guard case let .runtime(message, line, column) = error else { Issue.record("\(error)"); return }
            #expect(message.contains("runaway recursion"))
            #expect(line == 1 && column == 21)
        }
    }

    @Test("runaway loops and output stop with an error")
    func limits() {
        #expect(throws: TemplateError.self) {
            try render("{% for a in range(2000) %}{% for b in range(2000) %}{% endfor %}{% endfor %}")
        }
        #expect(throws: TemplateError.self) {
            try render("{% set s = 'xxxxxxxxxxxxxxxx' * 1000000 %}{% for i in range(10) %}{{ s }}{% endfor %}")
        }
        #expect(throws: TemplateError.self) {
            try ChatTemplate(source: "{{ " + String(repeating: "(", count: 5000) + "1" + String(repeating: ")", count: 5000) + " }}")
        }
    }

    @Test("values a template doubles in a loop stop at the size limit", arguments: [
        "{% set ns = namespace(s='x') %}{% for i in range(100) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
        "{% set ns = namespace(l=[1]) %}{% for i in range(100) %}{% set ns.l = [ns.l, ns.l] %}{% endfor %}{{ ns.l }}",
        "{% set ns = namespace(s='xy') %}{% for i in range(100) %}{% set ns.s = ns.s|replace('', ns.s) %}{% endfor %}",
        "{% set ns = namespace(s='xy') %}{% for i in range(100) %}{% set ns.s = '{}{}'.format(ns.s, ns.s) %}{% endfor %}",
        "{{ 'x'|center(999999999999) }}",
        "{{ (-1) ** 999999999999999 }}{{ 2 ** 999 }}",
    ])
    func growth(_ source: String) {
        do {
            _ = try render(source)
            Issue.record("expected a size error")
        } catch {
            guard case let .runtime(_, line, column) = error else { Issue.record("\(error)"); return }
            #expect(line == 1 && column > 1)
        }
    }

    @Test("raise_exception carries the template's message")
    func raised() {
        #expect(throws: TemplateError.raised(message: "roles must alternate")) {
            try render("{{ raise_exception('roles must alternate') }}")
        }
    }
}
