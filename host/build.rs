//! Builds the contacts component from `guest/` and puts it in `OUT_DIR`, so
//! `cargo build -p contacts-host` gives one binary with the component inside.
//!
//! Two builds come out of one nested cargo run:
//! - `contacts_guest.wasm`, for `wasm32-wasip2`: the one the server runs. Its
//!   standard library imports 13 WASI interfaces (only `insecure-seed` is
//!   ever called).
//! - `contacts_guest_pure.wasm`: the same code for `wasm32-unknown-unknown`,
//!   made a component here with `wit-component`. It imports `store` and
//!   `directory` and nothing else, so an embedder needs no WASI at all
//!   (docs/embedding.md). Both are also copied to `<target-dir>/guest/`.
//!
//! The nested cargo gets its own `--target-dir`: the outer build holds the
//! lock on the workspace's, and sharing it would wait forever.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

const TARGET: &str = "wasm32-wasip2";
/// The target of the build without WASI.
const PURE_TARGET: &str = "wasm32-unknown-unknown";
const PROFILE: &str = "guest";

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let workspace = manifest_dir.parent().expect("host/ sits in the workspace");
    for path in ["guest", "wit", "Cargo.toml", "Cargo.lock"] {
        println!("cargo:rerun-if-changed={}", workspace.join(path).display());
    }
    println!("cargo:rerun-if-env-changed=CONTACTS_GUEST_WASM");
    println!("cargo:rerun-if-env-changed=CONTACTS_GUEST_PURE_WASM");

    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo"));
    let out = out_dir.join("contacts_guest.wasm");
    let out_pure = out_dir.join("contacts_guest_pure.wasm");
    // Prebuilt components (e.g. from a packaging pipeline) skip the nested build.
    if let (Some(prebuilt), Some(pure)) = (
        env::var_os("CONTACTS_GUEST_WASM"),
        env::var_os("CONTACTS_GUEST_PURE_WASM"),
    ) {
        copy(Path::new(&prebuilt), &out);
        copy(Path::new(&pure), &out_pure);
        return;
    }

    let target_dir = env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace.join("target"))
        .join("guest");
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(workspace)
        .args([
            "build",
            "--locked",
            "-p",
            "contacts-guest",
            "--target",
            TARGET,
            "--target",
            PURE_TARGET,
            "--profile",
            PROFILE,
        ])
        .arg("--target-dir")
        .arg(&target_dir);
    // The outer build's settings describe the host target, not the guest.
    for var in [
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_BUILD_RUSTFLAGS",
        "RUSTFLAGS",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
        "CARGO_MAKEFLAGS",
        "MAKEFLAGS",
        "MFLAGS",
        "CARGO_PRIMARY_PACKAGE",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_LLVM_COV",
    ] {
        cmd.env_remove(var);
    }
    let status = cmd
        .status()
        .unwrap_or_else(|e| panic!("could not run cargo to build the component: {e}"));
    if !status.success() {
        panic!(
            "building the component failed ({status}). Are the targets installed? \
             Run `rustup target add {TARGET} {PURE_TARGET}` (scripts/setup.sh does this)."
        );
    }
    let built = target_dir
        .join(TARGET)
        .join(PROFILE)
        .join("contacts_guest.wasm");
    match env::var_os("CONTACTS_GUEST_WASM") {
        Some(prebuilt) => copy(Path::new(&prebuilt), &out),
        None => copy(&built, &out),
    }
    let core = target_dir
        .join(PURE_TARGET)
        .join(PROFILE)
        .join("contacts_guest.wasm");
    let pure = componentize(&core);
    std::fs::write(&out_pure, &pure)
        .unwrap_or_else(|e| panic!("writing {}: {e}", out_pure.display()));
    // Beside the nested build's outputs, where docs/embedding.md points.
    copy(&out, &target_dir.join("contacts_guest.wasm"));
    copy(&out_pure, &target_dir.join("contacts_guest_pure.wasm"));
}

/// Wraps the core module of the pure build into a component, from the WIT
/// world that `wit_bindgen::generate!` embedded in it.
fn componentize(core: &Path) -> Vec<u8> {
    let module = std::fs::read(core).unwrap_or_else(|e| panic!("reading {}: {e}", core.display()));
    wit_component::ComponentEncoder::default()
        .module(&module)
        .and_then(|encoder| encoder.validate(true).encode())
        .unwrap_or_else(|e| panic!("making a component of {}: {e:#}", core.display()))
}

fn copy(from: &Path, to: &Path) {
    std::fs::copy(from, to)
        .unwrap_or_else(|e| panic!("copying {} to {}: {e}", from.display(), to.display()));
}
