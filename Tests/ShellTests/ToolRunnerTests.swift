import Foundation
import Schema
import Testing
@testable import Shell

/// Bound executables: arguments JSON on stdin, stdout is the result, no shell, timeout, output cap.
@MainActor @Suite(.serialized) struct ToolRunnerTests {
    func bindAndCall(_ shell: TestShell, _ bind: String, arguments: String = #"{"city":"Paris"}"#) -> ToolOutcome? {
        shell.run(#"/tools add {"name":"t","parameters":{"type":"object"}}"#)
        shell.run("/tools bind t \(bind)")
        #expect(shell.errors.isEmpty, "\(shell.errors)")
        let binding = shell.session.tools.first { $0.name == "t" }?.binding
        return ToolRunner(session: shell.session).answer(name: "t", arguments: arguments, binding: binding)
    }

    @Test func argumentsGoToStdinAndStdoutIsTheResult() {
        let shell = TestShell()
        _ = shell.write("tool.sh", "#!/bin/sh\nprintf 'got: '\ncat\n", executable: true)
        let outcome = bindAndCall(shell, "--exec ./tool.sh")
        #expect(outcome == ToolOutcome(result: #"got: {"city":"Paris"}"#, isError: false))
    }

    @Test func argumentsAreNeverInterpolated() {
        let shell = TestShell()
        // The command words are passed as argv; `$HOME` and `;` are not interpreted by any shell.
        _ = shell.write("args.sh", "#!/bin/sh\nfor a in \"$@\"; do echo \"[$a]\"; done\n", executable: true)
        let outcome = bindAndCall(shell, #"--exec ./args.sh '$HOME' "a b" ';' `id`"#,
                                  arguments: #"{"x":"$(touch /tmp/toolshell-pwned)"}"#)
        #expect(outcome?.result == "[$HOME]\n[a b]\n[;]\n[`id`]")
        #expect(!FileManager.default.fileExists(atPath: "/tmp/toolshell-pwned"))
    }

    @Test func programOnThePathRuns() {
        let shell = TestShell()
        let outcome = bindAndCall(shell, "--exec tr a-z A-Z")
        #expect(outcome?.result == #"{"CITY":"PARIS"}"#)
    }

    @Test func failingToolGivesAnErrorResult() {
        let shell = TestShell()
        _ = shell.write("fail.sh", "#!/bin/sh\necho 'no such city' >&2\nexit 3\n", executable: true)
        let outcome = bindAndCall(shell, "--exec ./fail.sh")
        #expect(outcome?.isError == true)
        #expect(outcome?.result.contains("exited with status 3: no such city") == true)
        #expect(shell.errors.map(\.kind) == [.tool])
    }

    @Test func hangingToolIsKilledAtTheTimeout() {
        let shell = TestShell()
        _ = shell.write("hang.sh", "#!/bin/sh\nsleep 30 &\nsleep 30\n", executable: true)
        let start = Date()
        let outcome = bindAndCall(shell, "--timeout 0.5 --exec ./hang.sh")
        #expect(Date().timeIntervalSince(start) < 20)  // the script sleeps 30 s; killing it at 0.5 s must not wait for that
        #expect(outcome?.isError == true)
        #expect(shell.errors.first?.message.contains("did not finish within 0.5 s") == true)
        #expect(shell.errors.first?.fix?.contains("tool_timeout") == true)
    }

    @Test func toolPrintingTenMegabytesIsCapped() {
        let shell = TestShell()
        shell.run("/set tool_output_limit 65536")
        _ = shell.write("big.sh", "#!/bin/sh\nhead -c 10485760 /dev/zero | tr '\\\\0' x\n", executable: true)
        let outcome = bindAndCall(shell, "--exec ./big.sh")
        #expect(outcome?.isError == true)
        #expect(outcome!.result.utf8.count < 1000)
        #expect(shell.errors.first?.message.contains("more than 65536 bytes") == true)
    }

    @Test func toolThatIgnoresStdinStillWorks() {
        let shell = TestShell()
        let outcome = bindAndCall(shell, "--exec echo fixed", arguments: String(repeating: "x", count: 1_000_000))
        #expect(outcome == ToolOutcome(result: "fixed", isError: false))
    }

    @Test func missingOrNonExecutableProgram() {
        let shell = TestShell()
        shell.run(#"/tools add {"name":"t"}"#)
        _ = shell.write("plain.txt", "not a program")
        shell.run("/tools bind t --exec ./plain.txt\n/tools bind t --exec ./nope.sh")
        #expect(shell.errors.count == 2)
        #expect(shell.errors.allSatisfy { $0.message.contains("not an executable file") })
        shell.run("/tools bind t --exec no-such-program-xyz")
        let binding = shell.session.tools[0].binding
        let outcome = ToolRunner(session: shell.session).answer(name: "t", arguments: "{}", binding: binding)
        #expect(outcome?.isError == true)
        #expect(shell.errors.last?.message.contains("cannot run 'no-such-program-xyz'") == true)
    }

    @Test func mockAndUnbound() {
        let shell = TestShell()
        #expect(bindAndCall(shell, #"--mock {"temp": 21}"#) == ToolOutcome(result: #"{"temp":21}"#, isError: false))
        #expect(ToolRunner(session: shell.session).answer(name: "t", arguments: "{}", binding: nil) == nil)
    }

    @Test func askWithoutATerminalIsAnError() {
        let shell = TestShell()
        let outcome = bindAndCall(shell, "--ask")
        #expect(outcome?.isError == true)
    }
}
