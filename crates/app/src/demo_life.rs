//! The life of each demo incident after intake, decided step by step by the domain
//! (`decide` for the dispatch path, `decide_transfer` for the transfer loop) against
//! the incident's state held in memory, each step a commit at its historical time by
//! the account that would take it (the demo's dispatcher, officer or agency user where
//! the demo has one, the demo's system actor otherwise, the escalation sweep for 督办).
//! Nothing is written here; the steps come back as commits in order.

use std::collections::HashMap;

use fengqiao_domain::incident::{
    Branch, IncidentCommand, IncidentState, IncidentStatus, TransferStart, decide,
};
use fengqiao_domain::org::RecordId;
use fengqiao_domain::transfer::{
    Assignment, Satisfaction, StepHours, TransferCommand, TransferState, TransferStatus,
    decide_transfer,
};
use fengqiao_domain::{Actor, DomainEvent, Timestamp};
use fengqiao_store::{Commit, ExpectedVersion, NodeRow, StaffRow};
use rand::Rng;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;

use crate::AppError;
use crate::demo_narratives::{self as text, Kind};
use crate::incident::{Candidate, rank_officers};
use crate::incident_bulk::{Received, commit_at};
use crate::transfer::Proposal;

/// Everything the lives need to know of the bureau, read once.
pub(crate) struct World {
    pub nodes: Vec<NodeRow>,
    /// Field staff per station id.
    pub staff: HashMap<String, Vec<StaffRow>>,
    /// Per node: (its chain to the root, its station).
    pub places: HashMap<String, (Vec<String>, Option<String>)>,
    /// The category code's top level.
    pub tops: HashMap<String, String>,
    /// The transfer list's proposal per (category, node).
    pub proposals: HashMap<(String, String), Option<Proposal>>,
    /// The agencies (id), for a reassignment after a decline.
    pub partners: Vec<RecordId>,
    pub hours: StepHours,
    pub actors: Actors,
    /// The seeding time: nothing happens after it.
    pub now: i64,
    /// How many transferred matters were left stuck so far.
    pub stuck: std::cell::Cell<usize>,
}

/// The states a transferred matter can be stuck in.
const OPEN_STATES: [TransferState; 6] = [
    TransferState::Assigned,
    TransferState::Signed,
    TransferState::Verified,
    TransferState::Handled,
    TransferState::FedBack,
    TransferState::Evaluated,
];

/// Who takes which step.
pub(crate) struct Actors {
    /// The demo's system actor.
    pub system: Actor,
    /// The escalation sweep.
    pub sweep: Actor,
    /// The command room's account per station id.
    pub dispatchers: HashMap<String, Actor>,
    /// Accounts linked to staff records.
    pub staff: HashMap<String, Actor>,
    /// Accounts of partner agencies.
    pub partners: HashMap<RecordId, Actor>,
}

/// An incident's state while its life is decided, and its commits so far.
struct Track {
    id: RecordId,
    version: i64,
    status: IncidentStatus,
    transfer: Option<TransferStatus>,
    out: Vec<(Actor, Commit)>,
    now: i64,
    last: i64,
}

impl Track {
    /// Decides the events at `at` and records them; `false` when `at` is after the
    /// seeding time (the step has not happened yet), and then nothing is recorded.
    fn take(&mut self, actor: &Actor, at: i64, events: Vec<DomainEvent>) -> Result<bool, AppError> {
        // Steps keep their order even when drawn times touch.
        let at = at.max(self.last + 1);
        if at > self.now {
            return Ok(false);
        }
        if events.is_empty() {
            return Ok(true);
        }
        for event in &events {
            self.status.state = self.status.state.after(event);
            if let DomainEvent::IncidentDispatched { staff_id, .. } = event {
                self.status.assignee = Some(*staff_id);
            }
            self.fold_transfer(event)?;
        }
        self.status.transfer = self.transfer.as_ref().map(|t| t.state);
        let n = events.len() as i64;
        let expected = if self.version == 0 {
            ExpectedVersion::NoStream
        } else {
            ExpectedVersion::Exact(self.version)
        };
        if let Some(commit) = commit_at(events, expected, Timestamp::from_unix_seconds(at)?) {
            self.out.push((actor.clone(), commit));
        }
        self.version += n;
        self.last = at;
        Ok(true)
    }

