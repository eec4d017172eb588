//! Long imports run in the background while the page polls their progress: a small
//! in-memory registry of jobs, each visible only to the user who started it. Jobs are
//! operational state like sessions (what they write is recorded as events by the use
//! case); a finished job is kept for an hour so its report can be read again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fengqiao_app::base_import::ImportProgress;
use fengqiao_app::codes::ImportSummary;

/// How long a finished job's report is kept.
const KEEP: Duration = Duration::from_secs(3600);

/// Where a job stands.
#[derive(Debug, Clone)]
pub enum JobState {
    /// Still running, with its latest progress.
    Running(ImportProgress),
    /// Done, with what it did and a remark (e.g. rows whose category was unknown).
    Done(ImportSummary, Option<String>),
    /// Refused or failed: the message and the row problems, nothing written.
    Failed {
        /// What went wrong.
        message: String,
        /// One line per bad row.
        rows: Vec<String>,
    },
}

#[derive(Debug)]
struct Job {
    owner: String,
    name: String,
    state: JobState,
    finished: Option<Instant>,
}

/// The registry, shared by every request.
#[derive(Debug, Clone, Default)]
pub struct Jobs(Arc<Mutex<HashMap<String, Job>>>);

impl Jobs {
    /// Registers a new running job of `owner` and returns its id.
    pub fn start(&self, owner: &str, name: &str) -> String {
        let id = uuid::Uuid::now_v7().to_string();
        if let Ok(mut jobs) = self.0.lock() {
            jobs.retain(|_, job| job.finished.is_none_or(|at| at.elapsed() < KEEP));
            jobs.insert(
                id.clone(),
                Job {
                    owner: owner.to_owned(),
                    name: name.to_owned(),
                    state: JobState::Running(ImportProgress {
                        phase: "reading",
                        done: 0,
                        total: 0,
                    }),
                    finished: None,
                },
            );
        }
        id
    }

    /// Records a job's new state.
    pub fn update(&self, id: &str, state: JobState) {
        if let Ok(mut jobs) = self.0.lock()
            && let Some(job) = jobs.get_mut(id)
        {
            if !matches!(state, JobState::Running(_)) {
                job.finished = Some(Instant::now());
            }
            job.state = state;
        }
    }

    /// A job's file name and state, if it exists and belongs to `owner`.
    pub fn get(&self, id: &str, owner: &str) -> Option<(String, JobState)> {
        let jobs = self.0.lock().ok()?;
        let job = jobs.get(id).filter(|job| job.owner == owner)?;
        Some((job.name.clone(), job.state.clone()))
    }
}
