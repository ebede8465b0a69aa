//! Rate limiting per token (issue 17): a token bucket for each bearer token,
//! keyed by the token's SHA-256, so one integration's flood slows only
//! itself. Every response to a request carrying a token says where its
//! bucket stands (`X-RateLimit-Limit`, `X-RateLimit-Remaining`, as Concord
//! CRM sends them); past the limit the answer is 429 with `Retry-After`, in
//! the dialect's error shape. Requests without a token (login, which has its
//! own lockout, and the operator routes) are not limited here.
//!
//! Memory is bounded: at most [`MAX_BUCKETS`] tokens are tracked. When the
//! table is full, buckets that have refilled (idle tokens, which a fresh
//! bucket would treat the same) go first, then the longest idle one.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::Shared;
use crate::bindings::types::Dialect;

/// Tokens tracked at once.
pub const MAX_BUCKETS: usize = 10_000;

/// The limit when none is given and the server listens beyond loopback.
pub const DEFAULT: &str = "20/s";

/// A sustained rate and the burst a quiet token may spend at once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    pub per_second: f64,
    pub burst: u32,
}

impl RateLimit {
    /// Reads `N/s` or `N/m` (also `N/sec`, `N/min`); `off` is no limit. The
    /// burst is `burst` when given, else N: `60/m` allows 60 at once, then
    /// one a second.
    pub fn parse(spec: &str, burst: Option<u32>) -> Result<Option<RateLimit>, String> {
        let spec = spec.trim();
        if spec.eq_ignore_ascii_case("off") {
            return Ok(None);
        }
        let bad = || format!("invalid rate limit {spec:?}: expected N/s, N/m or off");
        let (count, unit) = spec.split_once('/').ok_or_else(bad)?;
        let count: u32 = count.trim().parse().map_err(|_| bad())?;
        let seconds = match unit.trim().to_ascii_lowercase().as_str() {
            "s" | "sec" | "second" => 1.0,
            "m" | "min" | "minute" => 60.0,
            _ => return Err(bad()),
        };
        if count == 0 {
            return Err(format!("invalid rate limit {spec:?}: N must be at least 1"));
        }
        let burst = burst.unwrap_or(count);
        if burst == 0 {
            return Err("the rate limit's burst must be at least 1".to_owned());
        }
        Ok(Some(RateLimit {
            per_second: f64::from(count) / seconds,
            burst,
        }))
    }

    /// The limit in force: the one given, else none on a loopback address
    /// (a developer's machine, or a server behind a local proxy that limits
    /// for it) and [`DEFAULT`] anywhere else.
    pub fn effective(
        given: Option<&str>,
        burst: Option<u32>,
        listen: &str,
    ) -> Result<Option<RateLimit>, String> {
        match given {
            Some(spec) => RateLimit::parse(spec, burst),
            None if is_loopback(listen) => Ok(None),
            None => RateLimit::parse(DEFAULT, burst),
        }
    }
}

/// Whether a listen address (`127.0.0.1:8080`, `[::1]:80`, `localhost:8080`)
/// is reachable from this machine only.
fn is_loopback(listen: &str) -> bool {
    if let Ok(addr) = listen.parse::<std::net::SocketAddr>() {
        return addr.ip().is_loopback();
    }
    let host = listen.rsplit_once(':').map_or(listen, |(h, _)| h);
    host.eq_ignore_ascii_case("localhost")
}

struct Bucket {
    tokens: f64,
    last: Instant,
}

/// The buckets of every token, and the limit they follow.
pub struct Limiter {
    limit: RateLimit,
    buckets: Mutex<HashMap<[u8; 32], Bucket>>,
}

/// What a bucket answered: allowed with what remains, or refused for a while.
#[derive(Debug, PartialEq)]
enum Verdict {
    Allowed { remaining: u32 },
    Refused { retry_after: Duration },
}

impl Limiter {
    pub fn new(limit: RateLimit) -> Limiter {
        Limiter {
            limit,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    fn take(&self, key: [u8; 32], now: Instant) -> Verdict {
        let burst = f64::from(self.limit.burst);
        let rate = self.limit.per_second;
        let mut buckets = match self.buckets.lock() {
            Ok(b) => b,
            Err(poisoned) => poisoned.into_inner(),
        };
        if !buckets.contains_key(&key) && buckets.len() >= MAX_BUCKETS {
            let full = |b: &Bucket| {
                b.tokens + now.saturating_duration_since(b.last).as_secs_f64() * rate >= burst
            };
            buckets.retain(|_, b| !full(b));
            if buckets.len() >= MAX_BUCKETS
                && let Some(oldest) = buckets.iter().min_by_key(|(_, b)| b.last).map(|(k, _)| *k)
            {
                buckets.remove(&oldest);
            }
        }
        let bucket = buckets.entry(key).or_insert(Bucket {
            tokens: burst,
            last: now,
        });
        let elapsed = now.saturating_duration_since(bucket.last).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(burst);
        bucket.last = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Verdict::Allowed {
                remaining: bucket.tokens.floor() as u32,
            }
        } else {
            Verdict::Refused {
                retry_after: Duration::from_secs_f64((1.0 - bucket.tokens) / rate),
            }
        }
    }
}

fn bearer_key(headers: &HeaderMap) -> Option<[u8; 32]> {
    let value = headers.get("authorization")?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty())
        .then(|| Sha256::digest(token.as_bytes()).into())
}