    fn fold_transfer(&mut self, event: &DomainEvent) -> Result<(), AppError> {
        let due = |text: &str| Timestamp::parse(text).map(Some);
        match event {
            DomainEvent::TransferAssigned {
                partner_id,
                handle_hours,
                due_at,
                ..
            } => {
                self.transfer = Some(TransferStatus {
                    state: TransferState::Assigned,
                    partner_id: *partner_id,
                    handle_hours: *handle_hours,
                    due_at: due(due_at)?,
                    escalated_step: None,
                });
            }
            DomainEvent::TransferEscalated { step, .. } => {
                if let Some(t) = &mut self.transfer {
                    t.escalated_step = Some(*step);
                }
            }
            _ => {
                let Some(t) = &mut self.transfer else {
                    return Ok(());
                };
                t.state = t.state.after(event);
                match event {
                    DomainEvent::TransferSigned { due_at, .. }
                    | DomainEvent::TransferVerified { due_at, .. }
                    | DomainEvent::TransferHandled { due_at, .. }
                    | DomainEvent::TransferFedBack { due_at, .. }
                    | DomainEvent::TransferDeclined { due_at, .. }
                    | DomainEvent::TransferEvaluated { due_at, .. } => t.due_at = due(due_at)?,
                    DomainEvent::TransferReviewed { due_at, .. } => {
                        t.due_at = due_at.as_deref().map(Timestamp::parse).transpose()?;
                    }
                    _ => {}
                }
            }
        }
        Ok(())
    }

    fn incident(&self, command: IncidentCommand) -> Result<Vec<DomainEvent>, AppError> {
        Ok(decide(self.id, &self.status, command)?)
    }
}

/// Minutes and hours as seconds, drawn uniformly.
fn secs(rng: &mut ChaCha8Rng, from: f64, to: f64) -> i64 {
    rng.random_range(from..to).round() as i64
}
const MIN: f64 = 60.0;
const HOUR: f64 = 3600.0;

impl World {
    fn dispatcher(&self, station: Option<&String>) -> &Actor {
        station
            .and_then(|s| self.actors.dispatchers.get(s))
            .unwrap_or(&self.actors.system)
    }

    fn officer(&self, staff_id: &str) -> &Actor {
        self.actors
            .staff
            .get(staff_id)
            .unwrap_or(&self.actors.system)
    }

    fn agency(&self, partner: RecordId) -> &Actor {
        self.actors
            .partners
            .get(&partner)
            .unwrap_or(&self.actors.system)
    }

    /// The life of one received incident of `kind`: its commits, the intake first.
    /// `load` holds, per officer, until when each of their incidents keeps them busy.
    pub(crate) fn live(
        &self,
        received: Received,
        kind: &Kind,
        receiver: &Actor,
        load: &mut HashMap<String, Vec<i64>>,
        rng: &mut ChaCha8Rng,
    ) -> Result<Vec<(Actor, Commit)>, AppError> {
        let called = received.called.unix_seconds();
        let mut track = Track {
            id: received.id,
            version: 0,
            status: IncidentStatus {
                state: IncidentState::Received,
                assignee: None,
                transfer: None,
            },
            transfer: None,
            out: Vec::new(),
            now: self.now,
            last: called - 1,
        };
        track.take(receiver, called, vec![received.event])?;
        // The newest incidents are still on the live board: some have gone no further
        // than a step or two (a cut-off after this many steps).
        let age = self.now - called;
        let open_share = match age {
            a if a < 6 * 3600 => 0.5,
            a if a < 24 * 3600 => 0.25,
            a if a < 48 * 3600 => 0.12,
            _ => 0.0,
        };
        let cut = rng
            .random_bool(open_share)
            .then(|| rng.random_range(0..5usize));
        let (chain, station) = self
            .places
            .get(&received.node_id)
            .cloned()
            .unwrap_or_else(|| (vec![received.node_id.clone()], None));
        let top = self.tops.get(kind.code).cloned().unwrap_or_default();
        let branch = self.branch(kind, &top, rng);
        let proposal = match branch {
            Branch::NonPolice => self
                .proposals
                .get(&(kind.code.to_owned(), received.node_id))
                .cloned()
                .flatten(),
            _ => None,
        };
        let branch = if branch == Branch::NonPolice && proposal.is_none() {
            Branch::Police
        } else {
            branch
        };
        if cut == Some(0) {
            return Ok(track.out);
        }
        let dispatcher = self.dispatcher(station.as_ref()).clone();
        match (branch, proposal) {
            (Branch::NonPolice, Some(proposal)) => {
                let at = called + secs(rng, 2.0 * MIN, 15.0 * MIN);
                let start = TransferStart {
                    assignment: Assignment {
                        partner_id: proposal.rule.partner_id,
                        rule_id: Some(proposal.rule_id),
                        overridden: false,
                        handle_hours: proposal.rule.handle_hours,
                    },
                    hours: self.hours,
                    now: Timestamp::from_unix_seconds(at.max(track.last + 1))?,
                };
                let events = track.incident(IncidentCommand::Triage {
                    category: kind.code.to_owned(),
                    branch,
                    note: Some("非警务事项，按分流转办清单交办".into()),
                    transfer: Some(start),
                })?;
                if track.take(&dispatcher, at, events)? {
                    self.transfer_loop(&mut track, &dispatcher, cut.is_some(), rng)?;
                }
            }
            (Branch::Dispute | Branch::Case, _) => {
                let note = if branch == Branch::Dispute {
                    "矛盾纠纷，转社区民警建档跟进化解"
                } else {
                    "涉嫌违法犯罪，移交案件侦办队"
                };
                let at = called + secs(rng, 1.0 * MIN, 10.0 * MIN);
                let events = track.incident(IncidentCommand::Triage {
                    category: kind.code.to_owned(),
                    branch,
                    note: Some(note.into()),
                    transfer: None,
                })?;
                if track.take(&dispatcher, at, events)? && cut.is_none() {
                    let at = track.last + secs(rng, 1.0 * HOUR, 30.0 * HOUR);
                    let events = track.incident(IncidentCommand::Close)?;
                    track.take(&dispatcher, at, events)?;
                }
            }
            _ => self.police(&mut track, kind, (&chain, station.as_ref()), cut, load, rng)?,
        }
        Ok(track.out)
    }

