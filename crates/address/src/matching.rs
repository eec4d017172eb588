//! Matching a query against the registry: candidates from the bigram index, then a
//! score per candidate under rules that put precision first.
//!
//! The rules, in the order they apply:
//! - **Conflicts reject.** A division, door number, group, building, unit, floor or
//!   room given on both sides must be equal (38号 is not 138号, 15号楼 is not 5号楼).
//!   A road, compound, community or landmark named on both sides must be similar.
//! - **Something must be named.** At least one name (road, village, compound,
//!   landmark) must agree; numbers alone never decide.
//! - **Missing coarse parts cost nothing.** A query without province or city still
//!   matches inside the registry's area, and the road of a compound may be left out.
//! - **Missing fine parts cost something.** An entry finer than the query (a building
//!   when the query stops at the compound) loses score; so does a query finer than the
//!   entry (a room under a building-level entry), but less: the building-level entry
//!   is still the right answer when the registry has nothing finer, and the finer
//!   entry wins when it has.
//! - **Ties are no answer.** When two entries score the same, the query does not say
//!   which one it means; unless they have the same address text (one place listed
//!   twice), and then the first one answers.

use std::cell::RefCell;

use crate::components::Components;
use crate::divisions::{Level, table};
use crate::keywords::NameKind;
use crate::names::similarity;
use crate::parse::Parsed;
use crate::registry::{Features, NONE, NUMBER_FIELDS, Registry};

/// The answer to one query.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    /// The id of the entry the query denotes, if one does.
    pub id: Option<String>,
    /// Its position in [`Registry::entries`].
    pub index: Option<usize>,
    /// Confidence in [0, 1], to two decimals; 0 when nothing matched.
    pub score: f64,
    /// Which components agreed, or why nothing matched, in plain words.
    pub reason: String,
    /// The components read from the query.
    pub components: Components,
}

/// A query matches only at this score or above.
const ACCEPT: f32 = 0.6;
/// Two candidates closer than this are a tie.
const TIE: f32 = 0.02;
/// A name agrees at this similarity or above.
const NAME_AGREES: f32 = 0.7;
/// Candidates scored per query, best bigram hits first, and more when they tie.
const MAX_CANDIDATES: usize = 256;
/// Above this many candidates tied for the most bigram hits, the query is too vague
/// to compare them all, and the answer is none rather than a guess among a subset.
const MAX_TIED: usize = 2_048;

/// Weight and specificity rank of each identifier, in [`NUMBER_FIELDS`] order.
const NUMBER_WEIGHTS: [(f32, u8); 6] = [
    (1.0, 4),  // door number
    (1.0, 2),  // group
    (1.0, 6),  // building
    (0.5, 7),  // unit
    (0.25, 8), // floor
    (0.5, 9),  // room
];

const DIVISION_WEIGHT: f32 = 0.25;

fn name_weight(kind: NameKind) -> (f32, u8) {
    match kind {
        NameKind::Township => (0.5, 0),
        NameKind::Community => (1.0, 1),
        NameKind::Road => (1.0, 3),
        // A landmark labels a door rather than a place inside it: 枫桥派出所 and
        // 枫桥大道288号 name the same entry.
        NameKind::Poi => (1.0, 4),
        NameKind::Rest => (0.5, 4),
        NameKind::Compound => (1.0, 5),
    }
}

