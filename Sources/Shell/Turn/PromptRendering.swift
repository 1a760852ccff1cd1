import Schema

extension ShellSession {
    /// The prompt text for the conversation through the model's chat template; nil when the
    /// model has no template (text engines then receive the messages themselves).
    func renderPrompt(addGenerationPrompt: Bool) throws(ShellError) -> String? {
        guard let model else { throw ShellError(.usage, "no model loaded", fix: "/load MODEL first") }
        guard model.chatTemplate != nil else { return nil }
        throw ShellError(.template, "this build cannot render chat templates yet, so \(model.displayName) cannot be prompted",
                         fix: "load a model without a chat template (a replay recording)")
    }
}
