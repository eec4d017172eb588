//! Use cases of fengqiao: each loads what it needs, lets the domain decide, and commits
//! the resulting events through the store in one transaction.
//!
//! Who may do what (role × jurisdiction) is decided here, in one place, before any use
//! case runs; the web and CLI layers only translate requests into these calls.

pub mod admin;
pub mod auth;
pub mod base;
pub mod base_import;
pub mod campaign;
pub mod codes;
pub mod demo;
pub mod demo_base;
pub mod demo_incidents;
mod demo_life;
mod demo_narratives;
pub mod duty;
mod error;
pub mod incident;
pub mod incident_board;
mod incident_bulk;
pub mod incident_figures;
pub mod incident_import;
mod incident_numbers;
mod incident_repeats;
pub mod org;
pub mod policy;
pub mod secondary;
pub mod settings;
pub mod summary;
pub mod trail;
pub mod transfer;
pub mod users;

pub use error::{AppError, RowError};

use fengqiao_store::Store;

/// The application: the use cases over one store.
#[derive(Debug, Clone)]
pub struct App {
    store: Store,
    /// The standard addresses indexed for matching, shared by clones.
    matcher: base::SharedMatcher,
    /// The repeat engine over recent incidents, shared by clones.
    repeats: incident_repeats::SharedRepeats,
    /// The category suggestion's classifier: the embedded rules, or the rules with an
    /// administrator's extension.
    classifier: Option<std::sync::Arc<fengqiao_classify::Classifier>>,
    /// The day's incident serials, shared by clones.
    serials: incident_numbers::SharedSerials,
}

impl App {
    /// Wraps an opened, migrated store.
    pub fn new(store: Store) -> Self {
        Self {
            store,
            matcher: base::SharedMatcher::default(),
            repeats: incident_repeats::SharedRepeats::default(),
            classifier: None,
            serials: incident_numbers::SharedSerials::default(),
        }
    }

    /// The same application with the category suggestion's rules extended by an
    /// administrator's file (see `fengqiao_classify::Classifier::with_extension`).
    pub fn with_classifier(mut self, classifier: fengqiao_classify::Classifier) -> Self {
        self.classifier = Some(std::sync::Arc::new(classifier));
        self
    }

    /// The classifier of the category suggestion: the administrator's, or the embedded
    /// rules' (built once per process: loading jieba's dictionary takes a moment).
    pub fn classifier(&self) -> &fengqiao_classify::Classifier {
        static DEFAULT: std::sync::OnceLock<fengqiao_classify::Classifier> =
            std::sync::OnceLock::new();
        match &self.classifier {
            Some(own) => own,
            None => DEFAULT.get_or_init(fengqiao_classify::Classifier::default),
        }
    }

    /// Appends one event to its own stream with the side writes that belong to it. No
    /// version check: for streams with one natural writer and for append-only trails
    /// (sign-ins, the access trail, settings), where no decision rests on a read.
    pub(crate) async fn append(
        &self,
        actor: &fengqiao_domain::Actor,
        event: fengqiao_domain::DomainEvent,
        side: &[fengqiao_store::SideWrite],
    ) -> Result<(), AppError> {
        let commit = fengqiao_store::Commit::now(
            event.stream(),
            fengqiao_store::ExpectedVersion::Any,
            vec![event],
        );
        self.store.commit(actor, &[commit], side).await?;
        Ok(())
    }

    /// The underlying store, for read-only queries the pages and tools need.
    pub fn store(&self) -> &Store {
        &self.store
    }
}
