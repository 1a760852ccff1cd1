import Foundation
import Schema

extension CommandTable {
    /// /expect, /quit.
    static let scriptCommands: [CommandSpec] = [
        CommandSpec(
            name: "/expect",
            usage: ["/expect tool NAME [args JSON | schema FILE|JSON|DSL]", "/expect no-tool", "/expect content REGEX",
                    "/expect json", "/expect valid [FILE|JSON|DSL]"],
            summary: "assert something about the last reply (scripts exit 1 when one fails)",
            details: """
            tool NAME            the last turn (all replies since the user message) called NAME
            tool NAME args JSON  … with arguments equal to JSON (key order and 1 vs 1.0 do not matter)
            tool NAME schema S   … with arguments valid against the schema S (file, JSON or DSL)
            no-tool              the last turn called no tool
            content REGEX        the final content matches REGEX (searched anywhere; anchor with ^ $)
            json                 the final content is one JSON value
            valid [S]            the final content is JSON valid against S (default: the /schema constraint)
            """,
            completion: .words(["tool", "no-tool", "content", "json", "valid"]),
            run: { session, input throws(ShellError) in try session.expect(input) }),
        CommandSpec(
            name: "/quit", usage: ["/quit"], summary: "leave the shell (Ctrl-D too)",
            details: "", completion: .none,
            run: { session, _ throws(ShellError) in session.requestQuit() }),
    ]
}

extension ShellSession {
    func expect(_ input: CommandInput) throws(ShellError) {
        let assertion = "/expect " + input.rest.trimmingCharacters(in: .whitespaces)
        guard let turn = lastTurn else {
            emit(.expect(passed: false, assertion: assertion, detail: "there is no reply yet", location: input.location))
            return
        }
        let (kind, rest) = ArgumentLexer.headAndRest(input.rest)
        func report(_ passed: Bool, _ detail: String) {
            emit(.expect(passed: passed, assertion: assertion, detail: detail, location: input.location))
        }
        let calledNames = turn.toolCalls.map(\.name)
        let calledText = calledNames.isEmpty ? "no tool was called" : "called: \(calledNames.joined(separator: ", "))"
        switch kind {
        case "tool":
            let (name, more) = ArgumentLexer.headAndRest(rest)
            guard !name.isEmpty else { throw ShellError(.usage, "/expect tool NAME [args JSON]") }
            let calls = turn.toolCalls.filter { $0.name == name }
            if more.isEmpty {
                report(!calls.isEmpty, calledText)
                return
            }
            let (form, argument) = ArgumentLexer.headAndRest(more)
            if form == "schema" {
                let validator = try compileSchema(try schemaArgument(argument, what: "the expected schema"),
                                                  place: "the expected schema")
                guard !calls.isEmpty else { report(false, calledText); return }
                var problems: [String] = []
                for call in calls {
                    guard let actual = try? JSONValue.parse(call.arguments) else {
                        problems.append("arguments are not JSON: \(call.arguments)")
                        continue
                    }
                    let errors = validator.validate(actual)
                    if errors.isEmpty { report(true, "arguments \(call.arguments) are valid"); return }
                    problems.append(Self.describe(errors))
                }
                report(false, problems.joined(separator: " | "))
                return
            }
            guard form == "args" else {
                throw ShellError(.usage, "unknown /expect tool form '\(form)'", fix: "/expect tool NAME args JSON | schema S")
            }
            let expected = try parseJSON(argument, what: "the expected arguments")
            guard !calls.isEmpty else { report(false, calledText); return }
            for call in calls {
                if let actual = try? JSONValue.parse(call.arguments), actual == expected {
                    report(true, "arguments \(call.arguments)")
                    return
                }
            }
            report(false, "arguments were " + calls.map(\.arguments).joined(separator: "; ")
                   + ", expected \(expected.jsonString(.compact))")
        case "no-tool":
            report(turn.toolCalls.isEmpty, calledText)
        case "content":
            let pattern = rest.trimmingCharacters(in: .whitespaces)
            guard !pattern.isEmpty else { throw ShellError(.usage, "/expect content REGEX") }
            let regex: NSRegularExpression
            do { regex = try NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators]) } catch {
                throw ShellError(.input, "bad regular expression '\(pattern)'")
            }
            let content = turn.content
            let found = regex.firstMatch(in: content, range: NSRange(content.startIndex..., in: content)) != nil
            report(found, "content: \(content.debugDescription)")
        case "json":
            do {
                _ = try JSONValue.parse(turn.content)
                report(true, "content is JSON")
            } catch {
                report(false, "content is not JSON (\(error.line):\(error.column): \(error.message)): \(turn.content.debugDescription)")
            }
        case "valid":
            let schema: JSONValue
            if rest.trimmingCharacters(in: .whitespaces).isEmpty {
                guard case .schema(let active)? = constraint else {
                    throw ShellError(.usage, "/expect valid needs a schema, or an active /schema constraint")
                }
                schema = active
            } else {
                schema = try schemaArgument(rest, what: "the expected schema")
            }
            let validator = try compileSchema(schema, place: "the expected schema")
            let instance: JSONValue
            do {
                instance = try JSONValue.parse(turn.content)
            } catch {
                report(false, "content is not JSON (\(error.line):\(error.column): \(error.message)): \(turn.content.debugDescription)")
                return
            }
            let errors = validator.validate(instance)
            report(errors.isEmpty, errors.isEmpty ? "content is valid" : Self.describe(errors))
        default:
            throw ShellError(.usage, "unknown /expect form '\(kind)'", fix: "/help expect lists the forms")
        }
    }
}
