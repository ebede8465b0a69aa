//! Running one extension: its own wasmtime store per instance, on an engine
//! with fuel and epoch interruption (the core component's engine has
//! neither fuel nor these short deadlines), a memory cap, and only the
//! imports it was granted. No WASI is linked: an extension that imports any
//! is refused at load.
//!
//! Instances are reused between calls, like the core component's; a call
//! that fails in any way discards its instance.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use wasmtime::component::types::ComponentItem;
use wasmtime::component::{HasSelf, Linker};
use wasmtime::{
    Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store, StoreLimits,
    StoreLimitsBuilder, Trap,
};

use super::kv::Space;
use super::manifest::{Grant, Manifest};
use crate::bindings::extension::{Extension, ExtensionPre, hooks, kv, log, types};

/// Pool slots reserved per loaded extension.
const SLOTS_PER_EXTENSION: usize = 24;

/// Epoch granularity of extension deadlines.
const TICK: Duration = Duration::from_millis(1);

/// The interface every extension exports.
pub const HOOKS: &str = "contacts:extension/hooks@0.1.0";
/// Imports that need no grant.
const FREE: &[&str] = &["contacts:extension/types@0.1.0"];

/// The engine extensions run on, and the thread that advances its epoch.
pub struct Sandbox {
    engine: Engine,
    stop: Arc<AtomicBool>,
}

