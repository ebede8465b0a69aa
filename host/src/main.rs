//! `contacts-host`: the reference server for the contacts component, and the
//! command line operators use to run it and to create agents' tokens (spec §8).

use std::io::BufRead;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use sha2::{Digest, Sha256};

use contacts_host::auth::{Auth, NewAgent, parse_scopes};
use contacts_host::http;
use contacts_host::runtime::Limits;
use contacts_host::{extensions, listen, maintenance, server, transfer, webhooks};

#[derive(Parser)]
#[command(
    name = "contacts-host",
    version,
    about = "Contacts engine server (WebAssembly component on wasmtime)"
)]
struct Cli {
    /// Log lines as text for a terminal, or as JSON objects for a collector.
    #[arg(
        long,
        global = true,
        env = "CONTACTS_LOG_FORMAT",
        default_value = "text"
    )]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the contacts APIs over HTTP.
    Serve(ServeArgs),
    /// Manage agents' bearer tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Work with extensions (docs/extensions.md).
    Extensions {
        #[command(subcommand)]
        command: ExtensionsCommand,
    },
    /// Recompute the index entries of every stored document, then exit.
    /// `serve` does this by itself when the component's index version
    /// changed; this forces it (say, after restoring a backup).
    Reindex(ReindexArgs),
    /// Copy a SQLite database into a new, empty PostgreSQL database
    /// (documents, index entries, directory, agents and tokens, outbox,
    /// cursors, extensions' data), in one transaction. Stop the servers first.
    MigrateStore {
        /// The SQLite database: sqlite:PATH.
        #[arg(long)]
        from: String,
        /// The PostgreSQL database: postgres://user@host:port/database.
        #[arg(long)]
        to: String,
    },
    /// Import contacts from a CSV, JSON Lines or vCard file; every row goes
    /// through the component's rules (README: "Import and export").
    Import(ImportArgs),
    /// Write contacts as CSV, JSON Lines or vCard 4.0, to standard output or a file.
    Export(ExportArgs),
}

/// The settings the component runs under: `serve`, `import` and `export` share them.
#[derive(Args)]
struct EngineArgs {
    #[command(flatten)]
    db: DbArg,
    /// Region for numbers written without a country code (ISO 3166 alpha-2).
    #[arg(long, env = "CONTACTS_REGION", default_value = "FR")]
    region: String,
    /// Defined custom fields (comma-separated `cf_*` names).
    #[arg(long, env = "CONTACTS_CUSTOM_FIELDS", default_value = "")]
    custom_fields: String,
    /// Run this component build instead of the one built into the binary.
    #[arg(long, env = "CONTACTS_COMPONENT")]
    component: Option<PathBuf>,
    /// Where compiled machine code is cached across starts.
    #[arg(long, env = "CONTACTS_CACHE_DIR")]
    cache_dir: Option<PathBuf>,
    /// Run the extensions of this folder, one subfolder each (docs/extensions.md).
    #[arg(long, env = "CONTACTS_EXTENSIONS")]
    extensions: Option<PathBuf>,
}

impl EngineArgs {
    fn build(self) -> Result<Arc<http::App>> {
        self.build_with(false)
    }

    /// `id_blocks`: the store hands out ids from reserved blocks (an import).
    fn build_with(self, id_blocks: bool) -> Result<Arc<http::App>> {
        server::build(&server::Config {
            id_blocks,
            ..self.config()
        })
    }

    /// The server's configuration with these settings, the rest at defaults.
    fn config(&self) -> server::Config {
        server::Config {
            db: self.db.db.clone(),
            region: self.region.clone(),
            custom_fields: list(&self.custom_fields),
            component: self.component.clone(),
            cache_dir: self.cache_dir.clone().or_else(server::default_cache_dir),
            extensions: self.extensions.clone(),
            ..server::Config::default()
        }
    }
}

