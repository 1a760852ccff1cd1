import Foundation
import Schema

/// What one reply request carries to a model adapter.
struct GenerationRequest: Sendable {
    /// The rendered prompt (nil when the model has no template and takes messages instead).
    var prompt: String?
    var messages: [JSONValue]
    var tools: [JSONValue]
    var toolChoice: ToolChoiceMode
    var settings: Settings
    var constraint: OutputConstraint?
    /// Whether a tool call must be forced from the first token (required / named choice).
    var forceToolCall: Bool
    /// The active parser's structural tag for this request's tools and choice (xgrammar JSON),
    /// when a call is forced and the parser has one.
    var structuralTag: JSONValue? = nil
}

/// How a reply ended.
struct GenerationOutcome: Sendable {
    var promptTokens: Int?
    var generatedTokens: Int
    var finishReason: String
}

/// A loaded model as the shell drives it; one adapter per engine kind.
@MainActor
protocol ShellModel: AnyObject {
    /// Short name for the prompt and /show model.
    var displayName: String { get }
    var path: String { get }
    /// Engine plugin name ("gguf", "replay", …).
    var engineName: String { get }
    /// `key: value` facts for /show model.
    var details: [(String, String)] { get }
    /// The chat template source (GGUF `tokenizer.chat_template`), when the model has one.
    var chatTemplate: String? { get }
    /// Variables the chat template needs besides the conversation (`bos_token`, `eos_token`).
    var templateVariables: JSONObject { get }
    /// Token ids and their text; throws when the engine has no tokenizer.
    func tokenize(_ text: String) throws(ShellError) -> [(id: Int32, piece: String)]
    /// Generates one reply, handing each decoded piece to `onPiece`; stops early when
    /// `isCancelled()` turns true (finish reason "cancelled").
    func generate(_ request: GenerationRequest, isCancelled: () -> Bool,
                  onPiece: (String) -> Void) throws(ShellError) -> GenerationOutcome
}

/// Turns a `/load` argument into a model. Tests swap the closure.
struct ModelLoader: Sendable {
    var load: @MainActor @Sendable (_ nameOrPath: String, _ settings: Settings,
                                   _ progress: @escaping (Double) -> Void) throws(ShellError) -> any ShellModel

    init(load: @escaping @MainActor @Sendable (String, Settings, @escaping (Double) -> Void) throws(ShellError) -> any ShellModel) {
        self.load = load
    }
}
