//! The registry of standard addresses (标准地址), parsed and indexed once at load.
//!
//! Each entry is parsed like a query and kept as [`Features`]: division candidates,
//! name keys and interned identifiers (door, group, building, unit, floor, room), so
//! that comparing a query with an entry touches no strings. The index maps every
//! bigram of every name key to the entries that contain it; matching counts bigram
//! hits to pick candidates, then scores only those (see [`crate::matching`]).

use std::io::Read;
use std::path::Path;

use rustc_hash::{FxHashMap, FxHashSet};

use crate::names::NameKey;
use crate::parse::Parsed;

/// One standard address.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The registry's identifier.
    pub id: String,
    /// The standard address text.
    pub address: String,
    /// Its coordinates, when the registry has them.
    pub location: Option<Location>,
}

/// Longitude and latitude in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Location {
    /// Longitude, −180 to 180.
    pub lng: f64,
    /// Latitude, −90 to 90.
    pub lat: f64,
}

/// Why a registry file could not be loaded. Every variant names the file; row errors
/// name the row (the header is row 1) and the field.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The file could not be opened or read.
    #[error("{file}: cannot read the registry: {source}")]
    Io {
        /// The file.
        file: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The header is not `id,address[,lng,lat]`.
    #[error(
        "{file}, row 1: the header must be `id,address` or `id,address,lng,lat`, found `{found}`"
    )]
    Header {
        /// The file.
        file: String,
        /// The header as read.
        found: String,
    },
    /// A row is malformed.
    #[error("{file}, row {row}, field `{field}`: {problem}")]
    Row {
        /// The file.
        file: String,
        /// The row, counting the header as row 1.
        row: u64,
        /// The field at fault.
        field: &'static str,
        /// What is wrong.
        problem: String,
    },
}

/// Absent identifier.
pub(crate) const NONE: u32 = 0;
/// An identifier no entry has: it can never agree.
pub(crate) const UNKNOWN: u32 = u32::MAX;

/// The identifiers of an address, in this order.
pub(crate) const NUMBER_FIELDS: [&str; 6] =
    ["door_number", "group", "building", "unit", "floor", "room"];

/// An address reduced to what matching compares.
#[derive(Debug, Clone, Default)]
pub(crate) struct Features {
    pub divisions: [Box<[u32]>; 4],
    pub names: Box<[NameKey]>,
    pub numbers: [u32; 6],
}

/// A loaded and indexed registry.
#[derive(Debug, Default)]
pub struct Registry {
    pub(crate) entries: Vec<Entry>,
    pub(crate) features: Vec<Features>,
    interner: FxHashMap<Box<str>, u32>,
    pub(crate) postings: FxHashMap<u64, Vec<u32>>,
    /// Every division candidate any entry has, per level: the registry's area.
    pub(crate) area: [FxHashSet<u32>; 4],
}

impl Registry {
    /// Builds a registry from entries (ids are taken as given).
    pub fn new(entries: impl IntoIterator<Item = Entry>) -> Registry {
        let mut registry = Registry::default();
        for entry in entries {
            registry.push(entry);
        }
        for list in registry.postings.values_mut() {
            list.dedup();
            list.shrink_to_fit();
        }
        registry
    }

    /// Loads a CSV file with the header `id,address` or `id,address,lng,lat`.
    pub fn load(path: impl AsRef<Path>) -> Result<Registry, RegistryError> {
        let path = path.as_ref();
        let file = std::fs::File::open(path).map_err(|source| RegistryError::Io {
            file: path.display().to_string(),
            source,
        })?;
        Registry::from_csv(file, &path.display().to_string())
    }