    /// What triage makes of a kind: most disputes are mediated on the spot, some go to
    /// a dispute file or to people's mediation; some crimes go straight to the case
    /// team; complaints and non-police matters are transferred.
    fn branch(&self, kind: &Kind, top: &str, rng: &mut ChaCha8Rng) -> Branch {
        let roll: f64 = rng.random();
        match top {
            "dispute" if roll < 0.14 => Branch::NonPolice,
            "dispute" if roll < 0.28 => Branch::Dispute,
            "criminal" if roll < 0.35 => Branch::Case,
            "non_police" | "report_complaint" => Branch::NonPolice,
            _ if kind.code == "non_police" => Branch::NonPolice,
            _ => Branch::Police,
        }
    }

    /// 派警 → 签收 → 到场 → 反馈 → 办结, with the officer the recommendation ranks
    /// first (now and then the second), and arrival times around the 5-minute mark.
    fn police(
        &self,
        track: &mut Track,
        kind: &Kind,
        (chain, station): (&[String], Option<&String>),
        cut: Option<usize>,
        load: &mut HashMap<String, Vec<i64>>,
        rng: &mut ChaCha8Rng,
    ) -> Result<(), AppError> {
        let dispatcher = self.dispatcher(station).clone();
        let called = track.last;
        let at = called + secs(rng, 15.0, 60.0);
        let events = track.incident(IncidentCommand::Triage {
            category: kind.code.to_owned(),
            branch: Branch::Police,
            note: None,
            transfer: None,
        })?;
        if !track.take(&dispatcher, at, events)? || cut == Some(1) {
            return Ok(());
        }
        let at = track.last + secs(rng, 10.0, 40.0);
        let open: HashMap<String, i64> = load
            .iter_mut()
            .map(|(staff, until)| {
                until.retain(|u| *u > at);
                (staff.clone(), until.len() as i64)
            })
            .collect();
        let staff = station
            .and_then(|s| self.staff.get(s))
            .cloned()
            .unwrap_or_default();
        let top = self.tops.get(kind.code).cloned().unwrap_or_default();
        let ranked = rank_officers(staff, &self.nodes, chain, (&top, kind.code), &open);
        let pick = if ranked.len() > 1 && rng.random_bool(0.12) {
            1
        } else {
            0
        };
        let Some(chosen) = ranked.get(pick).cloned() else {
            return Ok(());
        };
        let overridden = pick > 0 && ranked[0].score > chosen.score;
        let Candidate {
            staff_id, reasons, ..
        } = chosen;
        let officer_id: RecordId = staff_id
            .parse()
            .map_err(|_| AppError::Refused(format!("corrupt staff id {staff_id}")))?;
        let events = track.incident(IncidentCommand::Dispatch {
            staff_id: officer_id,
            reasons,
            overridden,
        })?;
        if !track.take(&dispatcher, at, events)? {
            return Ok(());
        }
        let officer = self.officer(&staff_id).clone();
        let busy = load.entry(staff_id).or_default();
        if cut == Some(2) {
            busy.push(i64::MAX);
            return Ok(());
        }
        if rng.random_bool(0.9) {
            let at = track.last + secs(rng, 5.0, 30.0);
            let events = track.incident(IncidentCommand::Accept {
                staff_id: officer_id,
            })?;
            track.take(&officer, at, events)?;
        }
        // Travel time: a few are on the spot already, most arrive within five minutes
        // of the call, a tail (villages, traffic) takes much longer.
        let roll: f64 = rng.random();
        let travel = match roll {
            r if r < 0.08 => secs(rng, 5.0, 25.0),
            r if r < 0.60 => secs(rng, 40.0, 150.0),
            r if r < 0.87 => secs(rng, 150.0, 290.0),
            _ => secs(rng, 300.0, 1500.0),
        };
        let events = track.incident(IncidentCommand::Arrive {
            staff_id: officer_id,
        })?;
        if !track.take(&officer, track.last + travel, events)? || cut == Some(3) {
            busy.push(i64::MAX);
            return Ok(());
        }
        let dispute = kind.results.iter().any(|(code, _)| *code == "mediated");
        let on_site = if dispute {
            secs(rng, 20.0 * MIN, 120.0 * MIN)
        } else {
            secs(rng, 8.0 * MIN, 70.0 * MIN)
        };
        let (result_code, feedback) = kind
            .results
            .choose(rng)
            .copied()
            .unwrap_or(("handled_on_site", "现场处置完毕"));
        let events = track.incident(IncidentCommand::Feedback {
            staff_id: officer_id,
            result_code: result_code.to_owned(),
            narrative: feedback.to_owned(),
            photos: Vec::new(),
        })?;
        if !track.take(&officer, track.last + on_site, events)? {
            busy.push(i64::MAX);
            return Ok(());
        }
        busy.push(track.last);
        if cut == Some(4) {
            return Ok(());
        }
        let at = track.last + secs(rng, 3.0 * MIN, 90.0 * MIN);
        let events = track.incident(IncidentCommand::Close)?;
        track.take(&dispatcher, at, events)?;
        Ok(())
    }

