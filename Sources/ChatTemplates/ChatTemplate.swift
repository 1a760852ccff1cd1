import Foundation
import Schema

/// A parsed chat template (`tokenizer.chat_template`), rendered the way Hugging Face transformers
/// renders it with jinja2: trim_blocks, lstrip_blocks, `tojson` without key sorting or ASCII escaping,
/// `raise_exception`, `strftime_now`, loop controls and `{% generation %}` blocks.
public struct ChatTemplate: Sendable {
    /// The template text as given.
    public let source: String
    private let program: Program
    /// When set, `strftime_now` formats this instant (in UTC) instead of the current local time,
    /// so renders are reproducible.
    public var fixedNow: Date?

    /// Parses `source`; a malformed template throws `.syntax` with line:column.
    public init(source: String) throws(TemplateError) {
        self.source = source
        var lexer = Lexer(source: source)
        let tokens = try lexer.tokenize()
        var parser = Parser(tokens: tokens, map: lexer.map)
        program = Program(nodes: try parser.parseTemplate(), map: lexer.map)
    }

    /// Renders a conversation (OpenAI chat shape). `tools` is nil when no tools are offered;
    /// `extra` supplies further template variables: `bos_token`, `eos_token`, `enable_thinking`,
    /// `reasoning_effort`, `tools_in_user_message`, `date_string`, …
    public func render(messages: [JSONValue], tools: [JSONValue]?, addGenerationPrompt: Bool,
                       extra: JSONObject = JSONObject()) throws(TemplateError) -> String {
        var context: [String: Value] = [:]
        for (key, value) in extra.pairs { context[key] = Value(json: value) }
        context["messages"] = .list(messages.map { Value(json: $0) })
        context["tools"] = tools.map { .list($0.map { Value(json: $0) }) } ?? Value.none
        context["add_generation_prompt"] = .bool(addGenerationPrompt)
        let job = RenderJob(program: program, context: context, fixedNow: fixedNow)
        return try job.run()
    }
}

/// The parsed template; immutable after parsing (values in it are literals only).
private final class Program: @unchecked Sendable {
    let nodes: [Node]
    let map: SourceMap
    init(nodes: [Node], map: SourceMap) {
        self.nodes = nodes
        self.map = map
    }
}

/// Runs one render on a thread with a large stack, so deeply nested templates end in a
/// recursion-limit error rather than overflowing a small worker-thread stack.
private final class RenderJob: @unchecked Sendable {
    let program: Program
    let context: [String: Value]
    let fixedNow: Date?
    var result: Result<String, TemplateError> = .failure(.runtime(message: "render did not run", line: 0, column: 0))

    init(program: Program, context: [String: Value], fixedNow: Date?) {
        self.program = program
        self.context = context
        self.fixedNow = fixedNow
    }

    func execute() {
        let interpreter = Interpreter(map: program.map, fixedNow: fixedNow)
        do {
            result = .success(try interpreter.render(program.nodes, context: context))
        } catch {
            result = .failure(error)
        }
    }

    func run() throws(TemplateError) -> String {
        let done = DispatchSemaphore(value: 0)
        let thread = Thread { [self] in
            execute()
            done.signal()
        }
        thread.stackSize = 64 << 20
        thread.start()
        done.wait()
        return try result.get()
    }
}