    /// Reads a registry in CSV form from `reader`; `file` names it in errors. Rejects
    /// the whole file at the first bad row: empty or duplicate ids, empty addresses,
    /// coordinates that are not numbers in range or come one without the other.
    pub fn from_csv(reader: impl Read, file: &str) -> Result<Registry, RegistryError> {
        let mut csv = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .trim(csv::Trim::All)
            .from_reader(reader);
        let row_error = |row: u64, field: &'static str, problem: String| RegistryError::Row {
            file: file.to_string(),
            row,
            field,
            problem,
        };
        let header = csv
            .headers()
            .map_err(|error| csv_error(file, &error))?
            .clone();
        let names: Vec<String> = header
            .iter()
            .map(|h| h.trim_start_matches('\u{FEFF}').to_ascii_lowercase())
            .collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let with_location = match names.as_slice() {
            ["id", "address"] => false,
            ["id", "address", "lng", "lat"] => true,
            _ => {
                return Err(RegistryError::Header {
                    file: file.to_string(),
                    found: names.join(","),
                });
            }
        };
        let mut entries = Vec::new();
        let mut seen: FxHashMap<String, u64> = FxHashMap::default();
        for record in csv.records() {
            let record = record.map_err(|error| csv_error(file, &error))?;
            let row = record.position().map_or(0, |p| p.line());
            let id = record.get(0).unwrap_or_default();
            let address = record.get(1).unwrap_or_default();
            if id.is_empty() {
                return Err(row_error(row, "id", "is empty".into()));
            }
            if let Some(first) = seen.insert(id.to_string(), row) {
                return Err(row_error(
                    row,
                    "id",
                    format!("`{id}` is already used on row {first}"),
                ));
            }
            if address.is_empty() {
                return Err(row_error(row, "address", "is empty".into()));
            }
            let location = if with_location {
                let lng = coordinate(record.get(2).unwrap_or_default(), 180.0)
                    .map_err(|problem| row_error(row, "lng", problem))?;
                let lat = coordinate(record.get(3).unwrap_or_default(), 90.0)
                    .map_err(|problem| row_error(row, "lat", problem))?;
                match (lng, lat) {
                    (Some(lng), Some(lat)) => Some(Location { lng, lat }),
                    (None, None) => None,
                    (None, Some(_)) => {
                        return Err(row_error(row, "lng", "is empty but lat is given".into()));
                    }
                    (Some(_), None) => {
                        return Err(row_error(row, "lat", "is empty but lng is given".into()));
                    }
                }
            } else {
                None
            };
            entries.push(Entry {
                id: id.to_string(),
                address: address.to_string(),
                location,
            });
        }
        Ok(Registry::new(entries))
    }

    /// How many entries the registry holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the registry is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries, in load order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    fn push(&mut self, entry: Entry) {
        let index = u32::try_from(self.entries.len()).unwrap_or(u32::MAX);
        let parsed = Parsed::new(&entry.address, true);
        let features = self.features_of(&parsed);
        for (level, set) in features.divisions.iter().enumerate() {
            self.area[level].extend(set.iter().copied());
        }
        let mut grams = Vec::new();
        for name in &features.names {
            name.grams(&mut grams);
            name.skip_grams(&mut grams);
        }
        grams.sort_unstable();
        grams.dedup();
        for gram in grams {
            self.postings.entry(gram).or_default().push(index);
        }
        self.entries.push(entry);
        self.features.push(features);
    }

    /// Reduces an entry to features, adding its identifiers to the interner.
    fn features_of(&mut self, parsed: &Parsed) -> Features {
        let mut numbers = [NONE; 6];
        for (slot, id) in numbers.iter_mut().zip(identifiers(parsed)) {
            if let Some(id) = id {
                let next = u32::try_from(self.interner.len() + 1).unwrap_or(UNKNOWN - 1);
                *slot = *self
                    .interner
                    .entry(canonical_id(id).into_boxed_str())
                    .or_insert(next);
            }
        }
        features(parsed, numbers)
    }

    /// Reduces a query to features. Its identifiers are only looked up: one that no
    /// entry has becomes [`UNKNOWN`], which agrees with nothing.
    pub(crate) fn query_features(&self, parsed: &Parsed) -> Features {
        let mut numbers = [NONE; 6];
        for (slot, id) in numbers.iter_mut().zip(identifiers(parsed)) {
            if let Some(id) = id {
                let key = canonical_id(id);
                *slot = self.interner.get(key.as_str()).copied().unwrap_or(UNKNOWN);
            }
        }
        features(parsed, numbers)
    }
}

fn identifiers(parsed: &Parsed) -> [Option<&String>; 6] {
    let c = &parsed.components;
    [
        c.door_number.as_ref(),
        c.group.as_ref(),
        c.building.as_ref(),
        c.unit.as_ref(),
        c.floor.as_ref(),
        c.room.as_ref(),
    ]
}

fn features(parsed: &Parsed, numbers: [u32; 6]) -> Features {
    Features {
        divisions: parsed.divisions.sets.clone().map(Vec::into_boxed_slice),
        names: parsed.names.iter().map(NameKey::new).collect(),
        numbers,
    }
}

/// One spelling per identifier: leading zeros go (`015` is `15`).
fn canonical_id(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for (i, part) in id.split('-').enumerate() {
        if i > 0 {
            out.push('-');
        }
        let trimmed = part.trim_start_matches('0');
        out.push_str(if trimmed.is_empty() && !part.is_empty() {
            "0"
        } else {
            trimmed
        });
    }
    out
}

fn coordinate(text: &str, limit: f64) -> Result<Option<f64>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<f64>() {
        Ok(value) if value.is_finite() && value.abs() <= limit => Ok(Some(value)),
        Ok(_) => Err(format!("`{text}` is out of range (±{limit})")),
        Err(_) => Err(format!("`{text}` is not a number")),
    }
}

fn csv_error(file: &str, error: &csv::Error) -> RegistryError {
    let row = error.position().map_or(0, csv::Position::line);
    let problem = match error.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("has {len} fields where the header has {expected_len}"),
        csv::ErrorKind::Utf8 { .. } => "is not valid UTF-8".to_string(),
        _ => error.to_string(),
    };
    RegistryError::Row {
        file: file.to_string(),
        row,
        field: "row",
        problem,
    }
}
