//! Intake in bulk: many incidents of the past received at once (the demo's year),
//! prepared in memory and committed in large chunks through the one write path.
//!
//! Each incident gets exactly what intake one by one would give it — the category
//! suggested from the narrative, the address matched by the registry, the node of the
//! matched grid, the repeats from the same engine fed in call order, the day's serial —
//! but the registry is asked once per distinct text, the code table and the settings
//! are read once, and the events go to [`fengqiao_store::Store::commit`] thousands of
//! commits at a time instead of one transaction per incident.

use std::collections::HashMap;

use fengqiao_domain::codes::CodeTable;
use fengqiao_domain::incident::{IncidentNumber, IntakeFields};
use fengqiao_domain::org::RecordId;
use fengqiao_domain::{Actor, DomainEvent, Timestamp};
use fengqiao_store::{AddressRow, Commit, ExpectedVersion};

use crate::incident::{local_day, suggestion_in};
use crate::incident_repeats::repeat_input;
use crate::{App, AppError};

/// One incident for bulk intake.
#[derive(Debug, Clone)]
pub(crate) struct BulkIntake {
    /// Its id (given, so a seeded caller gets the same ids every time).
    pub id: RecordId,
    /// What the command room entered.
    pub intake: IntakeFields,
    /// The node it belongs to when its address matches nothing (the receiving station).
    pub fallback_node: String,
}

/// A received incident, ready to commit.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    /// Its id.
    pub id: RecordId,
    /// The `IncidentReceived` event.
    pub event: DomainEvent,
    /// The node it belongs to.
    pub node_id: String,
    /// When the call came in.
    pub called: Timestamp,
    /// Whether the address matched a standard address.
    pub matched: bool,
}

impl App {
    /// Receives many incidents, given in call order, no earlier than the latest stored
    /// call: the events are decided here, nothing is written (commit them with
    /// [`App::commit_in_chunks`]). External numbers must be new.
    pub(crate) async fn receive_in_bulk(
        &self,
        intakes: Vec<BulkIntake>,
    ) -> Result<Vec<Received>, AppError> {
        let entries = self.store.code_entries(CodeTable::IncidentCategory).await?;
        let registry = self.address_registry().await?;
        let mut matched_text: HashMap<String, (Option<String>, f64)> = HashMap::new();
        let mut addresses: HashMap<String, Option<AddressRow>> = HashMap::new();
        let mut prepared = Vec::with_capacity(intakes.len());
        let mut inputs = Vec::with_capacity(intakes.len());
        for bulk in intakes {
            let intake = bulk.intake.checked()?;
            if let Some(number) = &intake.external_number
                && self
                    .store
                    .incident_by_external_number(number)
                    .await?
                    .is_some()
            {
                return Err(AppError::Refused(format!(
                    "the incident {number} has already been received"
                )));
            }
            let suggestion = match &intake.category {
                Some(_) => None,
                None => suggestion_in(self.classifier(), &entries, &intake.narrative),
            };
            let (address_id, score) = matched_text
                .entry(intake.address_text.clone())
                .or_insert_with(|| {
                    let found = registry.match_query(&intake.address_text);
                    (found.id, found.score)
                })
                .clone();
            let address = match address_id {
                Some(id) => match addresses.get(&id) {
                    Some(row) => row.clone(),
                    None => {
                        let row = self.store.address(&id).await?;
                        addresses.insert(id, row.clone());
                        row
                    }
                },
                None => None,
            };
            let node = address
                .as_ref()
                .map_or(bulk.fallback_node, |a| a.node_id.clone());
            let category = intake
                .category
                .clone()
                .or_else(|| suggestion.as_ref().map(|s| s.code.clone()));
            inputs.push(repeat_input(
                bulk.id,
                &intake,
                category.as_deref(),
                address.as_ref(),
                &node,
            ));
            prepared.push((bulk.id, intake, suggestion, address, score, node));
        }
        let marks = self.repeat_marks_in_order(&inputs).await?;
        // The day's serials: counted from the store once per day, then in memory; the
        // counters of intake one by one are dropped so the next intake counts afresh.
        let mut serials: HashMap<String, i64> = HashMap::new();
        let mut received = Vec::with_capacity(prepared.len());
        for ((id, intake, suggestion, address, score, node), repeats) in
            prepared.into_iter().zip(marks)
        {
            let called = Timestamp::parse(&intake.called_at)?;
            let day = local_day(called);
            let serial = match serials.get_mut(&day) {
                Some(last) => {
                    *last += 1;
                    *last
                }
                None => {
                    let stored = self
                        .store
                        .incident_numbers_with(&format!("J{day}-"))
                        .await?;
                    self.forget_serial(&day);
                    serials.insert(day.clone(), stored + 1);
                    stored + 1
                }
            };
            let event = DomainEvent::IncidentReceived {
                id,
                number: IncidentNumber::new(&day, u32::try_from(serial).unwrap_or(u32::MAX))
                    .to_string(),
                intake: Box::new(intake),
                address_id: address.as_ref().and_then(|a| a.id.parse().ok()),
                node_id: node
                    .parse()
                    .map_err(|_| AppError::Refused(format!("corrupt node id {node}")))?,
                match_score: address.as_ref().map(|_| score),
                lng: address.as_ref().and_then(|a| a.lng),
                lat: address.as_ref().and_then(|a| a.lat),
                repeats,
                suggestion,
            };
            received.push(Received {
                id,
                event,
                node_id: node,
                called,
                matched: address.is_some(),
            });
        }
        Ok(received)
    }

    /// Commits `commits` in the order given, each run of consecutive commits by one
    /// actor as one [`fengqiao_store::Store::commit`] call of at most `per_call` commits
    /// (one transaction). `progress` is called with the commits written so far.
    pub(crate) async fn commit_in_chunks(
        &self,
        commits: Vec<(Actor, Commit)>,
        per_call: usize,
        progress: &dyn Fn(usize),
    ) -> Result<usize, AppError> {
        let mut written = 0;
        let mut events = 0;
        let mut run: Vec<Commit> = Vec::new();
        let mut run_actor: Option<Actor> = None;
        for (actor, commit) in commits {
            if run_actor.as_ref() != Some(&actor) || run.len() >= per_call.max(1) {
                if let Some(previous) = run_actor.take()
                    && !run.is_empty()
                {
                    events += self.store.commit(&previous, &run, &[]).await?.len();
                    written += run.len();
                    progress(written);
                    run.clear();
                }
                run_actor = Some(actor);
            }
            run.push(commit);
        }
        if let Some(actor) = run_actor
            && !run.is_empty()
        {
            events += self.store.commit(&actor, &run, &[]).await?.len();
            written += run.len();
            progress(written);
        }
        Ok(events)
    }
}

/// A commit of one step of a stream at its historical time.
pub(crate) fn commit_at(
    events: Vec<DomainEvent>,
    expected: ExpectedVersion,
    occurred_at: Timestamp,
) -> Option<Commit> {
    let stream = events.first()?.stream();
    let mut commit = Commit::now(stream, expected, events);
    commit.occurred_at = occurred_at;
    Some(commit)
}
