//! An extension's manifest (`extension.json`): who it is, which hooks the
//! host calls, which capabilities it is granted, its limits and its failure
//! policy. Every mistake is refused at start with what to fix.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde::Deserialize;

/// The manifest's file name inside an extension's folder.
pub const FILE: &str = "extension.json";

/// A hook the host may call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Hook {
    Validate,
    Enrich,
    OnEvent,
}

/// A capability an extension may be granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Grant {
    Log,
    Kv,
}

impl Grant {
    /// The WIT interface the grant lets an extension import.
    pub fn interface(self) -> &'static str {
        match self {
            Grant::Log => "contacts:extension/log@0.1.0",
            Grant::Kv => "contacts:extension/kv@0.1.0",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Grant::Log => "log",
            Grant::Kv => "kv",
        }
    }
}

/// What a failure (a trap, a timeout, an exhausted budget, an oversized
/// answer) of this extension does to the request it ran in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Policy {
    /// The request fails with a validation error naming the extension.
    #[default]
    Reject,
    /// The request goes on as if the extension had said nothing; the failure
    /// is logged and counted.
    Skip,
}

/// Budgets of one call; every field has a safe default.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Wasm fuel (about one unit per instruction) one call may burn.
    pub fuel: u64,
    /// Wall-clock time one call may take, in milliseconds.
    pub deadline_ms: u64,
    /// Linear memory the extension may grow to, in KiB.
    pub memory_kib: u64,
    /// Bytes of text one answer may carry (messages, changed values).
    pub output_bytes: u64,
    /// Bytes its key-value space may hold, keys and values together.
    pub kv_bytes: u64,
    /// Its calls that may run at once; others wait for a free slot (at most
    /// twice the deadline, plus 100 ms), then fail.
    pub concurrency: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            fuel: 10_000_000,
            deadline_ms: 50,
            memory_kib: 16 << 10,
            output_bytes: 64 << 10,
            kv_bytes: 256 << 10,
            concurrency: 1,
        }
    }
}

/// The ceilings a manifest may raise its limits to.
const MAX: Limits = Limits {
    fuel: 10_000_000_000,
    deadline_ms: 10_000,
    memory_kib: 1 << 20,
    output_bytes: 16 << 20,
    kv_bytes: 64 << 20,
    concurrency: 64,
};

impl Limits {
    pub fn deadline(&self) -> Duration {
        Duration::from_millis(self.deadline_ms)
    }

    pub fn memory_bytes(&self) -> usize {
        (self.memory_kib as usize) << 10
    }

    fn check(&self) -> Result<()> {
        let fields = [
            ("fuel", self.fuel, MAX.fuel),
            ("deadline_ms", self.deadline_ms, MAX.deadline_ms),
            ("memory_kib", self.memory_kib, MAX.memory_kib),
            ("output_bytes", self.output_bytes, MAX.output_bytes),
            ("kv_bytes", self.kv_bytes, MAX.kv_bytes),
            ("concurrency", self.concurrency, MAX.concurrency),
        ];
        for (name, value, max) in fields {
            if value == 0 || value > max {
                bail!("limits.{name} is {value}; give a value from 1 to {max}");
            }
        }
        Ok(())
    }
}

/// When an extension that keeps failing is quarantined: its calls are then
/// answered by its failure policy without running it (docs/extensions.md).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Quarantine {
    /// Failures within `within_ms` that quarantine it.
    pub after: u64,
    pub within_ms: u64,
    /// The first quarantine's length; it doubles each time the extension
    /// fails the one call let through after it (up to an hour).
    pub for_ms: u64,
}

impl Default for Quarantine {
    fn default() -> Quarantine {
        Quarantine {
            after: 5,
            within_ms: 10_000,
            for_ms: 1_000,
        }
    }
}

impl Quarantine {
    pub fn within(&self) -> Duration {
        Duration::from_millis(self.within_ms)
    }

    pub fn first(&self) -> Duration {
        Duration::from_millis(self.for_ms)
    }

    fn check(&self) -> Result<()> {
        let hour = 3_600_000;
        let fields = [
            ("after", self.after, 1_000_000),
            ("within_ms", self.within_ms, hour),
            ("for_ms", self.for_ms, hour),
        ];
        for (name, value, max) in fields {
            if value == 0 || value > max {
                bail!("quarantine.{name} is {value}; give a value from 1 to {max}");
            }
        }
        Ok(())
    }
}

