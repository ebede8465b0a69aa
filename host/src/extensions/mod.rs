//! Third-party extensions (issue 13, docs/extensions.md): components built
//! against `wit/extension` that the server runs sandboxed, inside create and
//! update (`validate`, `enrich`) and after each commit (`on-event`).
//!
//! `serve --extensions DIR` loads one folder per extension, in the order of
//! the folders' names: its manifest ([`manifest`]) and its component, which
//! is compiled, checked against the manifest's grants and started once, so
//! a mistake stops the server at start with what to fix. Each call then
//! runs in the extension's own store under fuel, an epoch deadline, a
//! memory cap and an answer-size cap ([`sandbox`]); what a failure does to
//! the request is the manifest's `on_failure` policy. At most
//! `limits.concurrency` calls of one extension run at once, and one that
//! keeps failing is quarantined ([`breaker`]).

pub mod breaker;
pub mod convert;
pub mod events;
pub mod kv;
pub mod manifest;
pub mod sandbox;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::bindings::types::{Contact, ContactPatch, FieldError};
use crate::capabilities::hooks::Hooks;
use breaker::{Breaker, Unrun};
use manifest::{Hook, Manifest, Policy};
use sandbox::{Runner, Sandbox};

/// One loaded extension and what it has done so far.
pub struct Loaded {
    pub runner: Runner,
    pub folder: PathBuf,
    breaker: Breaker,
    calls: AtomicU64,
    failures: AtomicU64,
}

/// Counts since start, per extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stats {
    pub name: String,
    pub calls: u64,
    /// Calls that trapped, timed out, used up a budget, answered too much,
    /// or found no free slot in time (`limits.concurrency`).
    pub failures: u64,
    /// Calls answered by its policy without running it, while quarantined.
    pub unrun: u64,
    /// Times it was quarantined.
    pub quarantines: u64,
    /// Whether it is quarantined now.
    pub quarantined: bool,
}

/// Why a call gave no answer.
pub enum Failed {
    /// It ran and failed, or found no free slot: counted, logged.
    Ran(String),
    /// It is quarantined: answered by the policy without running it.
    Unrun(String),
}

/// The extensions a server runs, in order.
pub struct Extensions {
    loaded: Vec<Loaded>,
    // Last: its epoch thread stops when the runners are gone.
    _sandbox: Sandbox,
}

/// The extension folders under `dir`, by name; hidden ones are skipped.
fn folders(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir)
        .with_context(|| format!("reading the extensions folder {}", dir.display()))?;
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry?;
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        if entry.file_type()?.is_dir() && !hidden {
            out.push(entry.path());
        }
    }
    out.sort();
    Ok(out)
}

impl Extensions {
    /// Loads and starts every extension under `dir`. `kv` holds their
    /// key-value spaces; without it (a check) `kv` calls fail. Compiled code
    /// is cached in `cache_dir` like the core component's.
    pub fn load(
        dir: &Path,
        kv: Option<Arc<dyn kv::KeyValue>>,
        cache_dir: Option<&Path>,
    ) -> Result<Extensions> {
        let mut manifests = Vec::new();
        for folder in folders(dir)? {
            let manifest = Manifest::read(&folder)
                .with_context(|| format!("extension {} refused", folder.display()))?;
            manifests.push((folder, manifest));
        }
        let max_memory = manifests
            .iter()
            .map(|(_, m)| m.limits.memory_bytes())
            .max()
            .unwrap_or(0);
        let sandbox = Sandbox::new(manifests.len(), max_memory)?;
        let mut loaded: Vec<Loaded> = Vec::new();
        for (folder, manifest) in manifests {
            let one = load_one(&sandbox, &folder, manifest, kv.clone(), cache_dir)
                .with_context(|| format!("extension {} refused", folder.display()))?;
            if let Some(other) = loaded
                .iter()
                .find(|l| l.runner.manifest().name == one.runner.manifest().name)
            {
                bail!(
                    "extensions {} and {} are both named {:?}: names must be unique",
                    other.folder.display(),
                    folder.display(),
                    one.runner.manifest().name
                );
            }
            loaded.push(one);
        }
        Ok(Extensions {
            loaded,
            _sandbox: sandbox,
        })
    }

