#!/usr/bin/env bash
# Runs every cargo-fuzz target of fuzz/ for a while: SECONDS per target
# (default 30, the CI's short run; see fuzz/README.md for long runs). The
# committed corpus is the starting point and is left unchanged: new inputs go
# to target/fuzz-corpus/. Fails on the first crash, leaving its input in
# fuzz/artifacts/<target>/.
#
# The machine has one stable toolchain: cargo-fuzz needs two unstable rustc
# options, allowed by RUSTC_BOOTSTRAP=1, and runs without a sanitizer (-s
# none; Rust code needs none to catch panics and overflows in debug
# assertions). cargo-fuzz is installed under target/fuzz-tools/ when missing.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seconds="${1:-30}"
tools="$root/target/fuzz-tools"
if [ ! -x "$tools/bin/cargo-fuzz" ]; then
    cargo install --locked --root "$tools" cargo-fuzz@0.13.2
fi
export PATH="$tools/bin:$PATH" RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR="$root/target/fuzz"
cd "$root/fuzz"
flags=(-s none --release --debug-assertions)
cargo fuzz build "${flags[@]}"
for target in $(cargo fuzz list); do
    scratch="$root/target/fuzz-corpus/$target"
    log="$root/target/fuzz-corpus/$target.log"
    mkdir -p "$scratch"
    if ! cargo fuzz run "${flags[@]}" "$target" "$scratch" "corpus/$target" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 >"$log" 2>&1; then
        tail -n 40 "$log"
        echo "fuzz: $target crashed; its input is in fuzz/artifacts/$target/" >&2
        exit 1
    fi
    echo "fuzz: $target: $(grep -E '^Done' "$log" || tail -n 1 "$log")"
done
