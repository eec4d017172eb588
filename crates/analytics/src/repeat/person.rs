//! The person rule (一人多次): the same phone or ID number within the window.
//!
//! Deciding is cheap: a key's count is kept, so only when both keys are given and
//! neither alone reaches the threshold are the two lists walked, and then at most
//! `min_count − 1` entries of each.

use std::iter::Peekable;

use super::Observation;
use super::window::{KeyedWindow, Walk};

#[derive(Debug, Clone)]
pub(super) struct PersonRule {
    phones: KeyedWindow<u64, ()>,
    id_numbers: KeyedWindow<u64, ()>,
    /// Earlier incidents needed for a flag, `min_count − 1`.
    needed: usize,
}

/// What the rule found for one incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct PersonOutcome {
    pub flagged: bool,
    /// Incidents with the phone in the window, this one included (0 without a phone).
    pub phone_count: u32,
    /// Likewise for the ID number.
    pub id_number_count: u32,
}

impl PersonRule {
    pub fn new(min_count: u32) -> Self {
        Self {
            phones: KeyedWindow::new(),
            id_numbers: KeyedWindow::new(),
            needed: min_count as usize - 1,
        }
    }

    pub fn expire_before(&mut self, cutoff: i64) {
        self.phones.expire_before(cutoff);
        self.id_numbers.expire_before(cutoff);
    }

    /// Judges an incident against the window, which it is not yet part of.
    pub fn judge(&self, incident: &Observation) -> PersonOutcome {
        let phone = incident.phone.map_or(0, |key| self.phones.count(&key));
        let id_number = incident
            .id_number
            .map_or(0, |key| self.id_numbers.count(&key));
        let needed = self.needed;
        let flagged = phone as usize >= needed
            || id_number as usize >= needed
            || (incident.phone.is_some()
                && incident.id_number.is_some()
                && self.union(incident).take(needed).count() >= needed);
        PersonOutcome {
            flagged,
            phone_count: incident.phone.map_or(0, |_| phone + 1),
            id_number_count: incident.id_number.map_or(0, |_| id_number + 1),
        }
    }

    /// The earlier incidents sharing a key, in the order observed.
    pub fn earlier(&self, incident: &Observation) -> Vec<u64> {
        let mut earlier: Vec<u64> = self.union(incident).map(|(_, id)| id).collect();
        earlier.reverse();
        earlier
    }

    pub fn add(&mut self, incident: &Observation, seq: u64) {
        let (time, id) = (incident.time, incident.id);
        if let Some(key) = incident.phone {
            self.phones.push(key, time, seq, id, ());
        }
        if let Some(key) = incident.id_number {
            self.id_numbers.push(key, time, seq, id, ());
        }
    }

    /// The earlier incidents sharing the phone or the ID number, newest first.
    fn union(&self, incident: &Observation) -> Union<'_> {
        Union {
            a: walk(&self.phones, incident.phone).peekable(),
            b: walk(&self.id_numbers, incident.id_number).peekable(),
        }
    }
}

fn walk(window: &KeyedWindow<u64, ()>, key: Option<u64>) -> Walk<'_, u64, ()> {
    match key {
        Some(key) => window.newest_first(&key),
        None => window.empty(),
    }
}

/// Two walks newest first, merged by arrival, an incident on both counted once.
struct Union<'w> {
    a: Peekable<Walk<'w, u64, ()>>,
    b: Peekable<Walk<'w, u64, ()>>,
}

impl Iterator for Union<'_> {
    /// `(seq, id)`.
    type Item = (u64, u64);

    fn next(&mut self) -> Option<Self::Item> {
        let entry = match (self.a.peek(), self.b.peek()) {
            (Some(a), Some(b)) if a.seq == b.seq => {
                self.b.next();
                self.a.next()
            }
            (Some(a), Some(b)) if a.seq < b.seq => self.b.next(),
            (Some(_), _) => self.a.next(),
            (None, _) => self.b.next(),
        }?;
        Some((entry.seq, entry.id))
    }
}