#[derive(Args)]
struct ImportArgs {
    /// The file to import.
    file: PathBuf,
    /// Its format; guessed from the extension (.csv, .jsonl, .vcf) otherwise.
    #[arg(long, value_enum)]
    format: Option<transfer::Format>,
    /// What to do with a row whose email or phone another contact holds.
    #[arg(long, value_enum, default_value = "skip")]
    on_duplicate: transfer::OnDuplicate,
    /// Read a column as a field: `--map "Cell number=mobile_phone"` (repeatable).
    #[arg(long = "map", value_name = "COLUMN=FIELD")]
    maps: Vec<String>,
    /// Where refused rows go, with their line and reason (default FILE.rejects.csv).
    #[arg(long)]
    rejects: Option<PathBuf>,
    /// Rows per batch; each batch is one commit.
    #[arg(long, default_value_t = transfer::DEFAULT_BATCH)]
    batch: usize,
    /// The owner (`customer:12`) of rows that name none.
    #[arg(long)]
    owner: Option<String>,
    /// Batches run at once: 2 checks a batch while the previous one commits,
    /// on a second core (batches still commit in file order). On SQLite the
    /// write-ahead log may then outgrow its bound until the import ends.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=2))]
    workers: u64,
    #[command(flatten)]
    engine: EngineArgs,
}

#[derive(Args)]
struct ExportArgs {
    #[arg(long, value_enum, default_value = "csv")]
    format: transfer::Format,
    /// Only this owner's contacts: `customer:12`, `prospect:3`.
    #[arg(long)]
    owner: Option<String>,
    /// Only contacts updated at or after this RFC 3339 time.
    #[arg(long)]
    updated_since: Option<String>,
    /// Write here instead of standard output.
    #[arg(long)]
    output: Option<PathBuf>,
    #[command(flatten)]
    engine: EngineArgs,
}

#[derive(Args)]
struct ReindexArgs {
    #[command(flatten)]
    db: DbArg,
    /// Run this component build instead of the one built into the binary.
    #[arg(long, env = "CONTACTS_COMPONENT")]
    component: Option<PathBuf>,
    /// Where compiled machine code is cached across starts.
    #[arg(long, env = "CONTACTS_CACHE_DIR")]
    cache_dir: Option<PathBuf>,
}

