import Foundation
import Schema
import Testing
@testable import Shell

@Suite struct ArgumentLexerTests {
    @Test func splitsLikeAShellWithoutExpansion() throws {
        #expect(try ArgumentLexer.split(#"a "b c" 'd $HOME' e\ f"#) == ["a", "b c", "d $HOME", "e f"])
        #expect(try ArgumentLexer.split(#"  "x\"y"  "#) == [#"x"y"#])
        #expect(try ArgumentLexer.split("$(rm -rf /) `x` *.json") == ["$(rm", "-rf", "/)", "`x`", "*.json"])
        #expect(try ArgumentLexer.split(#""""#) == [""])
    }

    @Test func reportsUnterminatedQuotesWithOffset() {
        #expect(throws: ArgumentLexer.Failure(offset: 4, message: "unterminated double quote")) {
            try ArgumentLexer.split(#"abc "def"#)
        }
        #expect(throws: ArgumentLexer.Failure(offset: 0, message: "unterminated single quote")) {
            try ArgumentLexer.split("'x")
        }
    }

    @Test func headAndRest() {
        #expect(ArgumentLexer.headAndRest("  bind  get_weather --exec x ") == ("bind", "get_weather --exec x "))
        #expect(ArgumentLexer.headAndRest("list") == ("list", ""))
    }
}

@MainActor @Suite struct LogicalLineTests {
    func assemble(_ lines: [String]) -> [String] {
        var assembler = LogicalLineAssembler()
        var out: [String] = []
        for (i, line) in lines.enumerated() {
            if let l = assembler.feed(line, at: SourceLocation(source: "t", line: i + 1)) { out.append(l.text) }
        }
        return out
    }

    @Test func blockOnOwnLines() {
        #expect(assemble(["\"\"\"", "Hello", "  world", "\"\"\"", "next"]) == ["Hello\n  world", "next"])
    }

    @Test func blockAfterACommand() {
        #expect(assemble(["/system \"\"\"", "You are terse.", "Answer in JSON.", "\"\"\""])
                == ["/system You are terse.\nAnswer in JSON."])
    }

    @Test func inlineMarkers() {
        #expect(assemble(["\"\"\"one line\"\"\""]) == ["one line"])
        #expect(assemble(["\"\"\"starts here", "ends here\"\"\""]) == ["starts here\nends here"])
    }

    @Test func blockKeepsStartLocation() {
        var assembler = LogicalLineAssembler()
        _ = assembler.feed("x", at: SourceLocation(source: "s", line: 1))
        #expect(assembler.feed("\"\"\"", at: SourceLocation(source: "s", line: 2)) == nil)
        #expect(assembler.isInsideBlock)
        let line = assembler.feed("\"\"\"", at: SourceLocation(source: "s", line: 3))
        #expect(line?.location.line == 2)
        #expect(line?.text == "")
    }

    @Test func unclosedBlockIsReported() {
        let shell = TestShell()
        shell.run("/system \"\"\"\nnever closed")
        #expect(shell.errors.count == 1)
        #expect(shell.errors.first?.location == SourceLocation(source: "test.tsh", line: 1))
    }
}

@MainActor @Suite struct CommandTableTests {
    @Test func everyCommandOfTheIssueIsInTheTable() {
        let required = ["/load", "/models", "/plugins", "/set", "/show", "/system", "/tools", "/tool-choice", "/parser",
                        "/schema", "/regex", "/choice", "/grammar", "/constraint", "/render", "/retry", "/undo", "/clear",
                        "/save", "/open", "/parse", "/tokenize", "/expect", "/stats", "/quit", "/help"]
        let names = Set(CommandTable.commands.map(\.name))
        for name in required { #expect(names.contains(name), "missing \(name)") }
        #expect(names.count == CommandTable.commands.count, "duplicate command names")
    }

    @Test func helpDocumentsEachCommand() {
        for spec in CommandTable.commands {
            let shell = TestShell()
            shell.run("/help \(spec.name.dropFirst())")
            #expect(shell.errors.isEmpty)
            #expect(shell.infos.first?.hasPrefix("usage: \(spec.usage[0])") == true)
        }
    }

    @Test func unknownCommandSuggestsCloseNames() {
        let shell = TestShell()
        shell.run("/tool list\n/sytem hi")
        #expect(shell.errors.map(\.kind) == [.usage, .usage])
        #expect(shell.errors[0].fix?.contains("/tools") == true)
        #expect(shell.errors[1].fix?.contains("/system") == true)
        #expect(shell.session.exitStatus == 2)
    }

    @Test func setValidatesKeysAndRanges() {
        let shell = TestShell()
        shell.run("/set temperature 0.3\n/set top_k 5\n/set stop \"</s>\" END\n/set seed 42\n/set temperature hot\n/set top_p 7\n/set nope 1\n/set confirm_tools off")
        #expect(shell.errors.count == 3)
        #expect(shell.session.settings.double("temperature") == 0.3)
        #expect(shell.session.settings.int("top_k") == 5)
        #expect(shell.session.settings.strings("stop") == ["</s>", "END"])
        #expect(shell.session.settings.int("seed") == 42)
        #expect(shell.session.settings.bool("confirm_tools") == false)
    }
}
