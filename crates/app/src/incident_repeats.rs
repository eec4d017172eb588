//! Repeat detection at intake (一人多次/一地多起/一类多发) over the platform's incidents:
//! the `analytics` crate's incremental engine, fed with the incidents of the window
//! when first needed and then with each new one, so a flag costs constant amortised
//! time. Callers are hashed before they reach the engine.
//!
//! The engine takes incidents in call order. An incident entered with an earlier call
//! time than the latest (a late entry, an import of history) is judged by running the
//! same rules over the window's incidents from the store, and the engine is rebuilt
//! on the next intake; both paths give the same flags (the analytics crate's tests
//! prove the engine equals a recomputation).

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use fengqiao_analytics::{Observation, RepeatEngine, RepeatFlags, RepeatSettings, repeat_flags};
use fengqiao_domain::Timestamp;
use fengqiao_domain::incident::{IntakeFields, RepeatMarks};
use fengqiao_domain::org::RecordId;
use fengqiao_store::{AddressRow, RepeatInput};

use crate::{App, AppError};

/// The engine with the mapping from its numeric ids back to incidents.
pub(crate) struct RepeatState {
    engine: RepeatEngine,
    settings: RepeatSettings,
    ids: Vec<RecordId>,
    names: HashMap<String, u32>,
    latest: i64,
}

impl std::fmt::Debug for RepeatState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RepeatState")
            .field("incidents", &self.ids.len())
            .field("latest", &self.latest)
            .finish_non_exhaustive()
    }
}

pub(crate) type SharedRepeats = Arc<tokio::sync::Mutex<Option<RepeatState>>>;

/// A stable 64-bit key of a caller's phone or ID number (never stored).
fn key(text: &str) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut hasher);
    hasher.finish()
}

/// Longitude/latitude to planar metres, locally exact enough for a 50 m radius.
fn planar(lng: f64, lat: f64) -> (f64, f64) {
    let x = lng * 111_320.0 * lat.to_radians().cos();
    let y = lat * 110_574.0;
    (x, y)
}

impl RepeatState {
    fn intern(&mut self, name: &str) -> u32 {
        let next = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        *self.names.entry(name.to_owned()).or_insert(next)
    }

    fn observation(&mut self, input: &RepeatInput, time: i64) -> Observation {
        let id = self.ids.len() as u64;
        Observation {
            id,
            time,
            phone: input.caller_phone.as_deref().map(key),
            id_number: input.caller_id_number.as_deref().map(key),
            address: input
                .address_id
                .as_deref()
                .map(|a| self.intern(&format!("a:{a}"))),
            point: input.lng.zip(input.lat).map(|(lng, lat)| planar(lng, lat)),
            category: self.intern(&format!("c:{}", input.category.as_deref().unwrap_or(""))),
            area: self.intern(&format!("n:{}", input.node_id)),
        }
    }

    fn marks(&self, flags: &RepeatFlags) -> RepeatMarks {
        let ids = |flag: &Option<fengqiao_analytics::Flag>| -> Vec<RecordId> {
            flag.iter()
                .flat_map(|f| f.earlier.iter())
                .filter_map(|i| self.ids.get(usize::try_from(*i).ok()?).copied())
                .collect()
        };
        RepeatMarks {
            person: ids(&flags.person),
            place: ids(&flags.place),
            category: ids(&flags.category),
        }
    }
}

impl App {
    /// The repeat settings in force.
    async fn repeat_settings(&self) -> Result<RepeatSettings, AppError> {
        let s = self.settings().await?;
        Ok(RepeatSettings {
            window_seconds: s.repeat_window_days * 86_400,
            min_count: u32::try_from(s.repeat_min_count).unwrap_or(3),
            radius_m: s.repeat_radius_m as f64,
            surge_k: s.repeat_surge_percent as f64 / 100.0,
            ..RepeatSettings::default()
        })
    }

    /// How far back the rules look: the person/place window or the surge's weeks.
    fn horizon(settings: &RepeatSettings, now: i64) -> Result<String, AppError> {
        let weeks = i64::from(settings.trailing_weeks + 2) * 7 * 86_400;
        let back = settings.window_seconds.max(weeks);
        Ok(Timestamp::from_unix_seconds(now - back)?.to_string())
    }

    /// The repeats of a new incident, judged against every incident received before.
    /// `category` is its initial category (entered or suggested), as the read model
    /// keeps it and a rebuild of the engine reads it.
    pub(crate) async fn repeat_marks(
        &self,
        id: RecordId,
        intake: &IntakeFields,
        category: Option<&str>,
        address: Option<&AddressRow>,
        node: &str,
    ) -> Result<RepeatMarks, AppError> {
        let settings = self.repeat_settings().await?;
        let time = Timestamp::parse(&intake.called_at)?.unix_seconds();
        let input = repeat_input(id, intake, category, address, node);
        let mut guard = self.repeats.lock().await;
        let stale = guard
            .as_ref()
            .is_none_or(|s| s.settings != settings || time < s.latest);
        if stale {
            let rebuilt = self.rebuild_repeats(settings, time).await?;
            if time < rebuilt.latest {
                // A late entry: judge it over the window's incidents, in call order.
                *guard = None;
                drop(guard);
                return self.repeat_marks_over_history(settings, &input, time).await;
            }
            *guard = Some(rebuilt);
        }
        let Some(state) = guard.as_mut() else {
            return Ok(RepeatMarks::default());
        };
        let observation = state.observation(&input, time);
        let flags = state
            .engine
            .observe(&observation)
            .map_err(|e| AppError::Refused(e.to_string()))?;
        state.ids.push(id);
        state.latest = time;
        Ok(state.marks(&flags))
    }

