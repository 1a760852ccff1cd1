#!/usr/bin/env bash
# Runs every `toolshell bench` kind with its reference (where installed) and appends one JSON
# line per benchmark to Benchmarks/results/RUN.jsonl. Usage: Benchmarks/run-all.sh [--threads "1 2"]
set -euo pipefail
cd "$(dirname "$0")/.."
threads="1 2"
[ "${1:-}" = "--threads" ] && threads="$2"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/toolshell"
bin=./.build/release/toolshell
[ -x "$bin" ] || swift build -c release -Xswiftc -enable-testing
mkdir -p Benchmarks/results
out="Benchmarks/results/$(date -u +%Y%m%dT%H%M%SZ).jsonl"

record() {  # record NAME JSON
    printf '{"name":"%s","uptime":"%s","result":%s}\n' "$1" "$(uptime | sed 's/.*load average: //')" "$2" >> "$out"
    echo "$1 done"
}

llama_bench="$(scripts/build-llama-bench.sh --path)"
compare=()
[ -x "$llama_bench" ] && compare=(--compare-llamacpp "$llama_bench")
for model in qwen2.5-coder-0.5b gemma-3-270m; do
    for t in $threads; do
        record "decode $model t$t" "$("$bin" bench decode --model "$model" --threads "$t" --runs 3 "${compare[@]}" --json)"
        record "prefill $model t$t" "$("$bin" bench prefill --model "$model" --threads "$t" --runs 3 "${compare[@]}" --json)"
    done
done
record "tokenize" "$("$bin" bench tokenize --model qwen2.5-coder-0.5b --json)"
record "templates" "$("$bin" bench templates --json)"
record "json" "$("$bin" bench json --json)"
# vLLM 0.33.0 for the parse reference: python3 -m venv /work/venvs/vllm && /work/venvs/vllm/bin/pip install vllm==0.33.0
vllm_python="${VLLM_PYTHON:-/work/venvs/vllm/bin/python}"
if [ -x "$vllm_python" ]; then
    record "parse" "$("$bin" bench parse --python "$vllm_python" --json)"
else
    record "parse" "$("$bin" bench parse --json)"
fi
# Token masks (Benchmarks/mask/README.md), next to xgrammar/llguidance when their venv exists.
grammar_python="${GRAMMAR_REF_PYTHON:-/work/venvs/grammar-ref/bin/python}"
ref=()
[ -x "$grammar_python" ] && ref=(--compare-reference "$grammar_python")
m=Benchmarks/mask
mask() {  # mask NAME CONSTRAINT-ARGS... ; a constraint this build cannot compile is recorded as an error
    local name="$1"; shift
    local result
    if result="$("$bin" bench mask "$@" --model qwen2.5-coder-0.5b "${ref[@]}" --json 2>/tmp/toolshell-mask-err)"; then
        record "mask $name" "$result"
    else
        record "mask $name" "{\"error\":$(python3 -c 'import json,sys; print(json.dumps(sys.stdin.read().strip()))' </tmp/toolshell-mask-err)}"
    fi
}
mask json --gbnf "$m/json.gbnf" --instance "$m/json.json"
mask lowercase80 --gbnf "$m/lowercase80.gbnf" --instance "$m/lowercase80.txt"
mask date --regex "$(cat "$m/date.regex")" --instance "$m/date.txt"
mask choice --choice "$(cat "$m/choice.list")"
mask json-object --json-object --instance "$m/json-object.json"
mask json-object-flexible --json-object --whitespace flexible --instance "$m/json-object-flexible.json"
mask tool-arguments --schema "$m/tool-arguments.schema.json" --instance "$m/tool-arguments.json"
echo "results: $out"
