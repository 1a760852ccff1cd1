import Engine
import Foundation
import Grammar
import Schema

/// `toolshell complete --model M [options] PROMPT`: raw text completion (no chat template),
/// streamed to standard output, or one JSON object with ids and top logits (`--json`).
enum CompleteCommand: Subcommand {
    static let name = "complete"
    static let summary = "complete a raw prompt: complete --model M [--max-tokens N] [--temperature T] [--json] PROMPT"

    static let helpText = """
    usage: toolshell complete --model M [options] PROMPT

    Continues PROMPT (no chat template; BOS is added as the model's metadata says).
    \(EngineCLI.modelOptionsHelp)
      --max-tokens N    stop after N tokens (default 128)
      --temperature T   0 (the default) is greedy; above 0 samples (top-k 40, top-p 0.95, min-p 0.05)
      --seed S          seed of the random draw (default 0)
      --special         parse special-token texts in PROMPT (e.g. <|im_start|>) into their ids
      --stop TEXT       stop before TEXT; repeatable
      --top-logits K    with --json, record the K highest logits of every step
      --json            print {"prompt_ids","ids","text","top_logits","finish_reason"} instead of streaming text
      --grammar F | --gbnf F | --choice 'a|b' | --regex R | --schema F | --structural-tag F | --json-object
                        constrain the completion token by token (generation ends where the constraint is complete);
                        --json-object: any JSON object (OpenAI's response_format json_object)
    \(ConstraintFlags.layoutHelp)
    """

    static func run(_ arguments: [String]) -> Int32 {
        var options = EngineCLI.ModelOptions()
        var maxTokens = 128, temperature: Float = 0, seed: UInt64 = 0, parseSpecial = false
        var topLogits = 0, json = false, stops: [String] = []
        var prompt: String?
        var spec: ConstraintSpec?
        var layout = JSONLayout()
        do {
            var i = 0
            while i < arguments.count {
                let a = arguments[i]
                if try EngineCLI.parseModelOption(arguments, &i, into: &options) { i += 1; continue }
                if let s = try ConstraintFlags.parse(arguments, &i) {
                    guard spec == nil else { throw EngineCLI.UsageError(message: "give one constraint") }
                    spec = s
                    i += 1
                    continue
                }
                if try ConstraintFlags.parseLayout(arguments, &i, into: &layout) { i += 1; continue }
                switch a {
                case "--max-tokens", "-n": maxTokens = try EngineCLI.int(arguments, &i, a, min: 0)
                case "--temperature": temperature = try EngineCLI.float(arguments, &i, a)
                case "--seed": seed = UInt64(try EngineCLI.int(arguments, &i, a))
                case "--special": parseSpecial = true
                case "--stop": stops.append(try EngineCLI.value(arguments, &i, a))
                case "--top-logits": topLogits = try EngineCLI.int(arguments, &i, a)
                case "--json": json = true
                case "--help", "-h": print(helpText); return 0
                case "--": prompt = arguments[(i + 1)...].joined(separator: " "); i = arguments.count; continue
                default:
                    if a.hasPrefix("--") { throw EngineCLI.UsageError(message: "unknown option '\(a)'") }
                    guard prompt == nil else { throw EngineCLI.UsageError(message: "give the prompt as one argument (quote it)") }
                    prompt = a
                }
                i += 1
            }
        } catch let error as EngineCLI.UsageError {
            return EngineCLI.fail(name, "\(error.message) (see 'toolshell complete --help')", code: 2)
        } catch let error as ShellError {
            return EngineCLI.fail(name, error.humanText, code: 2)
        } catch {
            return EngineCLI.fail(name, "\(error)", code: 2)
        }
        let text = prompt ?? String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        do {
            let (model, tokenizer) = try EngineCLI.load(options, command: name)
            let promptIDs = tokenizer.encode(text, addSpecial: true, parseSpecial: parseSpecial)
            let sequence = try model.makeSequence()
            let sampling = temperature <= 0 ? SamplingParameters.greedy
                : SamplingParameters(temperature: temperature, seed: seed)
            let generation = GenerationOptions(maxTokens: maxTokens, sampling: sampling, stopStrings: stops,
                                               topLogits: json ? topLogits : 0)
            let cancel = CancellationFlag()
            var constraint: GrammarTokenConstraint?
            if let spec {
                do {
                    let vocabulary = GrammarVocabularies.make(tokenizer)
                    constraint = GrammarTokenConstraint(try ConstraintCompiler().matcher(for: spec, vocabulary: vocabulary, json: layout.options(for: spec)))
                } catch {
                    return EngineCLI.fail(name, error.humanText, code: 2)
                }
            }
            let result = try Generator(model: model, tokenizer: tokenizer).generate(
                sequence: sequence, prompt: promptIDs, options: generation, constraint: constraint, cancel: cancel) { event in
                    guard !json else { return true }
                    switch event {
                    case .token(_, let piece), .text(let piece):
                        FileHandle.standardOutput.write(Data(piece.utf8))
                    }
                    return true
                }
            if json {
                let output: JSONValue = .object(JSONObject([
                    ("prompt_ids", .array(promptIDs.map { .integer(Int64($0)) })),
                    ("ids", .array(result.tokens.map { .integer(Int64($0)) })),
                    ("text", .string(result.text)),
                    ("top_logits", .array(result.topLogits.map { step in
                        .array(step.map { .object(JSONObject([("id", .integer(Int64($0.id))),
                                                             ("logit", .number(Double($0.logit), source: "\($0.logit)"))])) })
                    })),
                    ("finish_reason", .string(result.finishReason.rawValue)),
                ]))
                print(output.jsonString())
            } else {
                print("")
            }
            return 0
        } catch let error as EngineCLI.UsageError {
            return EngineCLI.fail(name, "\(error.message) (see 'toolshell complete --help')", code: 2)
        } catch {
            return EngineCLI.fail(name, "\(error)")
        }
    }
}