    /// The repeats of many new incidents in call order (the bulk path), each judged
    /// against the store's incidents and the ones before it in `inputs`, exactly as
    /// intake one by one would judge them. The first must not be called before the
    /// latest stored incident. The engine is dropped afterwards, so the next intake
    /// rebuilds it from what was committed.
    pub(crate) async fn repeat_marks_in_order(
        &self,
        inputs: &[RepeatInput],
    ) -> Result<Vec<RepeatMarks>, AppError> {
        let Some(first) = inputs.first() else {
            return Ok(Vec::new());
        };
        let settings = self.repeat_settings().await?;
        let mut guard = self.repeats.lock().await;
        *guard = None;
        let start = Timestamp::parse(&first.called_at)?.unix_seconds();
        let mut state = self.rebuild_repeats(settings, start).await?;
        let mut marks = Vec::with_capacity(inputs.len());
        for input in inputs {
            let time = Timestamp::parse(&input.called_at)?.unix_seconds();
            if time < state.latest {
                return Err(AppError::Refused(format!(
                    "bulk intake must be in call order: {} comes after a later call",
                    input.called_at
                )));
            }
            let observation = state.observation(input, time);
            let flags = state
                .engine
                .observe(&observation)
                .map_err(|e| AppError::Refused(e.to_string()))?;
            state.ids.push(
                input
                    .id
                    .parse()
                    .map_err(|_| AppError::Refused(format!("corrupt incident id {}", input.id)))?,
            );
            state.latest = time;
            marks.push(state.marks(&flags));
        }
        Ok(marks)
    }

    /// Drops the engine (after a failed commit it may hold an incident that is not
    /// in the store); the next intake rebuilds it.
    pub(crate) async fn forget_repeats(&self) {
        *self.repeats.lock().await = None;
    }

    async fn rebuild_repeats(
        &self,
        settings: RepeatSettings,
        now: i64,
    ) -> Result<RepeatState, AppError> {
        let mut state = RepeatState {
            engine: RepeatEngine::new(settings).map_err(|e| AppError::Refused(e.to_string()))?,
            settings,
            ids: Vec::new(),
            names: HashMap::new(),
            latest: i64::MIN,
        };
        for input in self
            .store
            .repeat_inputs(&Self::horizon(&settings, now)?)
            .await?
        {
            let time = Timestamp::parse(&input.called_at)?.unix_seconds();
            let observation = state.observation(&input, time);
            state
                .engine
                .observe(&observation)
                .map_err(|e| AppError::Refused(e.to_string()))?;
            state.ids.push(
                input
                    .id
                    .parse()
                    .map_err(|_| AppError::Refused(format!("corrupt incident id {}", input.id)))?,
            );
            state.latest = time;
        }
        Ok(state)
    }

    async fn repeat_marks_over_history(
        &self,
        settings: RepeatSettings,
        input: &RepeatInput,
        time: i64,
    ) -> Result<RepeatMarks, AppError> {
        let mut state = RepeatState {
            engine: RepeatEngine::new(settings).map_err(|e| AppError::Refused(e.to_string()))?,
            settings,
            ids: Vec::new(),
            names: HashMap::new(),
            latest: i64::MIN,
        };
        let mut observations = Vec::new();
        let since = Self::horizon(&settings, time)?;
        // Everything called up to the new incident's time counts as earlier; what was
        // called after it does not.
        for past in self.store.repeat_inputs(&since).await? {
            let t = Timestamp::parse(&past.called_at)?.unix_seconds();
            if t > time {
                break;
            }
            observations.push(state.observation(&past, t));
            state.ids.push(
                past.id
                    .parse()
                    .map_err(|_| AppError::Refused(format!("corrupt incident id {}", past.id)))?,
            );
        }
        observations.push(state.observation(input, time));
        let flags =
            repeat_flags(settings, &observations).map_err(|e| AppError::Refused(e.to_string()))?;
        Ok(flags.last().map(|f| state.marks(f)).unwrap_or_default())
    }
}

/// What the engine is told of an incident at intake.
pub(crate) fn repeat_input(
    id: RecordId,
    intake: &IntakeFields,
    category: Option<&str>,
    address: Option<&AddressRow>,
    node: &str,
) -> RepeatInput {
    RepeatInput {
        id: id.to_string(),
        called_at: intake.called_at.clone(),
        caller_phone: intake.caller_phone.clone(),
        caller_id_number: intake.caller_id_number.clone(),
        address_id: address.map(|a| a.id.clone()),
        lng: address.and_then(|a| a.lng),
        lat: address.and_then(|a| a.lat),
        category: category.map(str::to_owned),
        node_id: node.to_owned(),
    }
}