impl Sandbox {
    /// An engine for `extensions` extensions, none of which may grow its
    /// memory past `max_memory` bytes.
    ///
    /// Instances come from a pool of memory and table slots reserved once:
    /// an instance discarded after a failure is reset in place instead of
    /// unmapped, and a new one reuses the slot, so a stream of failing
    /// calls does not stall the other threads' memory operations.
    pub fn new(extensions: usize, max_memory: usize) -> Result<Sandbox> {
        // Instances alive at once per extension: the core's callers plus
        // the event delivery, with room to spare.
        let slots = (extensions.max(1) * SLOTS_PER_EXTENSION) as u32;
        let mut pool = PoolingAllocationConfig::default();
        pool.total_component_instances(slots)
            .total_core_instances(slots * 8)
            .total_memories(slots * 2)
            .total_tables(slots * 8)
            .total_stacks(slots)
            .max_memories_per_module(2)
            .max_tables_per_module(4)
            .table_elements(1 << 18)
            .max_memory_size(max_memory)
            .linear_memory_keep_resident(1 << 20)
            .table_keep_resident(1 << 16);
        let mut cfg = Config::new();
        cfg.wasm_component_model(true);
        cfg.consume_fuel(true);
        cfg.epoch_interruption(true);
        cfg.concurrency_support(false);
        cfg.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        let engine = Engine::new(&cfg)?;
        let stop = Arc::new(AtomicBool::new(false));
        {
            let engine = engine.clone();
            let stop = stop.clone();
            std::thread::Builder::new()
                .name("extension-epoch".into())
                .spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        std::thread::sleep(TICK);
                        engine.increment_epoch();
                    }
                })?;
        }
        Ok(Sandbox { engine, stop })
    }

    /// Compiles a component (or loads the machine code cached for it in
    /// `cache_dir`) and checks it against the manifest: the extension world,
    /// and no import beyond its grants.
    pub fn prepare(
        &self,
        manifest: &Manifest,
        wasm: &[u8],
        cache_dir: Option<&Path>,
    ) -> Result<ExtensionPre<State>> {
        let component = crate::runtime::load_component(&self.engine, wasm, cache_dir).context(
            "not a WebAssembly component; build it against wit/extension (world `extension`)",
        )?;
        let ty = component.component_type();
        for (name, _) in ty.imports(&self.engine) {
            if FREE.contains(&name) {
                continue;
            }
            match [Grant::Log, Grant::Kv]
                .into_iter()
                .find(|g| g.interface() == name)
            {
                Some(g) if manifest.granted(g) => {}
                Some(g) => bail!(
                    "it imports {name} but its manifest does not grant it: add \"{}\" to \"grants\", or stop using it",
                    g.name()
                ),
                None => bail!(
                    "it imports {name}, which no extension is given (extensions get only \
                     contacts:extension/log and kv; no WASI): build it for wasm32-unknown-unknown \
                     against wit/extension, or remove what uses {name}"
                ),
            }
        }
        let exports_hooks = ty.exports(&self.engine).any(|(name, item)| {
            name == HOOKS && matches!(item.ty, ComponentItem::ComponentInstance(_))
        });
        if !exports_hooks {
            bail!(
                "it does not export {HOOKS}: build it against wit/extension (world `extension`, version 0.1.0)"
            );
        }
        let mut linker = Linker::<State>::new(&self.engine);
        Extension::add_to_linker::<_, HasSelf<State>>(&mut linker, |s| s)?;
        let pre = linker
            .instantiate_pre(&component)
            .and_then(ExtensionPre::new)
            .map_err(anyhow::Error::from)
            .context("its imports or exports do not match the world contacts:extension@0.1.0")?;
        Ok(pre)
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Per-instance host state: the extension's grants and its memory cap.
pub struct State {
    name: String,
    limits: StoreLimits,
    kv: Option<Space>,
    log: bool,
}

impl types::Host for State {}

impl log::Host for State {
    fn log(&mut self, level: log::Level, message: String) -> Result<()> {
        if !self.log {
            bail!("log is not granted");
        }
        let mut message = message;
        if message.len() > 2048 {
            let mut end = 2048;
            while !message.is_char_boundary(end) {
                end -= 1;
            }
            message.truncate(end);
            message.push('…');
        }
        let name = &self.name;
        match level {
            log::Level::Debug => tracing::debug!(target: "extension", "{name}: {message}"),
            log::Level::Info => tracing::info!(target: "extension", "{name}: {message}"),
            log::Level::Warn => tracing::warn!(target: "extension", "{name}: {message}"),
            log::Level::Error => tracing::error!(target: "extension", "{name}: {message}"),
        }
        Ok(())
    }
}

impl State {
    fn kv(&self) -> Result<&Space> {
        self.kv.as_ref().ok_or_else(|| anyhow!("kv is not granted"))
    }
}

impl kv::Host for State {
    fn get(&mut self, key: String) -> Result<Option<String>> {
        self.kv()?.get(&key)
    }

    fn set(&mut self, key: String, value: String) -> Result<Result<(), String>> {
        self.kv()?.set(&key, &value)
    }

    fn delete(&mut self, key: String) -> Result<()> {
        self.kv()?.delete(&key)
    }

    fn keys(&mut self, prefix: String, limit: u32) -> Result<Vec<String>> {
        self.kv()?.keys(&prefix, limit)
    }
}

struct Warm {
    store: Store<State>,
    bindings: Extension,
}

/// One loaded extension's compiled code and idle instances.
pub struct Runner {
    engine: Engine,
    pre: ExtensionPre<State>,
    manifest: Manifest,
    kv: Option<Space>,
    idle: Mutex<Vec<Warm>>,
}

impl Runner {
    pub fn new(
        sandbox: &Sandbox,
        pre: ExtensionPre<State>,
        manifest: Manifest,
        kv: Option<Space>,
    ) -> Runner {
        Runner {
            engine: sandbox.engine.clone(),
            pre,
            manifest,
            kv,
            idle: Mutex::new(Vec::new()),
        }
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    fn arm(&self, store: &mut Store<State>) -> wasmtime::Result<()> {
        let limits = &self.manifest.limits;
        store.set_fuel(limits.fuel)?;
        let ticks = (limits.deadline_ms / TICK.as_millis() as u64).max(1);
        store.set_epoch_deadline(ticks);
        Ok(())
    }

    fn instantiate(&self) -> wasmtime::Result<Warm> {
        let state = State {
            name: self.manifest.name.clone(),
            limits: StoreLimitsBuilder::new()
                .memory_size(self.manifest.limits.memory_bytes())
                .instances(32)
                .tables(32)
                .memories(8)
                .trap_on_grow_failure(true)
                .build(),
            kv: self.kv.clone(),
            log: self.manifest.granted(Grant::Log),
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limits);
        self.arm(&mut store)?;
        let bindings = self.pre.instantiate(&mut store)?;
        Ok(Warm { store, bindings })
    }

    /// Starts one instance (under the call limits) and keeps it warm: an
    /// extension that cannot start is refused at load, not on a request.
    pub fn warm_up(&self) -> Result<(), String> {
        let warm = self.instantiate().map_err(|e| self.explain(&e))?;
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(warm);
        }
        Ok(())
    }

    /// Runs one hook on a warm instance, under the manifest's limits. `Err`
    /// says, for a person, why the extension failed; its instance is gone.
    pub fn call<T>(
        &self,
        f: impl FnOnce(&hooks::Guest, &mut Store<State>) -> wasmtime::Result<T>,
    ) -> Result<T, String> {
        let idle = self.idle.lock().ok().and_then(|mut v| v.pop());
        let mut warm = match idle {
            Some(w) => w,
            None => self
                .instantiate()
                .map_err(|e| self.explain(&e.context("starting it")))?,
        };
        self.arm(&mut warm.store).map_err(|e| self.explain(&e))?;
        let result = f(warm.bindings.contacts_extension_hooks(), &mut warm.store);
        match result {
            Ok(value) => {
                if let Ok(mut idle) = self.idle.lock() {
                    idle.push(warm);
                }
                Ok(value)
            }
            Err(e) => Err(self.explain(&e)),
        }
    }

    /// A failure in words: which limit it hit, or what trapped.
    fn explain(&self, e: &wasmtime::Error) -> String {
        let limits = &self.manifest.limits;
        match e.downcast_ref::<Trap>() {
            Some(Trap::OutOfFuel) => format!("it used up its fuel ({} units)", limits.fuel),
            Some(Trap::Interrupt) => {
                format!("it ran past its deadline ({} ms)", limits.deadline_ms)
            }
            _ if format!("{e:#}").contains("growing memory") => {
                format!("it went over its memory limit ({} KiB)", limits.memory_kib)
            }
            Some(trap) => format!("it trapped ({trap})"),
            None => format!("it failed ({e:#})"),
        }
    }
}
