#!/bin/sh
# Builds a Rust extension crate (docs/extensions.md) into a component with
# no WASI imports: wasm32-unknown-unknown, linked by the wasm-component-ld
# that ships with Rust. Prints the path of the .wasm; with a second
# argument, copies it there too.
#
#   scripts/build-extension.sh extensions/enricher extensions/enricher/dist/enricher.wasm
set -eu
crate=$(cd "$1" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
host=$(rustc -vV | sed -n 's/^host: //p')
linker="$(rustc --print sysroot)/lib/rustlib/$host/bin/wasm-component-ld"
if [ ! -x "$linker" ]; then
    echo "build-extension: $linker not found; Rust 1.82 or later ships it" >&2
    exit 1
fi
rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown ||
    rustup target add wasm32-unknown-unknown >&2
target_dir="${CARGO_TARGET_DIR:-$root/target}/extensions"
name=$(sed -n 's/^name = "\(.*\)"$/\1/p' "$crate/Cargo.toml" | head -n 1 | tr - _)
# The caller's flags describe its own target, not wasm.
env -u RUSTFLAGS -u CARGO_ENCODED_RUSTFLAGS -u CARGO_BUILD_TARGET -u CARGO_TARGET_DIR \
    CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER="$linker" \
    cargo build --quiet --release --locked --target wasm32-unknown-unknown \
    --manifest-path "$crate/Cargo.toml" --target-dir "$target_dir" >&2
wasm="$target_dir/wasm32-unknown-unknown/release/$name.wasm"
if [ "$#" -ge 2 ]; then
    mkdir -p "$(dirname "$2")"
    cp "$wasm" "$2"
    wasm="$2"
fi
echo "$wasm"
