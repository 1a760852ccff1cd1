import Schema

/// How a format marks reasoning in its output.
public struct ReasoningMarkers: Sendable, Equatable {
    public var start: String
    public var end: String
    /// The opening marker is written by the prompt (R1 style), so output begins inside reasoning.
    public var startsInside: Bool

    public init(start: String, end: String, startsInside: Bool = false) {
        self.start = start
        self.end = end
        self.startsInside = startsInside
    }

    /// `<think>…</think>`.
    public static let think = ReasoningMarkers(start: "<think>", end: "</think>")
    /// `<think>…</think>` whose opening tag the chat template puts in the prompt.
    public static let thinkOpenedByPrompt = ReasoningMarkers(start: "<think>", end: "</think>", startsInside: true)
}

/// A marker that opens tool calls in running text.
public struct CallTrigger: Sendable, Equatable {
    public enum Effect: String, Sendable { case section, call }
    public var marker: String
    /// `.section`: a wrapper holding calls that each begin with `callStart`, closed by `sectionEnd`;
    /// `.call`: the marker begins one call body directly.
    public var effect: Effect

    public init(_ marker: String, _ effect: Effect) {
        self.marker = marker
        self.effect = effect
    }
}

/// Calls whose body is JSON: `{"name": …, "arguments": {…}}` objects, arrays of them, or a name
/// followed by a JSON arguments value.
public struct JSONCallStyle: Sendable, Equatable {
    public var nameKeys: [String]
    public var argumentKeys: [String]
    /// A body may be a JSON array of call objects.
    public var allowsArray: Bool
    /// A body may be a single call object.
    public var allowsObject: Bool
    /// A body may be `NAME<sep>{arguments}`.
    public var nameThenArguments: NameThenArguments?
    /// A call object is `{"NAME": {arguments}}` (Apertus).
    public var nameIsKey: Bool

    public init(nameKeys: [String] = ["name"], argumentKeys: [String] = ["arguments", "parameters"],
                allowsArray: Bool = false, allowsObject: Bool = true, nameThenArguments: NameThenArguments? = nil,
                nameIsKey: Bool = false) {
        self.nameIsKey = nameIsKey
        self.nameKeys = nameKeys
        self.argumentKeys = argumentKeys
        self.allowsArray = allowsArray
        self.allowsObject = allowsObject
        self.nameThenArguments = nameThenArguments
    }
}

/// `NAME` then a separator then a JSON arguments value.
public struct NameThenArguments: Sendable, Equatable {
    /// Markers ending the name; the arguments value follows.
    public var nameEnd: [String]
    /// A marker after the name that introduces the call id (ended by `nameEnd`), e.g. Mistral's `[CALL_ID]`.
    public var idMarker: String?
    /// Everything up to and including this marker in the name region is dropped (DeepSeek V3's `function<｜tool▁sep｜>`).
    public var dropThrough: String?
    /// The name region reads `functions.NAME:INDEX` and is also the call id (Kimi K2).
    public var namespacedID: Bool
    /// Text after the arguments value, before the call end (DeepSeek V3's closing code fence).
    public var argumentsSuffix: String?

    public init(nameEnd: [String], idMarker: String? = nil, dropThrough: String? = nil,
                namespacedID: Bool = false, argumentsSuffix: String? = nil) {
        self.nameEnd = nameEnd
        self.idMarker = idMarker
        self.dropThrough = dropThrough
        self.namespacedID = namespacedID
        self.argumentsSuffix = argumentsSuffix
    }
}

/// Calls whose parameters are tags: `NAME<nameEnd>` then `<paramStart>KEY<keyEnd>VALUE<valueEnd>`…,
/// closed by the format's `callEnd`. Values are raw text typed by the tool's schema.
public struct TaggedCallStyle: Sendable, Equatable {
    public var nameEnd: [String]
    public var parameterStart: String
    public var keyEnd: String
    /// Attributes between the key and this marker (DSML's ` string="true">`).
    public var attributesEnd: String?
    /// A marker before each value (GLM's `<arg_value>`).
    public var valueStart: String?
    public var valueEnd: String
    /// Drop one newline at the start and one at the end of each value.
    public var trimNewlines: Bool
    /// Values may be wrapped in `<![CDATA[…]]>` (MiniCPM 5); such values are read whole.
    public var unwrapCDATA: Bool

    public init(nameEnd: [String], parameterStart: String, keyEnd: String, attributesEnd: String? = nil,
                valueStart: String? = nil, valueEnd: String, trimNewlines: Bool = true, unwrapCDATA: Bool = false) {
        self.unwrapCDATA = unwrapCDATA
        self.nameEnd = nameEnd
        self.parameterStart = parameterStart
        self.keyEnd = keyEnd
        self.attributesEnd = attributesEnd
        self.valueStart = valueStart
        self.valueEnd = valueEnd
        self.trimNewlines = trimNewlines
    }
}

