//! Copies of small, rarely changed tables that nearly every request reads: the code
//! tables, the settings and the address index's freshness key. Reading them costs a
//! round trip each (on SQLite, a hop to the connection's thread and back), which an
//! intake paid several times over.
//!
//! A copy is used while it is younger than a second and no commit of this store has
//! touched anything but incident streams since it was read (`bump`, from the group
//! commit after each COMMIT). So on one server a change is seen at once; another
//! server's change to a code table or a setting is seen within a second.

use std::any::Any;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long a copy may be used without asking the database again.
const FRESH: Duration = Duration::from_secs(1);

type Entry = (u64, Instant, Arc<dyn Any + Send + Sync>);

/// The copies, shared by a store's clones.
#[derive(Default)]
pub(crate) struct ReadCache {
    generation: AtomicU64,
    entries: Mutex<HashMap<String, Entry>>,
}

impl std::fmt::Debug for ReadCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadCache")
            .field("generation", &self.generation.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl ReadCache {
    /// Something other than an incident was committed: every copy is stale.
    pub(crate) fn bump(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// The generation to tag a copy with; read it before the query, so a commit during
    /// the query leaves the copy stale.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The copy under `key`, if fresh.
    pub(crate) fn get<T: Clone + Send + Sync + 'static>(&self, key: &str) -> Option<T> {
        let entries = self.entries.lock().ok()?;
        let (generation, at, value) = entries.get(key)?;
        if *generation != self.generation() || at.elapsed() >= FRESH {
            return None;
        }
        value.downcast_ref::<T>().cloned()
    }

    /// Keeps a copy read at `generation`.
    pub(crate) fn put<T: Send + Sync + 'static>(&self, key: &str, generation: u64, value: T) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.insert(
                key.to_owned(),
                (generation, Instant::now(), Arc::new(value)),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_is_used_until_a_commit_or_a_second_passes() {
        let cache = ReadCache::default();
        let generation = cache.generation();
        cache.put("k", generation, vec![1, 2]);
        assert_eq!(cache.get::<Vec<i32>>("k"), Some(vec![1, 2]));
        assert_eq!(cache.get::<String>("k"), None, "another type is a miss");
        cache.bump();
        assert_eq!(cache.get::<Vec<i32>>("k"), None, "a commit makes it stale");
        let stale = cache.generation() - 1;
        cache.put("k", stale, vec![3]);
        assert_eq!(cache.get::<Vec<i32>>("k"), None, "read before the commit");
        cache.put("k", cache.generation(), vec![4]);
        std::thread::sleep(FRESH + Duration::from_millis(20));
        assert_eq!(cache.get::<Vec<i32>>("k"), None, "older than a second");
    }
}
