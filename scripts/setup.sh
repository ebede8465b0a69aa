#!/usr/bin/env bash
# Installs what the build and the test suite need on a fresh machine, and does
# nothing for what is already there. The README's test command and .ci/run both
# start with it.
#
# - the wasm32-wasip2 target, for the component that host/build.rs builds;
# - PHP 8.2 (Debian), to drive the official BlueRockTEL PHP SDK in tests/;
# - the HelperIQ UI module's npm packages, installed into a copy under
#   target/clients/, so the vendored client folder is never written to.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

rustup target add wasm32-wasip2

php_ok() {
    command -v php >/dev/null &&
        php -r 'exit(PHP_VERSION_ID >= 80200 && extension_loaded("curl") && extension_loaded("mbstring") && extension_loaded("dom") && extension_loaded("intl") ? 0 : 1);'
}
if ! php_ok; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
        php8.2-cli php8.2-curl php8.2-mbstring php8.2-xml php8.2-intl >/dev/null
fi

# The real clients live in the checkout (tests/clients/vendor, unchanged, with
# their licences); CONTACTS_CLIENTS points at another copy with the same
# layout. tests/support/mod.rs looks the same way.
clients="${CONTACTS_CLIENTS:-$root/tests/clients/vendor}"
ui_src="$clients/helperiq-ui"
ui_dst="$root/target/clients/helperiq-ui"
if [ ! -d "$ui_src" ]; then
    echo "setup: $ui_src not found; set CONTACTS_CLIENTS to the folder of the real clients" >&2
    exit 1
fi
# Copy afresh when the source changed, then install exactly the locked packages.
if ! diff -rq --exclude node_modules "$ui_src" "$ui_dst" >/dev/null 2>&1 ||
    [ ! -d "$ui_dst/node_modules" ]; then
    rm -rf "$ui_dst"
    mkdir -p "$(dirname "$ui_dst")"
    cp -R "$ui_src" "$ui_dst"
    rm -rf "$ui_dst/node_modules"
    (cd "$ui_dst" && npm ci --no-audit --no-fund --loglevel=error)
fi

# ---- embedding examples (examples/, tests/embedders.rs) ---------------------
# The pure build's target; jco (npm) and wasmtime-py (PyPI), pinned by
# examples/node/package-lock.json and examples/python/requirements.txt, each
# installed under target/examples/ so nothing global is touched. Each is
# reinstalled only when its pin file changed.
rustup target add wasm32-unknown-unknown
examples="$root/target/examples"
node_dst="$examples/node"
mkdir -p "$node_dst"
if ! cmp -s "$root/examples/node/package-lock.json" "$node_dst/package-lock.json" ||
    [ ! -x "$node_dst/node_modules/.bin/jco" ]; then
    cp "$root/examples/node/package.json" "$root/examples/node/package-lock.json" "$node_dst/"
    (cd "$node_dst" && npm ci --no-audit --no-fund --loglevel=error)
fi
venv="$examples/python"
if ! cmp -s "$root/examples/python/requirements.txt" "$venv/requirements.txt" ||
    [ ! -x "$venv/bin/python" ]; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$root/examples/python/requirements.txt"
    cp "$root/examples/python/requirements.txt" "$venv/requirements.txt"
fi
# ---- end of embedding examples ----------------------------------------------

# ---- console browser test (tests/console.rs): Debian's chromium, headless ----
# The console's end-to-end test drives it over the DevTools protocol from Node
# (no npm package, no browser download). CONTACTS_CHROMIUM points at another
# Chromium binary instead.
if [ -z "${CONTACTS_CHROMIUM:-}" ] && [ ! -x /usr/bin/chromium ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi
# ---- end of the console browser test block ----

# ---- extensions (docs/extensions.md) ----------------------------------------
# The Rust example and test extensions build for wasm32-unknown-unknown (no
# WASI); the JavaScript one with componentize-js, pinned by
# extensions/audit-trail/package-lock.json.
rustup target list --installed | grep -qx wasm32-unknown-unknown ||
    rustup target add wasm32-unknown-unknown
audit="$root/extensions/audit-trail"
# npm ci again whenever the lock changed since the last install.
if ! cmp -s "$audit/package-lock.json" "$audit/node_modules/.package-lock.json.installed"; then
    (cd "$audit" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$audit/package-lock.json" "$audit/node_modules/.package-lock.json.installed"
fi
# ---- end of extensions --------------------------------------------------------

# ---- schemathesis (tests/schemathesis.rs) -------------------------------------
# Schema-driven API testing against the served OpenAPI documents, pinned by
# tests/schemathesis/requirements.txt, in a venv under target/schemathesis/.
# Reinstalled only when the pin file changed.
st_venv="$root/target/schemathesis"
if ! cmp -s "$root/tests/schemathesis/requirements.txt" "$st_venv/requirements.txt" ||
    [ ! -x "$st_venv/bin/schemathesis" ]; then
    rm -rf "$st_venv"
    python3 -m venv "$st_venv"
    "$st_venv/bin/pip" install --quiet --disable-pip-version-check -r "$root/tests/schemathesis/requirements.txt"
    cp "$root/tests/schemathesis/requirements.txt" "$st_venv/requirements.txt"
fi
# ---- end of schemathesis ---------------------------------------------------------

# ---- PostgreSQL backend tests (scripts/postgres.sh) ---------------------------
# Debian's PostgreSQL server: the tests start a throwaway cluster of it (initdb
# in a temporary folder) unless CONTACTS_TEST_POSTGRES names a running server.
if [ -z "${CONTACTS_TEST_POSTGRES:-}" ] && [ -z "${PG_BINDIR:-}" ] &&
    ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null
fi
# ---- end of the PostgreSQL block ------------------------------------------------
