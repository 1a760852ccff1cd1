/// The built-in formats, by the names vLLM registers them under. Each wire format is data in its
/// own file (`Formats/*.swift`); this list only collects them.
public enum BuiltInFormats {
    public static let all: [ToolParserFormat] = [
        hermes, qwen3JSON, granite4, longcat, mimo,
        mistral,
        llama3JSON, llama4JSON,
        pythonic, llama4Pythonic, lfm2,
        qwen3Coder, qwen3XML, seedOSS,
        minimaxM2, minimaxM3,
        deepseekV3, deepseekV31, deepseekV32, deepseekV4, deepseekV41,
        kimiK2,
        glm45, glm47, ling3,
        openai,
        granite, granite20bFC,
        internlm, jamba, phi4MiniJSON,
        poolsideV1, step3p5, hyV3, gigachat3, apertus, minicpm5, kimiK3, cohereCommand3, cohereCommand4,
        olmo3, hunyuanA13B,
        ernie45, xlam, step3, dots, plamo3, k2Horizon, hyV4,
        gemma4, functiongemma,
    ]
}
