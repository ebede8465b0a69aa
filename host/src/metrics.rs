//! Numbers to monitor (`/metrics`, Prometheus text format 0.0.4).
//!
//! Operators scrape one endpoint and see requests by route, dialect and
//! status with latency histograms, what the component did (calls, traps,
//! instances), and the figures of the store and the webhook cursors. The
//! counters are plain atomics and one short lock per request: no exporter
//! crate, nothing that costs a request more than a map update.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds: from a warm lookup
/// (well under a millisecond) to a deep RelateCRM scan.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

/// One series of `contacts_http_requests_total`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct RequestKey {
    route: String,
    method: String,
    dialect: &'static str,
    status: u16,
}

/// One latency histogram, per route and method.
#[derive(Debug, Default, Clone)]
struct Histogram {
    /// Counts per bucket, not cumulative (the text format sums them).
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64) {
        if let Some(i) = BUCKETS.iter().position(|b| seconds <= *b) {
            self.buckets[i] += 1;
        }
        self.count += 1;
        self.sum += seconds;
    }
}

#[derive(Default)]
struct Series {
    requests: BTreeMap<RequestKey, u64>,
    latency: BTreeMap<(String, String), Histogram>,
}

/// The HTTP figures of this process.
#[derive(Default)]
pub struct Metrics {
    series: Mutex<Series>,
}

/// A figure gathered at scrape time from elsewhere (the runtime, the store).
pub struct Gauge<'a> {
    pub name: &'a str,
    pub help: &'a str,
    /// `counter` or `gauge`.
    pub kind: &'a str,
    /// Label pairs and the value of each series.
    pub series: Vec<(Vec<(&'a str, String)>, f64)>,
}

impl Metrics {
    /// Records one answered request. `route` is the matched route pattern
    /// (`/api/v1/contacts/{id}`), never the raw path, so that ids do not
    /// make a series each.
    pub fn record(
        &self,
        route: &str,
        method: &str,
        dialect: &'static str,
        status: u16,
        took: Duration,
    ) {
        let Ok(mut s) = self.series.lock() else {
            return;
        };
        let key = RequestKey {
            route: route.to_owned(),
            method: method.to_owned(),
            dialect,
            status,
        };
        *s.requests.entry(key).or_default() += 1;
        s.latency
            .entry((route.to_owned(), method.to_owned()))
            .or_default()
            .observe(took.as_secs_f64());
    }

    /// The text exposition of every figure, these and `extra`.
    pub fn render(&self, extra: &[Gauge<'_>]) -> String {
        let mut out = String::new();
        let (requests, latency) = match self.series.lock() {
            Ok(s) => (s.requests.clone(), s.latency.clone()),
            Err(_) => Default::default(),
        };
        header(
            &mut out,
            "contacts_http_requests_total",
            "HTTP requests answered, by route, method, dialect and status.",
            "counter",
        );
        for (k, n) in &requests {
            let _ = writeln!(
                out,
                "contacts_http_requests_total{{route=\"{}\",method=\"{}\",dialect=\"{}\",status=\"{}\"}} {n}",
                escape(&k.route),
                escape(&k.method),
                k.dialect,
                k.status
            );
        }
        header(
            &mut out,
            "contacts_http_request_duration_seconds",
            "Time from the request's arrival to its answer, by route and method.",
            "histogram",
        );
        for ((route, method), h) in &latency {
            let labels = format!("route=\"{}\",method=\"{}\"", escape(route), escape(method));
            let mut cumulative = 0;
            for (bound, n) in BUCKETS.iter().zip(h.buckets) {
                cumulative += n;
                let _ = writeln!(
                    out,
                    "contacts_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "contacts_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "contacts_http_request_duration_seconds_sum{{{labels}}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "contacts_http_request_duration_seconds_count{{{labels}}} {}",
                h.count
            );
        }
        for g in extra {
            header(&mut out, g.name, g.help, g.kind);
            for (labels, value) in &g.series {
                let labels: Vec<String> = labels
                    .iter()
                    .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
                    .collect();
                if labels.is_empty() {
                    let _ = writeln!(out, "{} {value}", g.name);
                } else {
                    let _ = writeln!(out, "{}{{{}}} {value}", g.name, labels.join(","));
                }
            }
        }
        out
    }
}

fn header(out: &mut String, name: &str, help: &str, kind: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// A label value as the text format spells it.
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// This process's resident memory in bytes (Linux: `VmRSS` of
/// `/proc/self/status`); `None` where it cannot be read.
pub fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line
        .trim_start_matches("VmRSS:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_are_cumulative_and_series_are_by_route() {
        let m = Metrics::default();
        let ms = Duration::from_millis;
        m.record("/api/v1/contacts/{id}", "GET", "helperiq", 200, ms(2));
        m.record("/api/v1/contacts/{id}", "GET", "helperiq", 200, ms(30));
        m.record("/api/v1/contacts/{id}", "GET", "bluerocktel", 404, ms(1));
        let text = m.render(&[Gauge {
            name: "contacts_component_traps_total",
            help: "Traps.",
            kind: "counter",
            series: vec![(vec![], 3.0)],
        }]);
        assert!(text.contains(
            "contacts_http_requests_total{route=\"/api/v1/contacts/{id}\",method=\"GET\",dialect=\"helperiq\",status=\"200\"} 2"
        ), "{text}");
        assert!(
            text.contains("dialect=\"bluerocktel\",status=\"404\"} 1"),
            "{text}"
        );
        let bucket = |le: &str| {
            let line = format!(
                "contacts_http_request_duration_seconds_bucket{{route=\"/api/v1/contacts/{{id}}\",method=\"GET\",le=\"{le}\"}} "
            );
            text.lines()
                .find_map(|l| l.strip_prefix(line.as_str()))
                .unwrap_or_else(|| panic!("no bucket {le} in {text}"))
                .to_owned()
        };
        assert_eq!(bucket("0.001"), "1");
        assert_eq!(bucket("0.0025"), "2");
        assert_eq!(bucket("0.025"), "2");
        assert_eq!(bucket("0.05"), "3");
        assert_eq!(bucket("+Inf"), "3");
        assert!(
            text.contains(
                "# TYPE contacts_component_traps_total counter\ncontacts_component_traps_total 3\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
