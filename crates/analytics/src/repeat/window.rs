//! A sliding time window of incidents grouped by a key (a caller, an address, a cell of
//! the spatial hash).
//!
//! The entries live in one queue in the order they were observed, which is time order,
//! so the window slides by popping the front: each entry is pushed once and popped
//! once. Each entry links to the previous entry of its key, and each live key knows its
//! newest entry and how many it has, so a key's incidents are a walk along the links
//! that stops at the first entry already popped. A key whose last entry leaves the
//! window leaves the map, so memory follows the window's contents, and no key needs a
//! queue (an allocation) of its own.

use std::collections::VecDeque;
use std::collections::hash_map::Entry as MapEntry;
use std::hash::Hash;

use rustc_hash::FxHashMap;

/// No previous entry.
const NONE: u64 = u64::MAX;

/// One incident under one key.
#[derive(Debug, Clone, Copy)]
pub(super) struct Entry<K, P> {
    pub time: i64,
    /// Arrival number of the incident in the engine, comparable across windows.
    pub seq: u64,
    pub id: u64,
    /// Absolute position of the key's previous entry, or `NONE`.
    prev: u64,
    key: K,
    pub payload: P,
}

#[derive(Debug, Clone, Copy)]
struct Head {
    /// Absolute position of the key's newest entry.
    newest: u64,
    /// Entries of the key in the window.
    count: u32,
}

#[derive(Debug, Clone)]
pub(super) struct KeyedWindow<K, P> {
    entries: VecDeque<Entry<K, P>>,
    /// Absolute position of `entries[0]`: positions only grow, so a link to a position
    /// below it points to an entry that has left.
    base: u64,
    heads: FxHashMap<K, Head>,
}

impl<K: Copy + Eq + Hash, P: Copy> KeyedWindow<K, P> {
    pub fn new() -> Self {
        Self {
            entries: VecDeque::new(),
            base: 0,
            heads: FxHashMap::default(),
        }
    }

    /// Drops the entries older than `cutoff`.
    pub fn expire_before(&mut self, cutoff: i64) {
        while let Some(front) = self.entries.front()
            && front.time < cutoff
        {
            if let MapEntry::Occupied(mut head) = self.heads.entry(front.key) {
                if head.get().newest == self.base {
                    head.remove();
                } else {
                    head.get_mut().count -= 1;
                }
            }
            self.entries.pop_front();
            self.base += 1;
        }
    }

    /// How many entries the key has in the window.
    pub fn count(&self, key: &K) -> u32 {
        self.heads.get(key).map_or(0, |head| head.count)
    }

    /// The key's entries in the window, newest first.
    pub fn newest_first(&self, key: &K) -> Walk<'_, K, P> {
        Walk {
            window: self,
            at: self.heads.get(key).map_or(NONE, |head| head.newest),
        }
    }

    /// A walk with nothing on it, for a missing key.
    pub fn empty(&self) -> Walk<'_, K, P> {
        Walk {
            window: self,
            at: NONE,
        }
    }

    pub fn push(&mut self, key: K, time: i64, seq: u64, id: u64, payload: P) {
        let position = self.base + self.entries.len() as u64;
        let head = self.heads.entry(key).or_insert(Head {
            newest: NONE,
            count: 0,
        });
        self.entries.push_back(Entry {
            time,
            seq,
            id,
            prev: head.newest,
            key,
            payload,
        });
        head.newest = position;
        head.count += 1;
    }

    /// Keys with entries in the window.
    #[cfg(test)]
    pub fn keys(&self) -> usize {
        self.heads.len()
    }
}

/// A walk along one key's links, newest entry first.
#[derive(Debug)]
pub(super) struct Walk<'w, K, P> {
    window: &'w KeyedWindow<K, P>,
    at: u64,
}

impl<'w, K, P> Iterator for Walk<'w, K, P> {
    type Item = &'w Entry<K, P>;

    fn next(&mut self) -> Option<Self::Item> {
        // `NONE` is above every position, so it needs its own test.
        if self.at == NONE || self.at < self.window.base {
            return None;
        }
        let entry = &self.window.entries[(self.at - self.window.base) as usize];
        self.at = entry.prev;
        Some(entry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_leave_the_map_when_their_last_entry_expires() {
        let mut window: KeyedWindow<u32, ()> = KeyedWindow::new();
        window.push(7, 0, 0, 100, ());
        window.push(8, 5, 1, 101, ());
        window.push(7, 10, 2, 102, ());
        window.expire_before(6);
        assert_eq!(window.count(&7), 1);
        assert_eq!(window.keys(), 1);
        let ids: Vec<u64> = window.newest_first(&7).map(|e| e.id).collect();
        assert_eq!(ids, [102]);
        window.expire_before(11);
        assert_eq!(window.keys(), 0);
        assert_eq!(window.newest_first(&7).count(), 0);
    }
}
