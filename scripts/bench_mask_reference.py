#!/usr/bin/env python3
"""Reference timings for `toolshell bench mask`: xgrammar and llguidance on the same
vocabulary, the same constraint and the same token ids as toolshell's own run.

toolshell writes the vocabulary (token bytes in hex, special ids, end ids) and the instance's
token ids to a JSON file and runs

    python bench_mask_reference.py --vocab FILE (--schema F | --json-object | --regex R | --gbnf F | --grammar F | --choice 'a|b')
                                   [--whitespace compact|flexible:N] [--any-order] [--strict-properties]

JSON constraints get toolshell's layout: compact is xgrammar's any_whitespace=False with
separators (",", ":") and llguidance's whitespace_flexible false with the same separators;
flexible:N is any whitespace run of at most N bytes in both (max_whitespace_cnt, and a
whitespace_pattern); additional properties are allowed unless --strict-properties (xgrammar's
strict_mode follows it; llguidance gets "additionalProperties": false where a schema object
declares properties and says nothing). --any-order is xgrammar's any_order; llguidance has
no such option and is not run then.

The script prints one JSON object: for each engine that imports, compile ms (median of 5) and
per-token mask µs (median, p90, p99, max) along the instance, the first mask of each step
timed like toolshell's first pass (the engines' own caches warm as they go). Special tokens
are given to both engines as special (xgrammar: empty text; llguidance: special ids), so no
engine may spell them as text. Install the engines outside the repository, e.g.
    python3 -m venv /work/venvs/grammar-ref && /work/venvs/grammar-ref/bin/pip install xgrammar llguidance torch
"""
import argparse
import json
import math
import sys
import time


def percentile(xs, p):
    if not xs:
        return 0.0
    s = sorted(xs)
    rank = max(int(math.ceil(p * len(s))) - 1, 0)
    return s[min(rank, len(s) - 1)]


def summary(xs):
    return {"median": percentile(xs, 0.5), "p90": percentile(xs, 0.9), "p99": percentile(xs, 0.99),
            "max": max(xs) if xs else 0.0, "mean": sum(xs) / max(len(xs), 1)}


def load_vocab(path):
    with open(path) as f:
        v = json.load(f)
    tokens = [bytes.fromhex(h) for h in v["tokens_hex"]]
    return tokens, set(v["special_ids"]), list(v["eog_ids"]), list(v["instance_ids"])


def constraint(args):
    if args.json_object:  # OpenAI's json_object: any JSON object, as a schema both engines take
        return "schema", '{"type": "object"}'
    if args.schema:
        with open(args.schema) as f:
            return "schema", f.read()
    if args.regex is not None:
        return "regex", args.regex
    if args.gbnf or args.grammar:
        with open(args.gbnf or args.grammar) as f:
            return "gbnf", f.read()
    if args.choice is not None:
        return "choice", args.choice.split("|")
    raise SystemExit("no constraint given")


def layout_of(args):
    """toolshell's JSON layout: (flexible, max run or None, any order, strict)."""
    w = args.whitespace or "compact"
    if w == "compact":
        return {"flexible": False, "max_run": None, "any_order": args.any_order, "strict": args.strict_properties}
    run = int(w.split(":", 1)[1]) if ":" in w else 20
    return {"flexible": True, "max_run": run, "any_order": args.any_order, "strict": args.strict_properties}


