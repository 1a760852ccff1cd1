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
            return try template.render(messages: requestMessages, tools: tools.isEmpty || toolChoice == .none ? nil : requestTools,
                                       addGenerationPrompt: addGenerationPrompt, extra: model.templateVariables)
        } catch {
            throw ShellError(.template, "the chat template of \(model.displayName) failed: \(error.description)",
                             fix: "the conversation is unchanged; /show prompt and /undo help find what the template rejects")
        }
    }
}