#[derive(Default)]
struct Scratch {
    hits: Vec<u16>,
    touched: Vec<u32>,
    grams: Vec<u64>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

impl Registry {
    /// Finds the entry that `query` denotes, or none.
    pub fn match_query(&self, query: &str) -> Match {
        let mut parsed = Parsed::new(query, true);
        // A short name read as a division without confirmation (`新华` before 书店)
        // that lies outside every entry's area was not meant as a division.
        if parsed.divisions.unconfirmed && !self.covers(&parsed) {
            parsed = Parsed::new(query, false);
        }
        let features = self.query_features(&parsed);
        let components = parsed.components;
        let no_match = |reason: String| Match {
            id: None,
            index: None,
            score: 0.0,
            reason,
            components: components.clone(),
        };
        if features.names.is_empty() {
            return no_match("the query names no road, village, compound or landmark".into());
        }
        let Some(candidates) = self.candidates(&features) else {
            return no_match(format!(
                "too vague: more than {MAX_TIED} entries fit the query equally well"
            ));
        };
        let scored: Vec<(u32, f32)> = candidates
            .into_iter()
            .filter_map(|e| score(&features, &self.features[e as usize], None).map(|s| (e, s)))
            .collect();
        let Some(&(_, top)) = scored.iter().max_by(|a, b| a.1.total_cmp(&b.1)) else {
            return no_match("no entry agrees with the query".into());
        };
        let mut tied: Vec<u32> = scored
            .iter()
            .filter(|&&(_, s)| s + TIE >= top)
            .map(|&(e, _)| e)
            .collect();
        tied.sort_unstable();
        let entry = tied[0];
        let id_of = |e: u32| self.entries[e as usize].id.clone();
        if top < ACCEPT {
            return no_match(format!(
                "best candidate {} scores {top:.2}, below {ACCEPT}",
                id_of(entry)
            ));
        }
        // Entries with the same address text are one place listed twice: the first
        // one answers. Different places that fit equally are no answer.
        let same_place = |e: &u32| {
            crate::normalize::normalize(&self.entries[*e as usize].address)
                == crate::normalize::normalize(&self.entries[entry as usize].address)
        };
        if let Some(other) = tied.iter().find(|e| !same_place(e)) {
            return no_match(format!(
                "ambiguous: {} and {} fit equally ({top:.2})",
                id_of(entry),
                id_of(*other)
            ));
        }
        let mut reason = Reason::default();
        score(&features, &self.features[entry as usize], Some(&mut reason));
        Match {
            id: Some(id_of(entry)),
            index: Some(entry as usize),
            score: (f64::from(top) * 100.0).round() / 100.0,
            reason: reason.describe(),
            components,
        }
    }

    /// Whether every division the query names lies in the registry's area.
    fn covers(&self, parsed: &Parsed) -> bool {
        Level::ALL.iter().all(|&level| {
            let area = &self.area[level as usize];
            let named = parsed.divisions.at(level);
            named.is_empty() || area.is_empty() || named.iter().any(|d| area.contains(d))
        })
    }

    /// Entries sharing name bigrams with the query, most shared first; `None` when
    /// too many tie for the most (see [`MAX_TIED`]).
    fn candidates(&self, query: &Features) -> Option<Vec<u32>> {
        SCRATCH.with(|scratch| {
            let mut scratch = scratch.borrow_mut();
            let Scratch {
                hits,
                touched,
                grams,
            } = &mut *scratch;
            if hits.len() < self.entries.len() {
                hits.resize(self.entries.len(), 0);
            }
            grams.clear();
            for name in &query.names {
                name.grams(grams);
            }
            grams.sort_unstable();
            grams.dedup();
            let mut lists: Vec<&[u32]> = grams
                .iter()
                .filter_map(|g| self.postings.get(g).map(Vec::as_slice))
                .collect();
            lists.sort_by_key(|list| list.len());
            // Bigrams shared by a large part of the registry (小区 keys, 大道) add
            // work and no information once a rarer bigram has been counted.
            let common = (self.entries.len() / 10).max(2_000);
            touched.clear();
            for (i, list) in lists.iter().enumerate() {
                if i > 0 && list.len() > common {
                    break;
                }
                for &entry in *list {
                    let count = &mut hits[entry as usize];
                    if *count == 0 {
                        touched.push(entry);
                    }
                    *count = count.saturating_add(1);
                }
            }
            let mut ranked: Vec<(u16, u32)> = touched
                .iter()
                .map(|&e| (hits[e as usize], e))
                .filter(|&(_, e)| numbers_fit(query, &self.features[e as usize]))
                .collect();
            for &e in touched.iter() {
                hits[e as usize] = 0;
            }
            if ranked.len() > MAX_CANDIDATES {
                ranked.sort_unstable_by_key(|&(hits, _)| std::cmp::Reverse(hits));
                // Never cut between candidates with the same hits: the one cut
                // might be the true answer, or make the answer a tie.
                let boundary = ranked[MAX_CANDIDATES - 1].0;
                let tied = ranked.partition_point(|&(h, _)| h >= boundary);
                let keep = if tied <= MAX_TIED {
                    tied
                } else {
                    ranked.partition_point(|&(h, _)| h > boundary)
                };
                if keep == 0 {
                    return None;
                }
                ranked.truncate(keep);
            }
            Some(ranked.into_iter().map(|(_, e)| e).collect())
        })
    }
}

/// The cheap test run before scoring: no identifier given on both sides differs.
fn numbers_fit(query: &Features, entry: &Features) -> bool {
    query
        .numbers
        .iter()
        .zip(&entry.numbers)
        .all(|(&q, &e)| q == NONE || e == NONE || q == e)
}

/// What agreed and what was missing, for the reason text.
#[derive(Default)]
struct Reason {
    agreed: Vec<String>,
    entry_finer: Vec<&'static str>,
    query_finer: Vec<&'static str>,
}

impl Reason {
    fn describe(&self) -> String {
        let mut text = format!("agreed: {}", self.agreed.join(", "));
        if !self.entry_finer.is_empty() {
            text.push_str(&format!("; entry also has {}", self.entry_finer.join(", ")));
        }
        if !self.query_finer.is_empty() {
            text.push_str(&format!("; query also has {}", self.query_finer.join(", ")));
        }
        text
    }
}

fn kind_label(kind: NameKind) -> &'static str {
    match kind {
        NameKind::Township => "township",
        NameKind::Community => "community",
        NameKind::Road => "road",
        NameKind::Compound => "compound",
        NameKind::Poi => "poi",
        NameKind::Rest => "name",
    }
}

