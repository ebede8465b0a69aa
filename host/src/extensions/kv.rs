//! The `kv` grant: each extension's own small key-value space, kept in the
//! server's database (by the backend's [`KeyValue`], keyed by extension
//! name) and bounded in bytes, so no extension can fill the disk or read
//! another's.

use std::sync::Arc;

use anyhow::Result;

/// The longest key an extension may use, in bytes.
pub const MAX_KEY: usize = 512;

/// Where the spaces are kept, shared by every replica on one database.
///
/// A space is a map from key to value, both UTF-8 text; spaces never see
/// each other's keys. Keys order bytewise.
pub trait KeyValue: Send + Sync + 'static {
    fn get(&self, space: &str, key: &str) -> Result<Option<String>>;

    /// Sets `key` to `value` unless the space would then hold more than
    /// `limit` bytes (the byte lengths of every key and value, this one's
    /// new value counted instead of its old one): then `Ok(Err(size))`, the
    /// size it would have had, and nothing is written. The check and the
    /// write are one atomic step, so two replicas cannot both pass it.
    fn set(&self, space: &str, key: &str, value: &str, limit: u64) -> Result<Result<(), u64>>;

    /// Deletes `key` (nothing if it is not there).
    fn delete(&self, space: &str, key: &str) -> Result<()>;

    /// At most `limit` keys that start with `prefix`, bytewise ascending.
    fn keys(&self, space: &str, prefix: &str, limit: u32) -> Result<Vec<String>>;
}

/// One extension's space.
#[derive(Clone)]
pub struct Space {
    kv: Arc<dyn KeyValue>,
    extension: String,
    limit: u64,
}

impl Space {
    pub fn new(kv: Arc<dyn KeyValue>, extension: &str, limit: u64) -> Space {
        Space {
            kv,
            extension: extension.to_owned(),
            limit,
        }
    }

    pub fn get(&self, key: &str) -> Result<Option<String>> {
        self.kv.get(&self.extension, key)
    }

    /// Stores a value; `Ok(Err(why))` when the key or the space's size
    /// refuses it (nothing is written).
    pub fn set(&self, key: &str, value: &str) -> Result<Result<(), String>> {
        if key.is_empty() || key.len() > MAX_KEY {
            return Ok(Err(format!("keys are 1 to {MAX_KEY} bytes")));
        }
        Ok(self
            .kv
            .set(&self.extension, key, value, self.limit)?
            .map_err(|size| {
                format!(
                    "the key-value space would hold {size} bytes, over its limit of {} (limits.kv_bytes)",
                    self.limit
                )
            }))
    }

    pub fn delete(&self, key: &str) -> Result<()> {
        self.kv.delete(&self.extension, key)
    }

    pub fn keys(&self, prefix: &str, limit: u32) -> Result<Vec<String>> {
        self.kv.keys(&self.extension, prefix, limit.min(10_000))
    }
}