    pub fn loaded(&self) -> &[Loaded] {
        &self.loaded
    }

    pub fn stats(&self) -> Vec<Stats> {
        self.loaded
            .iter()
            .map(|l| Stats {
                name: l.runner.manifest().name.clone(),
                calls: l.calls.load(Ordering::Relaxed),
                failures: l.failures.load(Ordering::Relaxed),
                unrun: l.breaker.unrun(),
                quarantines: l.breaker.quarantines(),
                quarantined: l.breaker.is_quarantined(),
            })
            .collect()
    }

    fn with(&self, hook: Hook) -> impl Iterator<Item = &Loaded> {
        self.loaded
            .iter()
            .filter(move |l| l.runner.manifest().has(hook))
    }
}

fn load_one(
    sandbox: &Sandbox,
    folder: &Path,
    manifest: Manifest,
    kv: Option<Arc<dyn kv::KeyValue>>,
    cache_dir: Option<&Path>,
) -> Result<Loaded> {
    let path = folder.join(&manifest.component);
    let wasm = std::fs::read(&path).with_context(|| {
        format!(
            "reading its component {}: put the built .wasm there or fix \"component\"",
            path.display()
        )
    })?;
    let pre = sandbox.prepare(&manifest, &wasm, cache_dir)?;
    let kv = match (kv, manifest.granted(manifest::Grant::Kv)) {
        (Some(kv), true) => Some(kv::Space::new(kv, &manifest.name, manifest.limits.kv_bytes)),
        _ => None,
    };
    let runner = Runner::new(sandbox, pre, manifest, kv);
    runner
        .warm_up()
        .map_err(|why| anyhow::anyhow!("it could not start: {why}"))?;
    let m = runner.manifest();
    let breaker = Breaker::new(&m.name, m.quarantine.clone(), m.limits.concurrency);
    Ok(Loaded {
        runner,
        folder: folder.to_owned(),
        breaker,
        calls: AtomicU64::new(0),
        failures: AtomicU64::new(0),
    })
}

impl Loaded {
    fn name(&self) -> &str {
        &self.runner.manifest().name
    }

    /// Runs `call` (a hook call and the checks of its answer) if the
    /// extension is not quarantined and a slot is free, and tells the
    /// breaker how it went.
    pub fn run<T>(&self, call: impl FnOnce() -> Result<T, String>) -> Result<T, Failed> {
        // A slot frees within its holder's deadline; the margin is for a
        // loaded machine's late epoch ticks.
        let wait = self.runner.manifest().limits.deadline() * 2 + Duration::from_millis(100);
        let permit = match self.breaker.admit(wait) {
            Ok(permit) => permit,
            Err(Unrun::Quarantined(why)) => return Err(Failed::Unrun(why)),
            Err(Unrun::Busy(why)) => return Err(Failed::Ran(why)),
        };
        let outcome = call();
        permit.finish(outcome.is_ok());
        outcome.map_err(Failed::Ran)
    }

