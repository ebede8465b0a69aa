//! Assembling a server: storage backend, capabilities, runtime and HTTP
//! state, from the settings the command line (or a benchmark, or an
//! embedder) gives.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};

use crate::auth::Auth;
use crate::backends;
use crate::bindings::api;
use crate::capabilities::hooks::{Hooks, NoHooks};
use crate::extensions::Extensions;
use crate::http::{self, App};
use crate::maintenance;
use crate::runtime::{self, Capabilities, Limits, Runtime};

/// What a server needs to start; the command line fills it from flags.
#[derive(Debug, Clone)]
pub struct Config {
    /// The database URL (`sqlite:PATH`); its scheme picks the backend.
    pub db: String,
    pub region: String,
    pub default_dialect: String,
    /// None keeps the component's built-in free-mail list.
    pub free_mail_domains: Option<Vec<String>>,
    pub custom_fields: Vec<String>,
    /// Another build of the component instead of the embedded one.
    pub component: Option<PathBuf>,
    pub cache_dir: Option<PathBuf>,
    pub limits: Limits,
    /// Reindex every document at start, even when the index version matches.
    pub reindex: bool,
    /// Believe `X-Forwarded-Host` and `-Proto`.
    pub trust_proxy: bool,
    /// Requests per token (`--rate-limit`); none is unlimited.
    pub rate_limit: Option<crate::http::ratelimit::RateLimit>,
    /// A folder of extensions to run (docs/extensions.md).
    pub extensions: Option<PathBuf>,
    /// The store hands out ids from blocks it reserves (an import, see
    /// `transfer::store`), not one write per id.
    pub id_blocks: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            db: "sqlite:./contacts.db".to_owned(),
            region: "FR".to_owned(),
            default_dialect: "bluerocktel".to_owned(),
            free_mail_domains: None,
            custom_fields: Vec::new(),
            component: None,
            cache_dir: default_cache_dir(),
            limits: Limits::default(),
            reindex: false,
            trust_proxy: false,
            rate_limit: None,
            extensions: None,
            id_blocks: false,
        }
    }
}

/// `$XDG_CACHE_HOME/contacts-host`, or `~/.cache/contacts-host`.
pub fn default_cache_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(base.join("contacts-host"))
}

/// A built server: the HTTP state, and the extensions it runs, if any.
pub struct Assembled {
    pub app: Arc<App>,
    pub extensions: Option<Arc<Extensions>>,
}

/// Opens the backend, loads the component, warms the first instance and
/// brings stored index entries up to the component's index version.
pub fn build(cfg: &Config) -> Result<Arc<App>> {
    Ok(assemble(cfg)?.app)
}

/// [`build`], keeping hold of the loaded extensions (their `on-event`
/// deliveries start on the server's async runtime).
pub fn assemble(cfg: &Config) -> Result<Assembled> {
    let default_dialect = http::parse_dialect(&cfg.default_dialect)
        .with_context(|| format!("unknown dialect {:?}", cfg.default_dialect))?;
    let backend = backends::open(&cfg.db)?;
    let settings = api::Settings {
        default_region: cfg.region.trim().to_ascii_uppercase(),
        free_mail_domains: cfg.free_mail_domains.clone(),
        custom_fields: cfg.custom_fields.clone(),
    };
    let engine = runtime::engine()?;
    let wasm = runtime::component_bytes(cfg.component.as_deref())?;
    let component = runtime::load_component(&engine, &wasm, cfg.cache_dir.as_deref())?;
    let extensions = match &cfg.extensions {
        Some(dir) => Some(Arc::new(Extensions::load(
            dir,
            Some(backend.kv.clone()),
            cfg.cache_dir.as_deref(),
        )?)),
        None => None,
    };
    let hooks: Arc<dyn Hooks> = match &extensions {
        Some(e) => e.clone(),
        None => Arc::new(NoHooks),
    };
    let store: Arc<dyn crate::capabilities::store::DocumentStore> = if cfg.id_blocks {
        Arc::new(crate::transfer::store::ImportStore::new(
            backend.store.clone(),
        ))
    } else {
        backend.store.clone()
    };
    let caps = Capabilities {
        store,
        directory: backend.directory.clone(),
        hooks,
    };
    let runtime = Runtime::new(engine, &component, caps, settings, cfg.limits.clone())?;
    if cfg.reindex {
        maintenance::reindex(&runtime)?;
        maintenance::record_index_version(&runtime, backend.meta.as_ref())?;
    } else {
        maintenance::reindex_if_stale(&runtime, backend.meta.as_ref())?;
    }
    let app = Arc::new(App {
        runtime,
        auth: Auth::new(backend.accounts.clone()),
        default_dialect,
        backend,
        metrics: crate::metrics::Metrics::default(),
        trust_proxy: cfg.trust_proxy,
        rate_limit: cfg.rate_limit.map(crate::http::ratelimit::Limiter::new),
        extensions: extensions.clone(),
    });
    Ok(Assembled { app, extensions })
}
