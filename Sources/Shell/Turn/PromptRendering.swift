import ChatTemplates
import Schema

extension ShellSession {
    /// The prompt text for the conversation through the model's chat template; nil when the
    /// model has no template (text engines then receive the messages themselves).
    func renderPrompt(addGenerationPrompt: Bool) throws(ShellError) -> String? {
        guard let model else { throw ShellError(.usage, "no model loaded", fix: "/load MODEL first") }
        guard let source = model.chatTemplate else { return nil }
        let template: ChatTemplate
        if let cached = parsedTemplate, cached.source == source {
            template = cached
        } else {
            do {
                template = try ChatTemplate(source: source)
            } catch {
                throw ShellError(.template, "the chat template of \(model.displayName) does not parse: \(error.description)",
                                 fix: "load another model, or fix the template")
            }
            parsedTemplate = template
        }
        do {
            return try template.render(messages: Self.templateMessages(requestMessages), tools: tools.isEmpty || toolChoice == .none ? nil : requestTools,
                                       addGenerationPrompt: addGenerationPrompt, extra: model.templateVariables)
        } catch {
            throw ShellError(.template, "the chat template of \(model.displayName) failed: \(error.description)",
                             fix: "the conversation is unchanged; /show prompt and /undo help find what the template rejects")
        }
    }

    /// Messages as chat templates expect them: a tool call's `arguments`, a JSON string on the
    /// OpenAI wire, becomes the object it encodes (as vLLM and transformers pass it; templates such
    /// as Qwen2.5's write `arguments | tojson`, which would otherwise quote the JSON a second time).
    /// Arguments that are not a JSON object stay the string they are; empty ones become `{}`.
    static func templateMessages(_ messages: [JSONValue]) -> [JSONValue] {
        messages.map { message in
            guard case .object(var m) = message, m["role"]?.stringValue == "assistant",
                  let calls = m["tool_calls"]?.arrayValue else { return message }
            m["tool_calls"] = .array(calls.map { call in
                guard case .object(var c) = call, case .object(var function)? = c["function"],
                      let text = function["arguments"]?.stringValue else { return call }
                if text.allSatisfy(\.isWhitespace) {
                    function["arguments"] = .object(JSONObject())
                } else if let parsed = try? JSONValue.parse(text), case .object = parsed {
                    function["arguments"] = parsed
                } else {
                    return call
                }
                c["function"] = .object(function)
                return .object(c)
            })
            return .object(m)
        }
    }
}
