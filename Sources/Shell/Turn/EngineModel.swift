import Engine
import Foundation
import Schema

/// A GGUF model run by a LOGITS engine plugin: the host tokenizes, samples and applies the
/// active constraint (Engine's `Generator`).
@MainActor
final class EngineModel: ShellModel {
    let model: Model
    let tokenizer: GGUFTokenizer
    private var sequence: ModelSequence
    /// Builds the token constraint for a request (schema, regex, choice, grammar, structural tag).
    var constraintFactory: ((GenerationRequest, EngineModel) throws(ShellError) -> (any TokenConstraint)?)?

    var path: String { model.path }
    var engineName: String { model.engine.name }
    var displayName: String {
        ModelPaths.defaults.first { ModelPaths.cachedPath(of: $0) == model.path }?.name
            ?? (model.path as NSString).lastPathComponent
    }
    var chatTemplate: String? { model.chatTemplate }
    let templateVariables: JSONObject

    var details: [(String, String)] {
        [("architecture", model.info.architecture), ("vocabulary", "\(model.info.vocabularySize) tokens"),
         ("context", "\(model.info.contextLength) (trained \(model.info.trainedContextLength))"),
         ("layers", "\(model.info.layerCount)"), ("embedding", "\(model.info.embeddingLength)"),
         ("backend", "\(model.backend.name), \(model.threads) threads")]
    }

    init(path: String, registry: PluginRegistry, settings: Settings, progress: @escaping (Double) -> Void) throws(ShellError) {
        let threads = settings.int("threads").flatMap { $0 > 0 ? $0 : nil }
        let backend = settings.string("backend").flatMap { $0 == "auto" ? nil : $0 }
        do {
            model = try Model(path: path, registry: registry, backendName: backend, threads: threads,
                              contextLength: settings.int("ctx"), progress: { progress(Double($0)) })
            tokenizer = try GGUFTokenizer(file: model.file)
            sequence = try model.makeSequence()
        } catch {
            throw ShellError(.model, "cannot load \(path): \(error)",
                             fix: "check that the file is a complete GGUF model (run `make setup` for the default models)")
        }
        var variables = JSONObject()
        if let bos = tokenizer.bos { variables["bos_token"] = .string(tokenizer.detokenize([bos])) }
        if let eos = tokenizer.eos { variables["eos_token"] = .string(tokenizer.detokenize([eos])) }
        templateVariables = variables
    }

    func tokenize(_ text: String) throws(ShellError) -> [(id: Int32, piece: String)] {
        tokenizer.encode(text, addSpecial: false, parseSpecial: true).map { ($0, tokenizer.detokenize([$0])) }
    }

    func generate(_ request: GenerationRequest, isCancelled: () -> Bool,
                  onPiece: (String) -> Void) throws(ShellError) -> GenerationOutcome {
        guard let prompt = request.prompt else {
            throw ShellError(.template, "\(displayName) has no chat template, so there is no prompt to send",
                             fix: "load a model whose GGUF file carries tokenizer.chat_template")
        }
        let tokens = tokenizer.encode(prompt, addSpecial: tokenizer.addBOS && !prompt.hasPrefix(templateVariables["bos_token"]?.stringValue ?? "\u{0}"),
                                      parseSpecial: true)
        let s = request.settings
        var sampling = SamplingParameters(
            temperature: Float(s.double("temperature") ?? 0.8), topK: s.int("top_k") ?? 40,
            topP: Float(s.double("top_p") ?? 0.95), minP: Float(s.double("min_p") ?? 0.05))
        sampling.repeatPenalty = Float(s.double("repeat_penalty") ?? 1)
        sampling.seed = s.int("seed").map { UInt64($0) } ?? UInt64.random(in: 0...UInt64(UInt32.max))
        let options = GenerationOptions(maxTokens: s.int("max_tokens") ?? 1024, sampling: sampling,
                                        stopStrings: s.strings("stop"), renderSpecialTokens: false)
        let constraint = try constraintFactory?(request, self)
        let flag = CancellationFlag()
        let watcher = InterruptWatcher(flag: flag)
        defer { watcher.stop() }
        let generator = Generator(model: model, tokenizer: tokenizer)
        do {
            let result = try generator.generate(sequence: sequence, prompt: tokens, options: options,
                                                constraint: constraint, cancel: flag) { event in
                switch event {
                case .token(_, let text), .text(let text):
                    if !text.isEmpty { onPiece(text) }
                }
                return !isCancelled()
            }
            let reason: String
            switch result.finishReason {
            case .endOfGeneration, .stopString: reason = "stop"
            case .length: reason = "length"
            case .cancelled: reason = "cancelled"
            }
            return GenerationOutcome(promptTokens: tokens.count, generatedTokens: result.tokens.count, finishReason: reason)
        } catch {
            throw ShellError(.model, "generation failed: \(error)")
        }
    }
}

/// Polls the Ctrl-C flag on a background thread and forwards it to the engine's cancellation
/// flag, so even a long prompt pass stops promptly.
final class InterruptWatcher: @unchecked Sendable {
    private let flag: CancellationFlag
    private let lock = NSLock()
    private var running = true

    init(flag: CancellationFlag) {
        self.flag = flag
        Thread.detachNewThread { [self] in
            while isRunning {
                if interruptRequested() { flag.cancel() }
                usleep(20_000)
            }
        }
    }

    private var isRunning: Bool { lock.lock(); defer { lock.unlock() }; return running }

    func stop() { lock.lock(); running = false; lock.unlock() }
}