const LEVEL_LABELS: [&str; 4] = ["province", "city", "county", "township"];

/// Scores `entry` for `query`, or `None` when they conflict.
fn score(query: &Features, entry: &Features, mut reason: Option<&mut Reason>) -> Option<f32> {
    let mut agreed = 0.0_f32;
    let mut total = 0.0_f32;
    let mut finest_agreed: u8 = 0;

    for (level, label) in LEVEL_LABELS.iter().enumerate() {
        let (q, e) = (&query.divisions[level], &entry.divisions[level]);
        if q.is_empty() || e.is_empty() {
            continue;
        }
        if !q.iter().any(|d| e.contains(d)) {
            return None;
        }
        agreed += DIVISION_WEIGHT;
        total += DIVISION_WEIGHT;
        if let Some(r) = reason.as_deref_mut() {
            let name = table().common_name(e).unwrap_or(label);
            r.agreed.push(format!("{label} {name}"));
        }
    }

    let mut query_only: Vec<(f32, u8, &'static str)> = Vec::new();
    let mut entry_only: Vec<(f32, u8, &'static str)> = Vec::new();
    for (i, (&q, &e)) in query.numbers.iter().zip(&entry.numbers).enumerate() {
        let (weight, rank) = NUMBER_WEIGHTS[i];
        match (q != NONE, e != NONE) {
            (true, true) if q == e => {
                agreed += weight;
                total += weight;
                finest_agreed = finest_agreed.max(rank);
                if let Some(r) = reason.as_deref_mut() {
                    r.agreed.push(NUMBER_FIELDS[i].to_string());
                }
            }
            (true, true) => return None,
            (true, false) => query_only.push((weight, rank, NUMBER_FIELDS[i])),
            (false, true) => entry_only.push((weight, rank, NUMBER_FIELDS[i])),
            (false, false) => {}
        }
    }

    let mut anchored = false;
    let mut entry_names_used: u32 = 0;
    for q in &query.names {
        let (weight, rank) = name_weight(q.kind);
        let best = entry
            .names
            .iter()
            .enumerate()
            .map(|(i, e)| (i, similarity(q, e)))
            .max_by(|a, b| a.1.total_cmp(&b.1));
        match best {
            Some((i, sim)) if sim >= NAME_AGREES => {
                anchored = true;
                agreed += weight * sim;
                total += weight;
                let entry_rank = name_weight(entry.names[i].kind).1;
                finest_agreed = finest_agreed.max(rank).max(entry_rank);
                entry_names_used |= 1 << i.min(31);
                if let Some(r) = reason.as_deref_mut() {
                    r.agreed
                        .push(format!("{} ({sim:.2})", kind_label(entry.names[i].kind)));
                }
            }
            _ => {
                // A road, compound, village or landmark that the entry names
                // differently is another place, not a detail the entry lacks.
                let same_kind = entry.names.iter().any(|e| e.kind == q.kind);
                if same_kind && !matches!(q.kind, NameKind::Rest | NameKind::Township) {
                    return None;
                }
                total += weight * 0.5;
            }
        }
    }
    if !anchored {
        return None;
    }
    for (i, e) in entry.names.iter().enumerate() {
        if entry_names_used & (1 << i.min(31)) == 0 {
            let (weight, rank) = name_weight(e.kind);
            entry_only.push((weight, rank, kind_label(e.kind)));
        }
    }

    for &(weight, rank, label) in &entry_only {
        if rank > finest_agreed {
            total += weight;
            if let Some(r) = reason.as_deref_mut() {
                r.entry_finer.push(label);
            }
        }
    }
    for &(weight, rank, label) in &query_only {
        if rank > finest_agreed {
            total += 0.25 * weight;
            if let Some(r) = reason.as_deref_mut() {
                r.query_finer.push(label);
            }
        }
    }
    Some(if total > 0.0 { agreed / total } else { 0.0 })
}