#[derive(Subcommand)]
enum ExtensionsCommand {
    /// Load every extension of a folder as `serve --extensions` would, and
    /// say what loaded or what to fix, without starting a server.
    Check {
        /// One subfolder per extension: its extension.json and its .wasm.
        dir: PathBuf,
        /// Where compiled machine code is cached across starts.
        #[arg(long, env = "CONTACTS_CACHE_DIR")]
        cache_dir: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create an agent and print its new bearer token on the last line.
    Create(TokenArgs),
}

#[derive(Args)]
struct DbArg {
    /// Database URL: sqlite:PATH (or a bare path); the scheme picks the backend.
    #[arg(long, env = "CONTACTS_DB", default_value = "sqlite:./contacts.db")]
    db: String,
}

#[derive(Args)]
struct ServeArgs {
    #[arg(long, env = "CONTACTS_LISTEN", default_value = "127.0.0.1:8080")]
    listen: String,
    #[command(flatten)]
    engine: EngineArgs,
    /// Dialect of shared routes when neither the header nor the token says.
    #[arg(long, env = "CONTACTS_DEFAULT_DIALECT", default_value = "bluerocktel")]
    default_dialect: String,
    /// Free-mail domains (comma-separated) that never group coworkers; replaces the built-in list.
    #[arg(long, env = "CONTACTS_FREE_MAIL_DOMAINS")]
    free_mail_domains: Option<String>,
    /// Memory one component instance may use, in MiB.
    #[arg(long, env = "CONTACTS_MEMORY_MIB", default_value_t = 256)]
    memory_mib: usize,
    /// Time one call may run, in milliseconds.
    #[arg(long, env = "CONTACTS_DEADLINE_MS", default_value_t = 10_000)]
    deadline_ms: u64,
    /// Component instances alive at once (default: twice the cores, at least
    /// 4); requests beyond them wait for a free one.
    #[arg(long, env = "CONTACTS_INSTANCES", value_parser = clap::value_parser!(u16).range(1..=1024))]
    instances: Option<u16>,
    /// Webhooks that receive every event, in order (comma-separated http:// URLs).
    #[arg(long, env = "CONTACTS_WEBHOOKS", default_value = "")]
    webhooks: String,
    /// Signs each webhook body: `X-Contacts-Signature: sha256=<HMAC-SHA256 hex>`.
    #[arg(long, env = "CONTACTS_WEBHOOK_SECRET")]
    webhook_secret: Option<String>,
    /// Believe the X-Forwarded-Host and -Proto headers (only behind a proxy
    /// that sets them): they build the absolute URLs of answers.
    #[arg(long, env = "CONTACTS_TRUST_PROXY")]
    trust_proxy: bool,
    /// Connections open at once; past it, a new one gets 503 and is closed.
    #[arg(long, env = "CONTACTS_MAX_CONNECTIONS", default_value_t = 512)]
    max_connections: u32,
    /// Milliseconds a client has to send a request's headers, and that a
    /// keep-alive connection may stay idle.
    #[arg(long, env = "CONTACTS_HEADER_TIMEOUT_MS", default_value_t = 10_000)]
    header_timeout_ms: u64,
    /// Requests per token: N/s, N/m or off. Default: off on a loopback
    /// address, 20/s on any other.
    #[arg(long, env = "CONTACTS_RATE_LIMIT")]
    rate_limit: Option<String>,
    /// Requests a quiet token may send at once (default: the N of --rate-limit).
    #[arg(long, env = "CONTACTS_RATE_BURST")]
    rate_burst: Option<u32>,
    /// Hours an event stays in the outbox once every webhook and extension
    /// has acknowledged it (`GET /api/v1/events` clients read it meanwhile).
    #[arg(long, env = "CONTACTS_OUTBOX_RETENTION_HOURS", default_value_t = 168)]
    outbox_retention_hours: u64,
}

#[derive(Args)]
struct TokenArgs {
    #[command(flatten)]
    db: DbArg,
    /// The agent's name: "First Last".
    #[arg(long)]
    name: String,
    /// Comma-separated scopes; none means every scope.
    #[arg(long, default_value = "")]
    scopes: String,
    /// The dialect this token's integration speaks.
    #[arg(long)]
    dialect: Option<String>,
    /// Lets the agent log in with POST /api/login.
    #[arg(long)]
    email: Option<String>,
    /// Read the password from the first line of standard input.
    #[arg(long, requires = "email")]
    password_stdin: bool,
}

fn main() -> Result<()> {
    // Computed once per process; clap keeps it for the process's life.
    let version: &'static str = Box::leak(version_line().into_boxed_str());
    let matches = Cli::command().version(version).get_matches();
    let cli = Cli::from_arg_matches(&matches)?;
    let logs = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "contacts_host=info".into()),
        )
        .with_writer(std::io::stderr);
    match cli.log_format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().flatten_event(true).init(),
    }
    match cli.command {
        Command::Serve(args) => serve(args),
        Command::Token {
            command: TokenCommand::Create(args),
        } => create_token(args),
        Command::Extensions {
            command: ExtensionsCommand::Check { dir, cache_dir },
        } => {
            let cache_dir = cache_dir.or_else(server::default_cache_dir);
            let loaded = extensions::check(&dir, cache_dir.as_deref())?;
            for line in &loaded {
                println!("{line}");
            }
            println!("{} extension(s) ok in {}", loaded.len(), dir.display());
            Ok(())
        }
        Command::MigrateStore { from, to } => {
            let copied = contacts_host::backends::postgres::migrate::from_sqlite(&from, &to)?;
            for (table, rows) in copied {
                println!("{table}: {rows} rows");
            }
            println!("migrated {from} to {to}");
            Ok(())
        }
        Command::Reindex(args) => {
            server::build(&server::Config {
                db: args.db.db,
                component: args.component,
                cache_dir: args.cache_dir.or_else(server::default_cache_dir),
                reindex: true,
                ..server::Config::default()
            })?;
            println!("reindexed");
            Ok(())
        }
        Command::Import(args) => {
            let app = args.engine.build_with(true)?;
            let summary = transfer::import(
                &app.runtime,
                &transfer::ImportOptions {
                    file: args.file,
                    format: args.format,
                    on_duplicate: args.on_duplicate,
                    maps: args.maps,
                    rejects: args.rejects,
                    batch: args.batch,
                    owner: args.owner,
                    workers: args.workers as usize,
                },
            )?;
            if summary.read == 0 {
                eprintln!("the file holds no rows");
            }
            Ok(())
        }
        Command::Export(args) => {
            let app = args.engine.build()?;
            let written = transfer::export(
                &app.runtime,
                &transfer::ExportOptions {
                    format: args.format,
                    owner: args.owner,
                    updated_since: args.updated_since,
                    output: args.output,
                },
            )?;
            eprintln!("exported {written} contacts");
            Ok(())
        }
    }
}