/// A parsed, checked manifest.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Lowercase letters, digits and `-`; unique among the loaded extensions.
    pub name: String,
    pub version: String,
    /// The component file, relative to the folder.
    pub component: PathBuf,
    pub hooks: Vec<Hook>,
    #[serde(default)]
    pub grants: Vec<Grant>,
    #[serde(default)]
    pub limits: Limits,
    #[serde(default)]
    pub on_failure: Policy,
    #[serde(default)]
    pub quarantine: Quarantine,
}

impl Manifest {
    /// Reads and checks `dir/extension.json`.
    pub fn read(dir: &Path) -> Result<Manifest> {
        let path = dir.join(FILE);
        let text = std::fs::read_to_string(&path).with_context(|| {
            format!(
                "{}: no readable {FILE}; each extension folder holds its manifest and its .wasm",
                dir.display()
            )
        })?;
        Manifest::parse(&text).with_context(|| format!("{}", path.display()))
    }

    pub fn parse(text: &str) -> Result<Manifest> {
        let m: Manifest = serde_json::from_str(text).context(
            "not a valid manifest (fields: name, version, component, hooks, grants, limits, on_failure, quarantine)",
        )?;
        m.check()?;
        Ok(m)
    }

    fn check(&self) -> Result<()> {
        let name_ok = !self.name.is_empty()
            && self.name.len() <= 64
            && self
                .name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !name_ok {
            bail!(
                "name {:?}: use 1 to 64 lowercase letters, digits and '-'",
                self.name
            );
        }
        if self.version.trim().is_empty() {
            bail!("version is empty; give the extension's version, e.g. \"1.0.0\"");
        }
        if self.hooks.is_empty() {
            bail!("hooks is empty; list at least one of \"validate\", \"enrich\", \"on-event\"");
        }
        let plain_file = self.component.components().count() > 0
            && self
                .component
                .components()
                .all(|c| matches!(c, std::path::Component::Normal(_)));
        if !plain_file {
            bail!(
                "component {:?}: give the name of a file inside the extension's folder",
                self.component
            );
        }
        self.limits.check()?;
        self.quarantine.check()
    }

    pub fn has(&self, hook: Hook) -> bool {
        self.hooks.contains(&hook)
    }

    pub fn granted(&self, grant: Grant) -> bool {
        self.grants.contains(&grant)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minimal_manifest_gets_the_defaults() {
        let m = Manifest::parse(
            r#"{"name":"tidy","version":"1.0.0","component":"tidy.wasm","hooks":["enrich"]}"#,
        )
        .unwrap();
        assert_eq!(m.limits, Limits::default());
        assert_eq!(m.quarantine, Quarantine::default());
        assert_eq!(m.on_failure, Policy::Reject);
        assert!(m.has(Hook::Enrich) && !m.has(Hook::Validate));
        assert!(m.grants.is_empty());
    }

    #[test]
    fn mistakes_say_what_to_fix() {
        let cases = [
            (
                r#"{"name":"Bad Name","version":"1","component":"a.wasm","hooks":["validate"]}"#,
                "lowercase",
            ),
            (
                r#"{"name":"a","version":"1","component":"a.wasm","hooks":[]}"#,
                "at least one",
            ),
            (
                r#"{"name":"a","version":"1","component":"../a.wasm","hooks":["validate"]}"#,
                "inside the extension's folder",
            ),
            (
                r#"{"name":"a","version":"1","component":"a.wasm","hooks":["validate"],"limits":{"fuel":0}}"#,
                "limits.fuel",
            ),
            (
                r#"{"name":"a","version":"1","component":"a.wasm","hooks":["validate"],"quarantine":{"after":0}}"#,
                "quarantine.after",
            ),
            (
                r#"{"name":"a","version":"1","component":"a.wasm","hooks":["validate"],"grants":["network"]}"#,
                "not a valid manifest",
            ),
            (
                r#"{"name":"a","version":"1","component":"a.wasm","hooks":["validate"],"on_failure":"ignore"}"#,
                "not a valid manifest",
            ),
            (
                r#"{"name":"a","version":"1","component":"a.wasm","hooks":["validate"],"limit":{}}"#,
                "not a valid manifest",
            ),
        ];
        for (text, hint) in cases {
            let err = format!("{:#}", Manifest::parse(text).unwrap_err());
            assert!(err.contains(hint), "{text}: {err}");
        }
    }
}
