#!/bin/sh
# Builds every example extension and installs it into a folder ready for
# `contacts-host serve --extensions DIR` (default: target/extensions-installed).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
dest="${1:-$root/target/extensions-installed}"
for name in disposable-email enricher; do
    mkdir -p "$dest/$name"
    cp "$root/extensions/$name/extension.json" "$dest/$name/"
    "$root/scripts/build-extension.sh" "$root/extensions/$name" "$dest/$name/$name.wasm" >/dev/null
done
# The JavaScript one needs componentize-js (scripts/setup.sh installs it).
mkdir -p "$dest/audit-trail"
cp "$root/extensions/audit-trail/extension.json" "$dest/audit-trail/"
(cd "$root/extensions/audit-trail" && node build.mjs "$dest/audit-trail/audit-trail.wasm" >/dev/null)
echo "$dest"