/// `--version`: this binary's version and the component it carries, so an
/// operator can tell which rules a server runs.
fn version_line() -> String {
    let wit = include_str!("../../wit/contacts.wit");
    let package = wit
        .lines()
        .find_map(|l| l.trim().strip_prefix("package "))
        .map_or("contacts:core", |p| p.trim_end_matches(';'));
    let digest = Sha256::digest(contacts_host::runtime::EMBEDDED);
    format!(
        "{} (component {package}, sha256:{}, index v{})",
        env!("CARGO_PKG_VERSION"),
        &contacts_host::auth::hex(&digest)[..16],
        contacts_guest::index::VERSION,
    )
}

fn list(raw: &str) -> Vec<String> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn serve(args: ServeArgs) -> Result<()> {
    let started = Instant::now();
    let cfg = server::Config {
        default_dialect: args.default_dialect.clone(),
        free_mail_domains: args.free_mail_domains.as_deref().map(list),
        limits: {
            let default = Limits::default();
            Limits {
                memory: args.memory_mib << 20,
                deadline: std::time::Duration::from_millis(args.deadline_ms),
                max_instances: args.instances.map_or(default.max_instances, usize::from),
            }
        },
        reindex: false,
        trust_proxy: args.trust_proxy,
        rate_limit: http::ratelimit::RateLimit::effective(
            args.rate_limit.as_deref(),
            args.rate_burst,
            &args.listen,
        )
        .map_err(anyhow::Error::msg)?,
        ..args.engine.config()
    };
    let hooks = webhooks::Webhooks {
        urls: list(&args.webhooks),
        secret: args.webhook_secret.clone(),
    };
    webhooks::validate(&hooks.urls)?;
    let server::Assembled { app, extensions } = server::assemble(&cfg)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let (deliveries, reactions) = rt.block_on(async move {
        let deliveries = webhooks::start(&hooks, &app.backend.feed())?;
        let reactions = match &extensions {
            Some(e) => Some(extensions::events::start(e, &app.backend.feed())?),
            None => None,
        };
        tokio::spawn(maintenance::keep_outbox_pruned(
            app.backend.clone(),
            std::time::Duration::from_secs(args.outbox_retention_hours.saturating_mul(3600)),
        ));
        let listener = tokio::net::TcpListener::bind(&args.listen)
            .await
            .with_context(|| format!("binding {}", args.listen))?;
        let addr = listener.local_addr()?;
        // Asked before the address is announced: once it is, a client may
        // act on the database at once. Only a hint, so an error is not fatal.
        let no_agents = app.auth.has_agents().map_or_else(
            |e| {
                tracing::warn!("could not tell whether any agent exists: {e:#}");
                false
            },
            |has| !has,
        );
        tracing::info!("ready in {} ms", started.elapsed().as_millis());
        // Scripts and tests read the address from this line.
        println!("listening on http://{addr}");
        if no_agents {
            eprintln!(
                "\nNo agent can call this server yet. Create the first one and its token \
                 (the last line it prints):\n\n    contacts-host token create --db {} --name \"First Agent\"\n\n\
                 Then open http://{addr}/ to see what the server offers.\n",
                args.engine.db.db
            );
        }
        let limits = listen::Limits {
            max_connections: args.max_connections.max(1),
            header_timeout: std::time::Duration::from_millis(args.header_timeout_ms.max(1)),
        };
        listen::serve(listener, http::router(app), limits, shutdown()).await?;
        anyhow::Ok((deliveries, reactions))
    })?;
    // Stop the delivery tasks first, so none claims an endpoint again, then
    // hand the leases back: the next start delivers at once.
    rt.shutdown_timeout(std::time::Duration::from_secs(5));
    if let Some(r) = reactions {
        r.release()?;
    }
    deliveries.release()
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

fn create_token(args: TokenArgs) -> Result<()> {
    let scopes = parse_scopes(&args.scopes)?;
    let password = if args.password_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        let password = line.trim_end_matches(['\r', '\n']).to_owned();
        if password.is_empty() {
            bail!("--password-stdin read an empty password");
        }
        Some(password)
    } else {
        None
    };
    let backend = contacts_host::backends::open(&args.db.db)?;
    let auth = Auth::new(backend.accounts);
    let email = args.email.as_deref().map(str::trim);
    let (agent, token) = auth.create_agent(&NewAgent {
        name: &args.name,
        email,
        password: password.as_deref(),
        scopes,
        dialect: args.dialect.as_deref(),
    })?;
    println!(
        "agent {} ({} {}) scopes: {}",
        agent.id,
        agent.first_name,
        agent.last_name,
        if agent.scopes.is_empty() {
            "all".to_owned()
        } else {
            agent.scopes.join(",")
        }
    );
    println!("{token}");
    Ok(())
}
