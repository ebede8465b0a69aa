//! Trap isolation: the real component on the real runtime, over a SQLite
//! store wrapped so that chosen reads fail, stall past the deadline, or
//! return more than the memory limit allows. Each such call must fail alone;
//! the instance is discarded and the next call succeeds.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use contacts_host::backends;
use contacts_host::bindings::store::{CommitError, Document, Hit, Range, Write};
use contacts_host::bindings::types::{Caller, Context, Dialect, Event, OwnerKind};
use contacts_host::bindings::{api, types};
use contacts_host::capabilities::hooks::NoHooks;
use contacts_host::capabilities::store::DocumentStore;
use contacts_host::runtime::{self, Capabilities, Limits, Runtime, Trap};

const FAILS: u64 = 1_000_013;
const STALLS: u64 = 1_000_014;
const HUGE: u64 = 1_000_015;

/// SQLite, except for three contact ids.
struct Faulty(Arc<dyn DocumentStore>);

impl DocumentStore for Faulty {
    fn get(&self, collection: &str, id: u64) -> Result<Option<Document>> {
        match id {
            FAILS => anyhow::bail!("disk on fire"),
            STALLS => {
                std::thread::sleep(Duration::from_millis(400));
                self.0.get(collection, id)
            }
            HUGE => Ok(Some(Document {
                id,
                version: 1,
                body: format!("{{\"pad\": \"{}\"}}", "x".repeat(96 << 20)),
            })),
            _ => self.0.get(collection, id),
        }
    }
    fn get_many(&self, c: &str, ids: &[u64]) -> Result<Vec<Document>> {
        self.0.get_many(c, ids)
    }
    fn find(&self, c: &str, i: &str, k: &str) -> Result<Vec<u64>> {
        self.0.find(c, i, k)
    }
    fn scan(&self, c: &str, r: &Range) -> Result<Vec<Hit>> {
        self.0.scan(c, r)
    }
    fn count(&self, c: &str, i: &str, s: Option<&str>, e: Option<&str>) -> Result<u64> {
        self.0.count(c, i, s, e)
    }
    fn allocate_id(&self, c: &str) -> Result<u64> {
        self.0.allocate_id(c)
    }
    fn ids(&self, c: &str, after: Option<u64>, limit: u32) -> Result<Vec<u64>> {
        self.0.ids(c, after, limit)
    }
    fn commit(&self, w: &[Write], e: &[Event]) -> Result<Result<(), CommitError>> {
        self.0.commit(w, e)
    }
}

fn cx() -> Context {
    Context {
        caller: Caller {
            agent_id: 1,
            first_name: "Test".into(),
            last_name: "Agent".into(),
            scopes: vec![],
        },
        dialect: Dialect::Bluerocktel,
    }
}

fn patch(last: &str) -> api::ContactPatch {
    api::ContactPatch {
        last_name: Some(Some(last.into())),
        email: Some(Some(format!("{}@example.com", last.to_lowercase()))),
        mobile_phone: Some(Some("0612345678".into())),
        ..api::ContactPatch::empty()
    }
}

#[test]
fn a_trap_fails_only_its_own_call() {
    let dir =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("runtime-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let backend = backends::open(&format!("sqlite:{}", dir.join("t.db").display())).unwrap();
    let owner = backend
        .admin
        .create_owner(OwnerKind::Customer, "ACME", None)
        .unwrap();
    let owner = types::OwnerRef {
        kind: owner.kind,
        id: owner.id,
    };
    let engine = runtime::engine().unwrap();
    let cache = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("compiled-cache");
    let component = runtime::load_component(&engine, runtime::EMBEDDED, Some(&cache)).unwrap();
    let caps = Capabilities {
        store: Arc::new(Faulty(backend.store.clone())),
        directory: backend.directory.clone(),
        hooks: Arc::new(NoHooks),
    };
    let settings = api::Settings {
        default_region: "FR".into(),
        free_mail_domains: None,
        custom_fields: vec![],
    };
    let limits = Limits {
        memory: 64 << 20,
        deadline: Duration::from_millis(150),
        max_instances: 2,
    };
    let rt = Runtime::new(engine, &component, caps, settings, limits).unwrap();
    let cx = cx();

    let created = rt
        .call(|api, s| api.call_create(s, &cx, Some(owner), &patch("Doe")))
        .unwrap()
        .unwrap();
    let id = created.contact.id;

    for (bad, why) in [
        (FAILS, "a failing capability"),
        (STALLS, "a call past its deadline"),
        (HUGE, "a memory-limit breach"),
    ] {
        let before = rt.stats();
        let err = rt.call(|api, s| api.call_get(s, &cx, bad)).expect_err(why);
        assert!(err.downcast_ref::<Trap>().is_some(), "{why}: {err:#}");
        let after = rt.stats();
        assert_eq!(after.discarded, before.discarded + 1, "{why}");
        // The next call works, on a fresh or another warm instance.
        let got = rt
            .call(|api, s| api.call_get(s, &cx, id))
            .unwrap_or_else(|e| panic!("after {why}: {e:#}"))
            .unwrap();
        assert_eq!(got.contact.last_name.as_deref(), Some("Doe"));
        assert!(rt.stats().live <= 2);
    }
    // Guest errors are not traps: the instance stays.
    let before = rt.stats();
    let missing = rt.call(|api, s| api.call_get(s, &cx, 424_242)).unwrap();
    assert!(matches!(missing, Err(types::Error::NotFound(_))));
    assert_eq!(rt.stats().discarded, before.discarded);
    let _ = std::fs::remove_dir_all(&dir);
}