/// The 429 of a dialect: the header's dialect, else the server's default
/// (as a 401 without a valid token is chosen).
fn too_many(dialect: Dialect) -> Response {
    const MESSAGE: &str = "Too Many Attempts.";
    match dialect {
        Dialect::Helperiq => {
            super::helperiq::error(StatusCode::TOO_MANY_REQUESTS, "GeneralException", MESSAGE)
        }
        Dialect::Bluerocktel | Dialect::Relatecrm => (
            StatusCode::TOO_MANY_REQUESTS,
            axum::Json(json!({"message": MESSAGE})),
        )
            .into_response(),
    }
}

/// The middleware: runs the request if its token's bucket allows it.
pub async fn limit(State(app): State<Shared>, req: Request, next: Next) -> Response {
    let (Some(limiter), Some(key)) = (app.rate_limit.as_ref(), bearer_key(req.headers())) else {
        return next.run(req).await;
    };
    let header =
        |n: u64| HeaderValue::from_str(&n.to_string()).unwrap_or(HeaderValue::from_static("0"));
    let (mut resp, remaining) = match limiter.take(key, Instant::now()) {
        Verdict::Allowed { remaining } => (next.run(req).await, remaining),
        Verdict::Refused { retry_after } => {
            let dialect = req
                .headers()
                .get("x-contacts-dialect")
                .and_then(|v| v.to_str().ok())
                .and_then(super::parse_dialect)
                .unwrap_or(app.default_dialect);
            let mut resp = too_many(dialect);
            let seconds = retry_after.as_secs_f64().ceil().max(1.0) as u64;
            resp.headers_mut().insert("retry-after", header(seconds));
            (resp, 0)
        }
    };
    let headers = resp.headers_mut();
    headers.insert("x-ratelimit-limit", header(u64::from(limiter.limit.burst)));
    headers.insert("x-ratelimit-remaining", header(u64::from(remaining)));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(spec: &str) -> Limiter {
        Limiter::new(RateLimit::parse(spec, None).unwrap().unwrap())
    }

    #[test]
    fn specs_and_defaults() {
        let per_minute = RateLimit::parse("60/m", None).unwrap().unwrap();
        assert_eq!((per_minute.per_second, per_minute.burst), (1.0, 60));
        let burst = RateLimit::parse("5/s", Some(20)).unwrap().unwrap();
        assert_eq!((burst.per_second, burst.burst), (5.0, 20));
        assert_eq!(RateLimit::parse("off", None), Ok(None));
        for bad in ["", "5", "5/h", "0/s", "x/s", "-1/s"] {
            assert!(RateLimit::parse(bad, None).is_err(), "{bad}");
        }
        assert_eq!(RateLimit::effective(None, None, "127.0.0.1:8080"), Ok(None));
        assert_eq!(RateLimit::effective(None, None, "[::1]:8080"), Ok(None));
        assert_eq!(RateLimit::effective(None, None, "localhost:8080"), Ok(None));
        let public = RateLimit::effective(None, None, "0.0.0.0:8080").unwrap();
        assert_eq!(public, RateLimit::parse(DEFAULT, None).unwrap());
        let given = RateLimit::effective(Some("3/s"), None, "127.0.0.1:1").unwrap();
        assert_eq!(given.map(|l| l.burst), Some(3));
    }

    #[test]
    fn a_bucket_spends_its_burst_then_refills_at_the_rate() {
        let l = limiter("2/s");
        let t0 = Instant::now();
        let key = [1; 32];
        assert_eq!(l.take(key, t0), Verdict::Allowed { remaining: 1 });
        assert_eq!(l.take(key, t0), Verdict::Allowed { remaining: 0 });
        let Verdict::Refused { retry_after } = l.take(key, t0) else {
            panic!("the third in the same instant is refused")
        };
        assert_eq!(retry_after, Duration::from_millis(500));
        // Another token has a bucket of its own.
        assert_eq!(l.take([2; 32], t0), Verdict::Allowed { remaining: 1 });
        // Half a second later one token has come back.
        let later = t0 + Duration::from_millis(500);
        assert_eq!(l.take(key, later), Verdict::Allowed { remaining: 0 });
    }

    #[test]
    fn memory_is_bounded() {
        let l = limiter("1/m");
        let t0 = Instant::now();
        for i in 0..MAX_BUCKETS + 10 {
            let mut key = [0; 32];
            key[..8].copy_from_slice(&(i as u64).to_le_bytes());
            let _ = l.take(key, t0 + Duration::from_micros(i as u64));
        }
        assert_eq!(l.buckets.lock().unwrap().len(), MAX_BUCKETS);
        // The longest idle bucket went first: the newest ones remain.
        let mut newest = [0; 32];
        newest[..8].copy_from_slice(&((MAX_BUCKETS + 9) as u64).to_le_bytes());
        assert!(l.buckets.lock().unwrap().contains_key(&newest));
    }
}
