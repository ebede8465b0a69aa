//! Assembling a server: database, capabilities, runtime and HTTP state, from
//! the settings the command line (or a benchmark, or an embedder) gives.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};

use crate::auth::Auth;
use crate::bindings::api;
use crate::capabilities::directory::SqliteDirectory;
use crate::capabilities::events::Outbox;
use crate::capabilities::hooks::{Hooks, NoHooks};
use crate::capabilities::store::SqliteStore;
use crate::db::{Db, sqlite_path};
use crate::extensions::Extensions;
use crate::http::{self, App};
use crate::maintenance;
use crate::runtime::{self, Capabilities, Limits, Runtime};

/// What a server needs to start; the command line fills it from flags.
#[derive(Debug, Clone)]
pub struct Config {
    /// `sqlite:PATH`.
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
    /// A folder of extensions to run (docs/extensions.md).
    pub extensions: Option<PathBuf>,
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
            extensions: None,
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

/// Opens the database, loads the component, warms the first instance and
/// brings stored index entries up to the component's index version.
pub fn build(cfg: &Config) -> Result<Arc<App>> {
    Ok(assemble(cfg)?.app)
}

/// [`build`], keeping hold of the loaded extensions (their `on-event`
/// deliveries start on the server's async runtime).
pub fn assemble(cfg: &Config) -> Result<Assembled> {
    let default_dialect = http::parse_dialect(&cfg.default_dialect)
        .with_context(|| format!("unknown dialect {:?}", cfg.default_dialect))?;
    let db = Arc::new(Db::open(&sqlite_path(&cfg.db)?)?);
    let directory = Arc::new(SqliteDirectory::new(db.clone()));
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
            Some(db.clone()),
            cfg.cache_dir.as_deref(),
        )?)),
        None => None,
    };
    let hooks: Arc<dyn Hooks> = match &extensions {
        Some(e) => e.clone(),
        None => Arc::new(NoHooks),
    };
    let caps = Capabilities {
        store: Arc::new(SqliteStore::new(db.clone())),
        directory: directory.clone(),
        hooks,
    };
    let runtime = Runtime::new(engine, &component, caps, settings, cfg.limits.clone())?;
    if cfg.reindex {
        maintenance::reindex(&runtime)?;
    } else {
        maintenance::reindex_if_stale(&runtime, &db)?;
    }
    let app = Arc::new(App {
        runtime,
        auth: Auth::new(db.clone()),
        directory,
        outbox: Outbox::new(db.clone()),
        default_dialect,
        db,
        metrics: crate::metrics::Metrics::default(),
        trust_proxy: cfg.trust_proxy,
        extensions: extensions.clone(),
    });
    Ok(Assembled { app, extensions })
}
