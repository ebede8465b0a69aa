//! What operators reach without a token: the landing page at `/`, liveness
//! (`/healthz`), readiness (`/readyz`), the numbers to monitor (`/metrics`),
//! and the middleware that counts and logs every request.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use serde_json::json;

use super::Shared;
use crate::bindings::types::Dialect;
use crate::capabilities::events::subscription::Subscriber;
use crate::metrics::{Gauge, resident_bytes};

/// The dialect a request was served in, once authentication has chosen it:
/// the request-counting middleware reads it after the handler ran.
/// A route of one dialect only sets it again over the token's choice.
#[derive(Clone, Default)]
pub struct SeenDialect(Arc<Mutex<Option<Dialect>>>);

impl SeenDialect {
    pub fn set(&self, dialect: Dialect) {
        if let Ok(mut d) = self.0.lock() {
            *d = Some(dialect);
        }
    }

    fn name(&self) -> &'static str {
        self.0
            .lock()
            .ok()
            .and_then(|d| *d)
            .map_or("none", Dialect::name)
    }
}

/// Counts, times and logs every request by its route pattern, method,
/// dialect and status.
pub async fn track(State(app): State<Shared>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    let method = req.method().as_str().to_owned();
    let seen = SeenDialect::default();
    req.extensions_mut().insert(seen.clone());
    let resp = next.run(req).await;
    let took = started.elapsed();
    let status = resp.status().as_u16();
    let dialect = seen.name();
    app.metrics.record(&route, &method, dialect, status, took);
    tracing::info!(
        target: "contacts_host::access",
        method = method.as_str(),
        route = route.as_str(),
        status,
        dialect,
        micros = took.as_micros() as u64,
        "request"
    );
    resp
}

/// The process is up and answering.
pub(super) async fn healthz() -> Response {
    (StatusCode::OK, "ok\n").into_response()
}

/// The database answers and the component runs: send traffic here.
pub(super) async fn readyz(State(app): State<Shared>) -> Response {
    let app2 = app.clone();
    let check = tokio::task::spawn_blocking(move || -> anyhow::Result<u32> {
        app2.backend.health.ping()?;
        app2.runtime.call(|api, s| api.call_index_version(s))
    })
    .await;
    match check {
        Ok(Ok(index_version)) => {
            axum::Json(json!({"status": "ready", "index_version": index_version})).into_response()
        }
        Ok(Err(e)) => unready(&format!("{e:#}")),
        Err(e) => unready(&e.to_string()),
    }
}

fn unready(reason: &str) -> Response {
    tracing::warn!("not ready: {reason}");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        axum::Json(json!({"status": "unavailable", "reason": reason})),
    )
        .into_response()
}

pub(super) async fn metrics(State(app): State<Shared>) -> Response {
    let app2 = app.clone();
    let figures = tokio::task::spawn_blocking(move || {
        let sizes = app2.backend.health.sizes();
        let last_seq = app2.backend.outbox.last_seq().ok();
        let cursors = app2
            .backend
            .cursors
            .list(Subscriber::Webhook)
            .unwrap_or_default();
        (sizes, last_seq, cursors)
    })
    .await;
    let Ok((sizes, last_seq, cursors)) = figures else {
        return (StatusCode::SERVICE_UNAVAILABLE, "metrics unavailable\n").into_response();
    };
    let pool = app.runtime.stats();
    let one = |v: f64| vec![(Vec::new(), v)];
    let mut gauges = vec![
        Gauge {
            name: "contacts_component_calls_total",
            help: "Calls into the contacts component.",
            kind: "counter",
            series: one(pool.calls as f64),
        },
        Gauge {
            name: "contacts_component_traps_total",
            help: "Calls that trapped; each trap discards its instance and fails one request.",
            kind: "counter",
            series: one(pool.discarded as f64),
        },
        Gauge {
            name: "contacts_component_instances_created_total",
            help: "Component instances created since start.",
            kind: "counter",
            series: one(pool.created as f64),
        },
        Gauge {
            name: "contacts_component_instances",
            help: "Component instances in the pool: live ones, and the idle among them.",
            kind: "gauge",
            series: vec![
                (vec![("state", "live".to_owned())], pool.live as f64),
                (vec![("state", "idle".to_owned())], pool.idle as f64),
            ],
        },
        Gauge {
            name: "contacts_store_file_bytes",
            help: "Size of the database's files.",
            kind: "gauge",
            series: sizes
                .iter()
                .map(|(part, bytes)| (vec![("file", (*part).to_owned())], *bytes as f64))
                .collect(),
        },
    ];
    if let Some(bytes) = resident_bytes() {
        gauges.push(Gauge {
            name: "process_resident_memory_bytes",
            help: "Resident memory of this server process.",
            kind: "gauge",
            series: one(bytes as f64),
        });
    }
    if let Some(extensions) = &app.extensions {
        gauges.extend(extension_gauges(&extensions.stats()));
    }
    if let Some(seq) = last_seq {
        gauges.push(Gauge {
            name: "contacts_outbox_last_seq",
            help: "Sequence number of the newest event in the outbox.",
            kind: "gauge",
            series: one(seq as f64),
        });
        gauges.push(Gauge {
            name: "contacts_webhook_lag_events",
            help: "Events of the outbox a webhook endpoint has not acknowledged yet.",
            kind: "gauge",
            series: cursors
                .iter()
                .map(|c| {
                    (
                        vec![("endpoint", c.key.clone())],
                        seq.saturating_sub(c.after_seq) as f64,
                    )
                })
                .collect(),
        });
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        app.metrics.render(&gauges),
    )
        .into_response()
}

