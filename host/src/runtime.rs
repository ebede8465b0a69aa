//! The wasmtime side: engine configuration, the compiled-component cache, and
//! a pool of warm instances that every API call runs in.
//!
//! Instance strategy: instances are reused. A fresh instance pays about 70 ms
//! for `phonenumber`'s lazily built metadata, while a call on a warm instance
//! costs microseconds (see docs/benchmarks.md). The guest keeps no
//! per-request state, so reuse is safe. A trap (a guest panic, a memory-limit
//! breach, a deadline overrun, a failed capability) discards that instance
//! only; the request fails and the pool makes a new instance on demand.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use anyhow::{Context as _, Result, anyhow};
use sha2::{Digest, Sha256};
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Config, Engine, Store, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::bindings::{Contacts, ContactsPre, api};
use crate::capabilities::directory::{self, Directory, host::DirectoryView};
use crate::capabilities::hooks::{self, Hooks, HooksView};
use crate::capabilities::store::{self, DocumentStore, backoff::Backoff, host::StoreView};

/// How often the epoch advances; deadlines are counted in these ticks.
const TICK: Duration = Duration::from_millis(10);

/// Budget for creating an instance: `configure` builds the phone metadata
/// (about 70 ms), which a short per-call deadline must not cut off.
const STARTUP_DEADLINE: Duration = Duration::from_secs(30);

/// The backends the component's imports are served from.
#[derive(Clone)]
pub struct Capabilities {
    pub store: Arc<dyn DocumentStore>,
    pub directory: Arc<dyn Directory>,
    /// The extensions run inside create and update (`NoHooks`: none).
    pub hooks: Arc<dyn Hooks>,
}

#[derive(Debug, Clone)]
pub struct Limits {
    /// Linear memory one instance may grow to.
    pub memory: usize,
    /// Wall-clock budget of one call.
    pub deadline: Duration,
    /// Instances alive at once; callers beyond it wait for a free one.
    pub max_instances: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Limits {
            memory: 256 << 20,
            deadline: Duration::from_secs(10),
            max_instances: (2 * cores).max(4),
        }
    }
}

/// Per-instance host state.
pub struct State {
    wasi: WasiCtx,
    table: ResourceTable,
    limits: StoreLimits,
    caps: Capabilities,
    /// The stale commits of the current call: how long the next one waits.
    backoff: Backoff,
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

struct Warm {
    store: Store<State>,
    contacts: Contacts,
}

#[derive(Default)]
struct Pool {
    idle: Vec<Warm>,
    live: usize,
    created: u64,
    discarded: u64,
}

/// What the pool has done so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    pub idle: usize,
    pub live: usize,
    /// Instances created since start.
    pub created: u64,
    /// Instances dropped after a trap.
    pub discarded: u64,
    /// API calls made since start, trapped ones included.
    pub calls: u64,
}

/// The compiled component and its warm instances.
pub struct Runtime {
    engine: Engine,
    pre: ContactsPre<State>,
    caps: Capabilities,
    settings: api::Settings,
    limits: Limits,
    pool: Mutex<Pool>,
    calls: AtomicU64,
    freed: Condvar,
    ticker_stop: Arc<AtomicBool>,
}

/// A call failed inside wasm (a trap); the instance was discarded.
#[derive(Debug)]
pub struct Trap(pub anyhow::Error);

impl std::fmt::Display for Trap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "component trapped: {:#}", self.0)
    }
}

impl std::error::Error for Trap {}

pub fn engine() -> Result<Engine> {
    let mut cfg = Config::new();
    cfg.wasm_component_model(true);
    cfg.epoch_interruption(true);
    // Component-model async is not used; turning it off makes calls cheaper.
    cfg.concurrency_support(false);
    Ok(Engine::new(&cfg)?)
}

/// Compiles a component, or loads the machine code this host cached for the
/// same bytes, wasmtime version and engine settings.
pub fn load_component(engine: &Engine, wasm: &[u8], cache_dir: Option<&Path>) -> Result<Component> {
    let Some(dir) = cache_dir else {
        return Ok(Component::from_binary(engine, wasm)?);
    };
    let path = cache_path(engine, wasm, dir);
    if path.exists() {
        // SAFETY: the file was written by `Component::serialize` of this host
        // for the same engine configuration (its name hashes both), in a
        // directory the operator gives to this host alone.
        match unsafe { Component::deserialize_file(engine, &path) } {
            Ok(c) => return Ok(c),
            Err(e) => tracing::warn!("ignoring unusable compiled cache {}: {e:#}", path.display()),
        }
    }
    let component = Component::from_binary(engine, wasm)?;
    if let Err(e) = write_cache(&component, dir, &path) {
        tracing::warn!("could not cache compiled component: {e:#}");
    }
    Ok(component)
}

fn cache_path(engine: &Engine, wasm: &[u8], dir: &Path) -> PathBuf {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut h);
    let digest = Sha256::digest(wasm);
    let hex = crate::auth::hex(&digest[..12]);
    dir.join(format!("contacts-{hex}-{:016x}.cwasm", h.finish()))
}

fn write_cache(component: &Component, dir: &Path, path: &Path) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    let bytes = component.serialize()?;
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