    /// The loop 交办 → 签收 → 核查 → 处置 → 反馈 → 评价 → 问效, with now and then a
    /// decline and reassignment, a late step escalated by the sweep, a result sent back
    /// at review, and some matters left open (`stall`: one step never comes).
    fn transfer_loop(
        &self,
        track: &mut Track,
        dispatcher: &Actor,
        stall: bool,
        rng: &mut ChaCha8Rng,
    ) -> Result<(), AppError> {
        // A few matters of the last weeks are stuck at some step, overdue.
        let stuck_at = (stall || (self.now - track.last < 60 * 86_400 && rng.random_bool(0.12)))
            .then(|| {
                // Spread over the steps in turn, so each step has its stuck matters.
                let turn = self.stuck.get();
                self.stuck.set(turn + 1);
                OPEN_STATES[turn % OPEN_STATES.len()]
            });
        let mut declined = false;
        let mut sent_back = false;
        loop {
            let Some(status) = track.transfer.clone() else {
                return Ok(());
            };
            if stuck_at == Some(status.state) || status.state == TransferState::Reviewed {
                break;
            }
            let late = rng.random_bool(0.06);
            let partner = status.partner_id;
            let (actor, delay, command) = match status.state {
                TransferState::Assigned if !declined && rng.random_bool(0.04) => {
                    declined = true;
                    let reason = text::DECLINE_REASONS
                        .choose(rng)
                        .copied()
                        .unwrap_or("非本单位职责");
                    let command = TransferCommand::Decline {
                        partner_id: partner,
                        reason: reason.into(),
                    };
                    (
                        self.agency(partner),
                        secs(rng, 0.3 * HOUR, 1.5 * HOUR),
                        command,
                    )
                }
                TransferState::Assigned => {
                    let delay = if late {
                        secs(rng, 2.5 * HOUR, 8.0 * HOUR)
                    } else {
                        secs(rng, 0.1 * HOUR, 1.8 * HOUR)
                    };
                    let command = TransferCommand::Sign {
                        partner_id: partner,
                    };
                    (self.agency(partner), delay, command)
                }
                TransferState::Declined => {
                    let other = self
                        .partners
                        .iter()
                        .copied()
                        .find(|p| *p != partner)
                        .unwrap_or(partner);
                    // The dispatcher's own choice: no rule proposed this agency.
                    let command = TransferCommand::Reassign(Assignment {
                        partner_id: other,
                        rule_id: None,
                        overridden: true,
                        handle_hours: None,
                    });
                    (dispatcher, secs(rng, 0.3 * HOUR, 4.0 * HOUR), command)
                }
                TransferState::Signed => {
                    let note = text::VERIFY_NOTES.choose(rng).copied().unwrap_or("已核实");
                    let command = TransferCommand::Verify {
                        partner_id: partner,
                        note: note.into(),
                    };
                    let delay = if late {
                        secs(rng, 25.0 * HOUR, 40.0 * HOUR)
                    } else {
                        secs(rng, 1.0 * HOUR, 20.0 * HOUR)
                    };
                    (self.agency(partner), delay, command)
                }
                TransferState::Verified => {
                    let note = text::HANDLE_NOTES.choose(rng).copied().unwrap_or("已处置");
                    let command = TransferCommand::Handle {
                        partner_id: partner,
                        note: note.into(),
                    };
                    let allowed = self.hours.of(
                        fengqiao_domain::transfer::TransferStep::Handle,
                        status.handle_hours,
                    ) as f64;
                    let delay = if late {
                        secs(rng, allowed * HOUR * 1.05, allowed * HOUR * 1.5)
                    } else {
                        secs(rng, 2.0 * HOUR, allowed * HOUR * 0.9)
                    };
                    (self.agency(partner), delay, command)
                }
                TransferState::Handled => {
                    let note = text::FEEDBACK_NOTES
                        .choose(rng)
                        .copied()
                        .unwrap_or("已反馈");
                    let command = TransferCommand::Feedback {
                        partner_id: partner,
                        narrative: note.into(),
                    };
                    (
                        self.agency(partner),
                        secs(rng, 0.5 * HOUR, 20.0 * HOUR),
                        command,
                    )
                }
                TransferState::FedBack => {
                    let roll: f64 = rng.random();
                    let satisfaction = match roll {
                        r if r < 0.82 => Satisfaction::Satisfied,
                        r if r < 0.92 => Satisfaction::Basic,
                        r if r < 0.97 => Satisfaction::Unsatisfied,
                        _ => Satisfaction::Unreachable,
                    };
                    let note = (satisfaction == Satisfaction::Satisfied)
                        .then(|| text::EVALUATION_NOTES.choose(rng).copied())
                        .flatten()
                        .map(str::to_owned);
                    let command = TransferCommand::Evaluate { satisfaction, note };
                    (dispatcher, secs(rng, 2.0 * HOUR, 40.0 * HOUR), command)
                }
                TransferState::Evaluated => {
                    let back = !sent_back && rng.random_bool(0.03);
                    sent_back |= back;
                    let command = TransferCommand::Review {
                        accepted: !back,
                        note: if back {
                            "群众反映问题未彻底解决，退回重新处置".into()
                        } else {
                            "处置到位，同意办结".into()
                        },
                    };
                    (dispatcher, secs(rng, 2.0 * HOUR, 48.0 * HOUR), command)
                }
                TransferState::Reviewed => break,
            };
            let at = track.last + delay;
            if !self.escalate_before(track, at)? {
                return Ok(());
            }
            let events = decide_transfer(
                track.id,
                &status,
                command,
                &self.hours,
                Timestamp::from_unix_seconds(at.max(track.last + 1))?,
            )?;
            let actor = actor.clone();
            if !track.take(&actor, at, events)? {
                break;
            }
        }
        // Left open (stuck, or its next step lies after the seeding time): the sweep
        // has escalated it if its step is overdue.
        self.escalate_before(track, self.now)?;
        Ok(())
    }

    /// The sweep's escalation (督办) of the current step if its deadline passes before
    /// `at` (and before the seeding time), a minute or less after the deadline.
    fn escalate_before(&self, track: &mut Track, at: i64) -> Result<bool, AppError> {
        let Some(status) = track.transfer.clone() else {
            return Ok(true);
        };
        let Some(due) = status.due_at.map(Timestamp::unix_seconds) else {
            return Ok(true);
        };
        if due >= at.min(self.now) || status.state == TransferState::Reviewed {
            return Ok(true);
        }
        let sweep_at = (due + 1 + (track.id.as_u128() % 60) as i64).max(track.last + 1);
        if sweep_at >= at || sweep_at > self.now {
            // The step came before the sweep did.
            return Ok(true);
        }
        let events = decide_transfer(
            track.id,
            &status,
            TransferCommand::Escalate,
            &self.hours,
            Timestamp::from_unix_seconds(sweep_at)?,
        )?;
        let sweep = self.actors.sweep.clone();
        track.take(&sweep, sweep_at, events)
    }
}