def strict_schema(node):
    """A copy of a schema where objects that declare properties and say nothing about others
    take no others (toolshell's --strict-properties)."""
    if isinstance(node, list):
        return [strict_schema(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: strict_schema(v) for k, v in node.items()}
    if "properties" in node and "additionalProperties" not in node:
        out["additionalProperties"] = False
    return out


def run_xgrammar(tokens, special, eog, ids, kind, text, layout):
    import xgrammar as xgr
    encoded = [b"" if i in special or i in eog else t for i, t in enumerate(tokens)]
    info = xgr.TokenizerInfo(encoded, xgr.VocabType.RAW, vocab_size=len(tokens), stop_token_ids=eog)
    compile_ms = []
    compiled = None
    for _ in range(5):
        compiler = xgr.GrammarCompiler(info, max_threads=1, cache_enabled=False)
        t0 = time.perf_counter()
        if kind == "schema":
            if layout["flexible"]:
                compiled = compiler.compile_json_schema(text, any_whitespace=True, max_whitespace_cnt=layout["max_run"],
                                                        strict_mode=layout["strict"], any_order=layout["any_order"])
            else:
                compiled = compiler.compile_json_schema(text, any_whitespace=False, separators=(",", ":"),
                                                        strict_mode=layout["strict"], any_order=layout["any_order"])
        elif kind == "regex":
            compiled = compiler.compile_regex(text)
        elif kind == "gbnf":
            compiled = compiler.compile_grammar(text)
        else:
            compiled = compiler.compile_grammar("root ::= " + " | ".join(json.dumps(c) for c in text))
        compile_ms.append((time.perf_counter() - t0) * 1e3)
    matcher = xgr.GrammarMatcher(compiled)
    bitmask = xgr.allocate_token_bitmask(1, len(tokens))
    times = []
    for k in range(len(ids) + 1):
        t0 = time.perf_counter()
        matcher.fill_next_token_bitmask(bitmask)
        times.append((time.perf_counter() - t0) * 1e6)
        if k == len(ids):
            break
        if not matcher.accept_token(ids[k]):
            return {"error": f"rejected token {k} ({ids[k]})"}
    return {"compile_ms": percentile(compile_ms, 0.5), "mask_us": summary(times)}


class _Vocab:
    """What llguidance's TokenizerWrapper reads: token bytes, special ids, and an encoder
    (greedy longest match; used by llguidance only for token healing, not for masks)."""

    def __init__(self, tokens, special, eog):
        self.tokens = tokens
        self.special_token_ids = sorted(special | set(eog))
        self.eos_token_id = eog[0] if eog else 0
        self.bos_token_id = None
        self._by_bytes = {}
        for i, t in enumerate(tokens):
            if t and i not in special and i not in eog and t not in self._by_bytes:
                self._by_bytes[t] = i
        self._longest = max(len(t) for t in self._by_bytes)

    def __call__(self, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        out, i = [], 0
        while i < len(data):
            for n in range(min(self._longest, len(data) - i), 0, -1):
                tid = self._by_bytes.get(data[i:i + n])
                if tid is not None:
                    out.append(tid)
                    i += n
                    break
            else:
                i += 1
        return out


def run_llguidance(tokens, special, eog, ids, kind, text, layout):
    import numpy as np
    import llguidance
    tok = llguidance.LLTokenizer(llguidance.TokenizerWrapper(_Vocab(tokens, special, eog)))
    if kind == "schema":
        if layout["any_order"]:
            return {"error": "llguidance has no any-order option"}
        schema = json.loads(text)
        if layout["strict"]:
            schema = strict_schema(schema)
        if isinstance(schema, dict):
            if layout["flexible"]:
                options = {"whitespace_flexible": True, "whitespace_pattern": "[\\x20\\t\\n\\r]{0,%d}" % layout["max_run"]}
            else:
                options = {"whitespace_flexible": False, "item_separator": ",", "key_separator": ":"}
            schema = dict(schema, **{"x-guidance": options})
        grammar = llguidance.grammar_from("json_schema", json.dumps(schema))
    elif kind == "regex":
        grammar = llguidance.grammar_from("regex", text)
    elif kind == "gbnf":
        grammar = llguidance.grammar_from("gbnf", text)
    else:
        grammar = llguidance.grammar_from("choice", json.dumps(text))
    compile_ms = []
    matcher = None
    for _ in range(5):
        t0 = time.perf_counter()
        matcher = llguidance.LLMatcher(tok, grammar, log_level=0)
        compile_ms.append((time.perf_counter() - t0) * 1e3)
    if matcher.is_error():
        return {"error": matcher.get_error()}
    words = (len(tokens) + 31) // 32
    mask = np.zeros(words, dtype=np.int32)
    times = []
    for k in range(len(ids) + 1):
        t0 = time.perf_counter()
        matcher.unsafe_compute_mask_ptr(mask.ctypes.data, mask.nbytes)
        times.append((time.perf_counter() - t0) * 1e6)
        if k == len(ids):
            break
        if not matcher.consume_token(ids[k]):
            return {"error": f"rejected token {k} ({ids[k]}): {matcher.get_error()}"}
    return {"compile_ms": percentile(compile_ms, 0.5), "mask_us": summary(times)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vocab", required=True)
    ap.add_argument("--schema")
    ap.add_argument("--regex")
    ap.add_argument("--gbnf")
    ap.add_argument("--grammar")
    ap.add_argument("--choice")
    ap.add_argument("--structural-tag")
    ap.add_argument("--json-object", action="store_true")
    ap.add_argument("--whitespace")
    ap.add_argument("--any-order", action="store_true")
    ap.add_argument("--strict-properties", action="store_true")
    args = ap.parse_args()
    if args.structural_tag:
        print(json.dumps({"xgrammar": {"error": "structural tags are not compared"},
                          "llguidance": {"error": "structural tags are not compared"}}))
        return
    tokens, special, eog, ids = load_vocab(args.vocab)
    kind, text = constraint(args)
    out = {}
    for name, fn in (("xgrammar", run_xgrammar), ("llguidance", run_llguidance)):
        try:
            out[name] = fn(tokens, special, eog, ids, kind, text, layout_of(args))
        except Exception as e:  # an engine that is missing or refuses the grammar
            out[name] = {"error": f"{type(e).__name__}: {e}"}
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main()