impl Runtime {
    pub fn new(
        engine: Engine,
        component: &Component,
        caps: Capabilities,
        settings: api::Settings,
        limits: Limits,
    ) -> Result<Runtime> {
        let mut linker = Linker::<State>::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
        // Each import reaches only its own capability of the state.
        crate::capabilities::add_types_to_linker(&mut linker)?;
        store::host::add_to_linker(&mut linker, |s: &mut State| StoreView {
            store: &*s.caps.store,
            backoff: &mut s.backoff,
        })?;
        directory::host::add_to_linker(&mut linker, |s: &mut State| DirectoryView {
            directory: &*s.caps.directory,
        })?;
        hooks::add_to_linker(&mut linker, |s: &mut State| HooksView {
            hooks: &*s.caps.hooks,
        })?;
        let pre = ContactsPre::new(linker.instantiate_pre(component)?)?;
        let ticker_stop = Arc::new(AtomicBool::new(false));
        {
            let engine = engine.clone();
            let stop = ticker_stop.clone();
            std::thread::Builder::new()
                .name("epoch-ticker".into())
                .spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        std::thread::sleep(TICK);
                        engine.increment_epoch();
                    }
                })?;
        }
        let runtime = Runtime {
            engine,
            pre,
            caps,
            settings,
            limits,
            pool: Mutex::new(Pool::default()),
            calls: AtomicU64::new(0),
            freed: Condvar::new(),
            ticker_stop,
        };
        // Fail at start, not on the first request, if the component or the
        // settings are unusable; and keep that instance warm.
        let slot = runtime.acquire()?;
        debug_assert!(slot.is_none(), "a new pool has no idle instance");
        let warm = runtime.instantiate()?;
        runtime.release(Some(warm));
        Ok(runtime)
    }

    fn ticks(budget: Duration) -> u64 {
        (budget.as_millis() / TICK.as_millis()).max(1) as u64
    }

    fn instantiate(&self) -> Result<Warm> {
        let state = State {
            wasi: WasiCtx::builder().build(),
            table: ResourceTable::new(),
            limits: StoreLimitsBuilder::new()
                .memory_size(self.limits.memory)
                .instances(4)
                .build(),
            caps: self.caps.clone(),
            backoff: Backoff::default(),
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limits);
        store.set_epoch_deadline(Self::ticks(STARTUP_DEADLINE.max(self.limits.deadline)));
        let contacts = self.pre.instantiate(&mut store)?;
        contacts
            .contacts_core_api()
            .call_configure(&mut store, &self.settings)?
            .map_err(|e| anyhow!("the component refused its settings: {e}"))?;
        self.count(|p| p.created += 1);
        Ok(Warm { store, contacts })
    }

    /// Takes an idle instance, or the right to create one.
    fn acquire(&self) -> Result<Option<Warm>> {
        let mut pool = self
            .pool
            .lock()
            .map_err(|_| anyhow!("instance pool poisoned"))?;
        loop {
            if let Some(w) = pool.idle.pop() {
                return Ok(Some(w));
            }
            if pool.live < self.limits.max_instances {
                pool.live += 1;
                return Ok(None);
            }
            pool = self
                .freed
                .wait(pool)
                .map_err(|_| anyhow!("instance pool poisoned"))?;
        }
    }

    /// Returns an instance to the pool, or gives up its slot.
    fn release(&self, warm: Option<Warm>) {
        if let Ok(mut pool) = self.pool.lock() {
            match warm {
                Some(w) => pool.idle.push(w),
                None => pool.live = pool.live.saturating_sub(1),
            }
        }
        self.freed.notify_one();
    }

    pub fn stats(&self) -> PoolStats {
        let calls = self.calls.load(Ordering::Relaxed);
        match self.pool.lock() {
            Ok(p) => PoolStats {
                idle: p.idle.len(),
                live: p.live,
                created: p.created,
                discarded: p.discarded,
                calls,
            },
            Err(_) => PoolStats {
                idle: 0,
                live: 0,
                created: 0,
                discarded: 0,
                calls,
            },
        }
    }

    fn count(&self, f: impl FnOnce(&mut Pool)) {
        if let Ok(mut p) = self.pool.lock() {
            f(&mut p);
        }
    }

    /// Runs one API call on a warm instance. `Err` is a trap or a failure to
    /// instantiate; the guest's own errors come back inside `Ok`.
    pub fn call<T>(
        &self,
        f: impl FnOnce(&api::Guest, &mut Store<State>) -> wasmtime::Result<T>,
    ) -> Result<T> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        let mut warm = match self.acquire()? {
            Some(w) => w,
            None => match self.instantiate() {
                Ok(w) => w,
                Err(e) => {
                    self.release(None);
                    return Err(e.context("instantiating the component"));
                }
            },
        };
        warm.store
            .set_epoch_deadline(Self::ticks(self.limits.deadline));
        warm.store.data_mut().backoff.reset();
        let result = f(warm.contacts.contacts_core_api(), &mut warm.store);
        match result {
            Ok(value) => {
                self.release(Some(warm));
                Ok(value)
            }
            Err(e) => {
                // The instance may be in any state after a trap: drop it.
                drop(warm);
                self.count(|p| p.discarded += 1);
                self.release(None);
                Err(anyhow::Error::new(Trap(e.into())))
            }
        }
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.ticker_stop.store(true, Ordering::Relaxed);
    }
}

/// Loads the component bytes: a given path, or the build embedded in the binary.
pub fn component_bytes(path: Option<&Path>) -> Result<std::borrow::Cow<'static, [u8]>> {
    match path {
        Some(p) => Ok(std::fs::read(p)
            .with_context(|| format!("reading component {}", p.display()))?
            .into()),
        None => Ok(EMBEDDED.into()),
    }
}

/// The component built from `guest/` by `build.rs`.
pub static EMBEDDED: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/contacts_guest.wasm"));