/// Python call syntax: `[f(a=1, b="x"), g()]` (or one call per line when not bracketed).
public struct PythonicCallStyle: Sendable, Equatable {
    public var bracketed: Bool
    public init(bracketed: Bool = true) { self.bracketed = bracketed }
}

/// Gemma-style calls: `call:NAME{key:value,…}` with bare keys, strings wrapped in a delimiter token
/// (`<|"|>` for Gemma 4, `<escape>` for FunctionGemma), bare numbers and booleans, nested `{…}`/`[…]`.
public struct KeyValueCallStyle: Sendable, Equatable {
    /// Text between the call's opening marker and the name.
    public var namePrefix: String
    /// The token that opens and closes every string (its first character must not recur in it).
    public var stringDelimiter: String

    public init(namePrefix: String = "call:", stringDelimiter: String) {
        self.namePrefix = namePrefix
        self.stringDelimiter = stringDelimiter
    }
}

/// Nested XML parameters whose every tag is led by a namespace token (MiniMax M3):
/// `NS<invoke name="NAME">NS<key>VALUE NS</key>…NS</invoke>`; a value holding tags is an object of
/// its child elements, or an array of `NS<item>` elements where the schema allows one.
public struct NestedXMLCallStyle: Sendable, Equatable {
    /// The token written before every tag.
    public var tagPrefix: String
    /// The text that ends the name in the call's opening tag.
    public var nameEnd: String
    /// The tag whose closing tag ends the call.
    public var callEndTag: String

    public init(tagPrefix: String, nameEnd: String = "\">", callEndTag: String = "invoke") {
        self.tagPrefix = tagPrefix
        self.nameEnd = nameEnd
        self.callEndTag = callEndTag
    }
}

/// The argument style of a format's call bodies.
public enum CallBodyStyle: Sendable, Equatable {
    case json(JSONCallStyle)
    case tagged(TaggedCallStyle)
    case pythonic(PythonicCallStyle)
    case keyValue(KeyValueCallStyle)
    case nestedXML(NestedXMLCallStyle)
}

/// A tool-call wire format described as data for the generic marker engine.
public struct MarkupFormat: Sendable, Equatable {
    public var reasoning: ReasoningMarkers?
    public var triggers: [CallTrigger]
    /// Bytes that begin a call body when they are the first non-space output (bare JSON / pythonic lists).
    public var anchoredStarts: [String]
    public var sectionEnd: String?
    public var callStart: String?
    public var callEnd: String?
    /// Characters allowed between consecutive bodies of a `.call` trigger (`;` for Llama 3).
    public var chainSeparators: String
    public var body: CallBodyStyle
    /// Markers that wrap answer text and are dropped from content (Cohere's `<|START_TEXT|>`).
    public var droppedMarkers: [String]

    public init(reasoning: ReasoningMarkers? = nil, triggers: [CallTrigger], anchoredStarts: [String] = [],
                sectionEnd: String? = nil, callStart: String? = nil, callEnd: String? = nil,
                chainSeparators: String = "", body: CallBodyStyle, droppedMarkers: [String] = []) {
        self.droppedMarkers = droppedMarkers
        self.reasoning = reasoning
        self.triggers = triggers
        self.anchoredStarts = anchoredStarts
        self.sectionEnd = sectionEnd
        self.callStart = callStart
        self.callEnd = callEnd
        self.chainSeparators = chainSeparators
        self.body = body
    }

    /// Every marker the format uses, for `toolshell parsers`.
    public var markers: [String] {
        var all: [String] = []
        if let r = reasoning { all += [r.start, r.end] }
        all += triggers.map(\.marker) + droppedMarkers
        all += anchoredStarts.map { "^" + $0 }
        for m in [callStart, callEnd, sectionEnd] { if let m { all.append(m) } }
        switch body {
        case .json(let s):
            if let n = s.nameThenArguments { all += n.nameEnd; if let m = n.idMarker { all.append(m) } }
        case .tagged(let s):
            all += [s.parameterStart, s.keyEnd, s.valueEnd]
            if let v = s.valueStart { all.append(v) }
        case .pythonic: break
        case .keyValue(let s): all.append(s.stringDelimiter)
        case .nestedXML(let s): all += [s.tagPrefix + "</" + s.callEndTag + ">"]
        }
        var seen = Set<String>()
        return all.filter { seen.insert($0).inserted }
    }
}
