#!/usr/bin/env bash
# Install llama.cpp's OpenAI-compatible server (PyPI llama-cpp-python[server]) into a
# cached virtual environment, for the remote-engine tests and for users who want a
# local OpenAI-compatible server to point `/load remote` at.
#
#   scripts/setup-llama-server.sh [--check]
#
# The venv lives in ${XDG_CACHE_HOME:-$HOME/.cache}/toolshell/llama-server-venv.
# llama-cpp-python ships only a source distribution for Linux, so the first run
# compiles llama.cpp (about 9 minutes on 2 cores); the build runs under `nice` and
# skips llama.cpp's examples, tests, tools and the multimodal library. A stamp file
# written after a successful import makes later runs a no-op. --check only reports
# whether the venv is ready (exit 0/1). Start the server with:
#   "$venv/bin/python" -m llama_cpp.server --model MODEL.gguf --host 127.0.0.1 --port 8080
set -euo pipefail

version="0.3.36"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/toolshell"
venv="$cache/llama-server-venv"
stamp="$venv/.toolshell-ready"
want="llama-cpp-python[server]==$version"

say() { printf 'toolshell setup: %s\n' "$*" >&2; }

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && "$venv/bin/python" -c 'import llama_cpp.server' 2>/dev/null; then
  exit 0
fi
if [ "${1:-}" = "--check" ]; then
  say "llama-cpp-python server venv is not ready at $venv (run scripts/setup-llama-server.sh)"
  exit 1
fi

mkdir -p "$cache"
if [ ! -x "$venv/bin/python" ]; then
  say "creating $venv"
  python3 -m venv "$venv" || { say "python3 -m venv failed; install python3-venv (Debian) and run again"; exit 1; }
fi

say "installing $want into $venv (compiles llama.cpp once: about 9 minutes on 2 cores)"
start=$(date +%s)
export CMAKE_ARGS="${CMAKE_ARGS:-} -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAVA_BUILD=OFF -DLLAMA_CURL=OFF -DGGML_NATIVE=ON"
export CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-2}"
if ! nice -n 15 "$venv/bin/python" -m pip install --disable-pip-version-check --no-cache-dir "$want"; then
  if ! "$venv/bin/python" -m pip download --disable-pip-version-check --no-deps -q -d "$cache/.probe" "six" >/dev/null 2>&1; then
    say "PyPI is not reachable; $want cannot be installed offline. Connect to the network and run scripts/setup-llama-server.sh again."
  else
    say "installing $want failed (see pip's output above); a C/C++ compiler (gcc, g++) is required. Fix it and run scripts/setup-llama-server.sh again."
  fi
  rm -rf "$cache/.probe"
  exit 1
fi
rm -rf "$cache/.probe"
"$venv/bin/python" -c 'import llama_cpp.server' || { say "llama_cpp.server does not import after installation"; exit 1; }
echo "$want" > "$stamp"
say "llama-cpp-python server ready in $venv ($(( $(date +%s) - start )) s)"