    /// Counts a call's outcome, and settles a failure by the policy: `Err`
    /// is the field error that refuses the request. A call left unrun by a
    /// quarantine is counted by the breaker and not logged one by one.
    fn settle<T>(&self, hook: &str, outcome: Result<T, Failed>) -> Result<Option<T>, FieldError> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        let (why, ran) = match outcome {
            Ok(value) => return Ok(Some(value)),
            Err(Failed::Ran(why)) => (why, true),
            Err(Failed::Unrun(why)) => (why, false),
        };
        let failures = if ran {
            self.failures.fetch_add(1, Ordering::Relaxed) + 1
        } else {
            self.failures.load(Ordering::Relaxed)
        };
        let name = self.name();
        match self.runner.manifest().on_failure {
            Policy::Reject if !ran => Err(FieldError {
                field: format!("extensions.{name}"),
                message: format!("The extension {name} failed: {why}."),
            }),
            Policy::Skip if !ran => Ok(None),
            Policy::Reject => {
                let then = if hook == "on-event" {
                    "the event is retried"
                } else {
                    "the request is refused"
                };
                tracing::warn!(
                    "extension {name} failed in {hook}: {why}; {then} ({failures} failures so far)"
                );
                Err(FieldError {
                    field: format!("extensions.{name}"),
                    message: format!("The extension {name} failed: {why}."),
                })
            }
            Policy::Skip => {
                let then = if hook == "on-event" {
                    "the event is passed over"
                } else {
                    "the request goes on"
                };
                tracing::warn!(
                    "extension {name} failed in {hook}: {why}; skipped, {then} ({failures} failures so far)"
                );
                Ok(None)
            }
        }
    }

    fn limit(&self, size: usize) -> Result<(), String> {
        let max = self.runner.manifest().limits.output_bytes;
        if size as u64 > max {
            return Err(format!(
                "its answer holds {size} bytes, over its limit of {max} (limits.output_bytes)"
            ));
        }
        Ok(())
    }
}

impl Hooks for Extensions {
    fn enrich(&self, contact: &Contact) -> Result<Vec<ContactPatch>, Vec<FieldError>> {
        let mut patches = Vec::new();
        let mut input = None;
        for l in self.with(Hook::Enrich) {
            let input = input.get_or_insert_with(|| convert::contact(contact));
            let outcome = l.run(|| {
                let answer = l.runner.call(|h, s| h.call_enrich(s, input))?;
                let size = match &answer {
                    Ok(changes) => convert::changes_size(changes),
                    Err(errors) => convert::errors_size(errors),
                };
                l.limit(size).map(|()| answer)
            });
            match l.settle("enrich", outcome).map_err(|e| vec![e])? {
                Some(Ok(changes)) => patches.push(convert::changes(changes)),
                Some(Err(errors)) => return Err(refusal(l.name(), errors)),
                None => {}
            }
        }
        Ok(patches)
    }

    fn validate(&self, before: Option<&Contact>, after: &Contact) -> Result<(), Vec<FieldError>> {
        let mut input = None;
        for l in self.with(Hook::Validate) {
            let (before, after) = input
                .get_or_insert_with(|| (before.map(convert::contact), convert::contact(after)));
            let outcome = l.run(|| {
                let answer = l
                    .runner
                    .call(|h, s| h.call_validate(s, before.as_ref(), after))?;
                let size = answer.as_ref().err().map_or(0, |e| convert::errors_size(e));
                l.limit(size).map(|()| answer)
            });
            if let Some(Err(errors)) = l.settle("validate", outcome).map_err(|e| vec![e])? {
                return Err(refusal(l.name(), errors));
            }
        }
        Ok(())
    }
}

/// A refusal with at least one field error.
fn refusal(
    name: &str,
    errors: Vec<crate::bindings::extension::types::FieldError>,
) -> Vec<FieldError> {
    let mut list = convert::errors(name, errors);
    if list.is_empty() {
        list.push(FieldError {
            field: format!("extensions.{name}"),
            message: format!("The extension {name} refused the contact."),
        });
    }
    list
}

/// `contacts-host extensions check DIR`: what would load, or why not.
pub fn check(dir: &Path, cache_dir: Option<&Path>) -> Result<Vec<String>> {
    let exts = Extensions::load(dir, None, cache_dir)?;
    Ok(exts
        .loaded
        .iter()
        .map(|l| {
            let m = l.runner.manifest();
            format!(
                "{} {} ({}): hooks {:?}, grants {:?}, on failure {:?}, limits {:?}, quarantine {:?}",
                m.name,
                m.version,
                l.folder.display(),
                m.hooks,
                m.grants,
                m.on_failure,
                m.limits,
                m.quarantine
            )
        })
        .collect())
}