/// Each extension's calls, failures and quarantines (docs/extensions.md).
fn extension_gauges(stats: &[crate::extensions::Stats]) -> Vec<Gauge<'static>> {
    type Value = fn(&crate::extensions::Stats) -> f64;
    let table: [(&str, &str, &str, Value); 5] = [
        (
            "contacts_extension_calls_total",
            "Hook calls asked of each extension, unrun ones included.",
            "counter",
            |s| s.calls as f64,
        ),
        (
            "contacts_extension_failures_total",
            "Calls that trapped, used up a budget, answered too much or found it busy.",
            "counter",
            |s| s.failures as f64,
        ),
        (
            "contacts_extension_unrun_total",
            "Calls answered by the failure policy without running it, while quarantined.",
            "counter",
            |s| s.unrun as f64,
        ),
        (
            "contacts_extension_quarantines_total",
            "Times each extension was quarantined after repeated failures.",
            "counter",
            |s| s.quarantines as f64,
        ),
        (
            "contacts_extension_quarantined",
            "1 while an extension is quarantined.",
            "gauge",
            |s| f64::from(u8::from(s.quarantined)),
        ),
    ];
    table
        .into_iter()
        .map(|(name, help, kind, value)| Gauge {
            name,
            help,
            kind,
            series: stats
                .iter()
                .map(|s| (vec![("extension", s.name.clone())], value(s)))
                .collect(),
        })
        .collect()
}

/// A first page for whoever opens the server's address in a browser.
pub(super) async fn landing() -> Html<&'static str> {
    Html(LANDING)
}

const LANDING: &str = r#"<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Contacts engine</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem}code,pre{background:#f3f3f3;padding:.1rem .3rem}pre{padding:.6rem;overflow:auto}</style>
</head>
<body>
<h1>Contacts engine</h1>
<p>This server speaks three contacts APIs over one store: <strong>BlueRockTEL</strong> and
<strong>HelperIQ</strong> under <code>/api/v1/contacts</code>, <strong>RelateCRM</strong> under
<code>/api/contacts</code>. Every API call needs a bearer token.</p>
<p><a href="/console"><strong>Open the console</strong></a>: search, caller-ID tester, contacts.
API documents (OpenAPI 3.1): <a href="/openapi/bluerocktel.json">BlueRockTEL</a> ·
<a href="/openapi/helperiq.json">HelperIQ</a> · <a href="/openapi/relatecrm.json">RelateCRM</a> ·
<a href="/openapi/platform.json">platform and operations</a>.</p>
<h2>Get a token</h2>
<pre>contacts-host token create --db sqlite:./contacts.db --name "First Agent"</pre>
<p>The token is the last line it prints. Then:</p>
<pre>curl -H "Authorization: Bearer $TOKEN" http://HOST/api/v1/agents/me</pre>
<h2>Operations</h2>
<ul>
<li><a href="/healthz">/healthz</a>: the process answers</li>
<li><a href="/readyz">/readyz</a>: the database and the component answer</li>
<li><a href="/metrics">/metrics</a>: Prometheus figures</li>
</ul>
</body>
</html>
"#;
