#!/usr/bin/env bash
# Build llama.cpp's `llama-bench` from the PyPI source package of llama-cpp-python,
# for `toolshell bench decode|prefill --compare-llamacpp PATH`. Not part of `make test`.
#
#   scripts/build-llama-bench.sh          # build once, print the binary's path
#   scripts/build-llama-bench.sh --path   # print where the binary is (or would be)
#
# Everything lives outside the repository, under
# ${XDG_CACHE_HOME:-$HOME/.cache}/toolshell/llama-bench/: a venv with cmake and ninja
# from PyPI, the unpacked sdist, and the build folder. Idempotent: a finished build is
# recognised by a stamp naming the version, and nothing is downloaded or rebuilt again.
# Only the llama-bench target is built (Release, -march=native, no BLAS, no GPU).
set -euo pipefail

version="${LLAMA_CPP_PYTHON_VERSION:-0.3.36}"
root="${XDG_CACHE_HOME:-$HOME/.cache}/toolshell/llama-bench"
src="$root/llama_cpp_python-$version"
build="$root/build-$version"
binary="$build/bin/llama-bench"
stamp="$build/.built"

say() { printf 'build-llama-bench: %s\n' "$*" >&2; }

if [ "${1:-}" = "--path" ]; then
  echo "$binary"
  exit 0
fi

if [ -x "$binary" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$version" ]; then
  echo "$binary"
  exit 0
fi

mkdir -p "$root"

# Build tools from PyPI, in a venv of their own. scikit-build-core is the sdist's build
# backend: with it installed, `pip download` reads the sdist's metadata without building
# an isolated environment (which, under --no-binary :all:, would compile cmake itself).
venv="$root/venv"
if [ ! -x "$venv/bin/cmake" ] || [ ! -x "$venv/bin/ninja" ] || [ ! -d "$venv/lib" ] \
   || ! "$venv/bin/python3" -c 'import scikit_build_core' 2>/dev/null; then
  say "creating $venv with cmake, ninja and scikit-build-core"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check cmake ninja 'scikit-build-core>=0.9.2'
fi

# The source package (its vendor/llama.cpp is the llama.cpp release it binds).
if [ ! -d "$src/vendor/llama.cpp" ]; then
  say "downloading llama-cpp-python==$version (source)"
  dl="$root/download"
  mkdir -p "$dl"
  "$venv/bin/pip" download --quiet --disable-pip-version-check --no-deps \
    --no-binary :all: --no-build-isolation -d "$dl" "llama-cpp-python==$version"
  archive="$(ls "$dl"/llama_cpp_python-"$version".tar.gz 2>/dev/null || true)"
  if [ -z "$archive" ]; then
    say "no source archive for llama-cpp-python==$version in $dl"
    exit 1
  fi
  rm -rf "$src.partial"
  mkdir -p "$src.partial"
  tar -xzf "$archive" -C "$src.partial" --strip-components=1
  rm -rf "$src"
  mv "$src.partial" "$src"
fi

jobs="${JOBS:-$(nproc)}"
say "configuring $build"
"$venv/bin/cmake" -S "$src/vendor/llama.cpp" -B "$build" -G Ninja \
  -DCMAKE_MAKE_PROGRAM="$venv/bin/ninja" \
  -DCMAKE_BUILD_TYPE=Release \
  -DGGML_NATIVE=ON \
  -DGGML_BLAS=OFF -DGGML_CUDA=OFF -DGGML_VULKAN=OFF -DGGML_METAL=OFF \
  -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
  -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_TOOLS=ON -DBUILD_SHARED_LIBS=OFF >/dev/null
say "building llama-bench with $jobs jobs"
"$venv/bin/cmake" --build "$build" --target llama-bench -j "$jobs"
[ -x "$binary" ] || { say "build finished but $binary is missing"; exit 1; }
echo "$version" >"$stamp"
echo "$binary"
