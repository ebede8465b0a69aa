//! Builds the contacts component from `guest/` for `wasm32-wasip2` and puts
//! it in `OUT_DIR`, so `cargo build -p contacts-host` gives one binary with
//! the component inside.
//!
//! The nested cargo gets its own `--target-dir`: the outer build holds the
//! lock on the workspace's, and sharing it would wait forever.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

const TARGET: &str = "wasm32-wasip2";
const PROFILE: &str = "guest";

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let workspace = manifest_dir.parent().expect("host/ sits in the workspace");
    for path in ["guest", "wit", "Cargo.toml", "Cargo.lock"] {
        println!("cargo:rerun-if-changed={}", workspace.join(path).display());
    }
    println!("cargo:rerun-if-env-changed=CONTACTS_GUEST_WASM");

    let out =
        PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo")).join("contacts_guest.wasm");
    // A prebuilt component (e.g. from a packaging pipeline) skips the nested build.
    if let Some(prebuilt) = env::var_os("CONTACTS_GUEST_WASM") {
        copy(Path::new(&prebuilt), &out);
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
            "building the component failed ({status}). Is the target installed? \
             Run `rustup target add {TARGET}` (`.ci/run` does this)."
        );
    }
    let built = target_dir
        .join(TARGET)
        .join(PROFILE)
        .join("contacts_guest.wasm");
    copy(&built, &out);
}

fn copy(from: &Path, to: &Path) {
    std::fs::copy(from, to)
        .unwrap_or_else(|e| panic!("copying {} to {}: {e}", from.display(), to.display()));
}
