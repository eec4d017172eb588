//! Incidents (警情) as the command room and the officers work them: intake with the
//! address matched to a standard address (and so to a grid) and the repeats flagged,
//! triage, the dispatch recommendation (点单指令, 专警专处), and each officer's steps.

use fengqiao_domain::codes::CodeTable;
use fengqiao_domain::duty::{DutyNow, distance_metres, distance_points, duty_at};
use fengqiao_domain::incident::{
    Branch, CategorySuggestion, IncidentCommand, IncidentNumber, IncidentState, IncidentStatus,
    IntakeFields, decide,
};
use fengqiao_domain::org::{RecordId, new_id};
use fengqiao_domain::photo::{PhotoRef, check_photo};
use fengqiao_domain::policy::Permission;
use fengqiao_domain::{DomainError, DomainEvent, StreamRef, Timestamp};
use std::collections::HashMap;

use fengqiao_domain::codes::CodeEntry;
use fengqiao_store::{
    Commit, ExpectedVersion, IncidentRow, NodeRow, PhotoMeta, Scope, SideWrite, StaffRow,
};

use crate::policy::Principal;
use crate::{App, AppError};

/// An officer the dispatch recommendation proposes, with why.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Staff id.
    pub staff_id: String,
    /// Name.
    pub name: String,
    /// Higher is better, among the available.
    pub score: i64,
    /// On duty or standby (or unrostered) at the call time: ranked before everyone who
    /// is resting or outside their shifts.
    pub available: bool,
    /// Metres from the incident's point to the officer's last position or post.
    pub distance_m: Option<f64>,
    /// The reasons as codes (`owner:…`, `specialty:…`, `unit:…`, `duty:…`,
    /// `distance:…`, `open:…`), which the pages turn into words.
    pub reasons: Vec<String>,
}

/// One incident with the earlier incidents behind its flags.
#[derive(Debug, Clone)]
pub struct IncidentDetail {
    /// The incident.
    pub incident: IncidentRow,
    /// (rule, earlier incident id, its number).
    pub repeats: Vec<(String, String, String)>,
}

/// Roles that go out to incidents.
const FIELD_ROLES: [&str; 3] = ["community_officer", "case_officer", "auxiliary"];

impl App {
    /// Receives an incident (接报): matches the address, flags repeats, numbers it and
    /// records it. The incident belongs to the matched address's grid when that lies
    /// in the principal's jurisdiction, otherwise to the principal's first node.
    pub async fn receive_incident_as(
        &self,
        principal: &Principal,
        intake: IntakeFields,
    ) -> Result<RecordId, AppError> {
        self.receive_incident_at(principal, intake, None).await
    }

    /// As [`App::receive_incident_as`], with the receiving node given (an import's unit
    /// code) instead of the principal's first node.
    pub async fn receive_incident_at(
        &self,
        principal: &Principal,
        intake: IntakeFields,
        receiving: Option<String>,
    ) -> Result<RecordId, AppError> {
        self.require(principal, Permission::IncidentDispatch, "receive incident")
            .await?;
        let intake = intake.checked()?;
        let suggestion = match &intake.category {
            Some(code) => {
                self.check_code(CodeTable::IncidentCategory, code).await?;
                None
            }
            None => self.suggest_category(&intake.narrative).await?,
        };
        if let Some(number) = &intake.external_number
            && self
                .store
                .incident_by_external_number(number)
                .await?
                .is_some()
        {
            return Err(DomainError::invalid(
                "external_number",
                format!("the incident {number} has already been received"),
            )
            .into());
        }
        let found = self.match_address(&intake.address_text).await?;
        let matched = match &found.id {
            Some(id) => self.store.address(id).await?,
            None => None,
        };
        let scope = principal.scope();
        let home = match receiving {
            Some(node) => node,
            None => principal
                .jurisdiction
                .first()
                .cloned()
                .ok_or_else(|| AppError::Refused("the account has no jurisdiction".into()))?,
        };
        let node = match &matched {
            Some(a) if self.store.is_within(&a.node_id, &scope).await? => a.node_id.clone(),
            _ => home,
        };
        let id = new_id();
        let called = Timestamp::parse(&intake.called_at)?;
        let day = local_day(called);
        let repeats = self
            .repeat_marks(
                id,
                &intake,
                intake
                    .category
                    .as_deref()
                    .or(suggestion.as_ref().map(|s| s.code.as_str())),
                matched.as_ref(),
                &node,
            )
            .await?;
        // The day's serial comes from a counter in memory (`incident_numbers.rs`); the
        // number is unique, so a clash (another server) is retried with a fresh count.
        let mut attempt = 0;
        loop {
            let serial = self.next_serial(&day, attempt > 0).await?;
            let event = DomainEvent::IncidentReceived {
                id,
                number: IncidentNumber::new(&day, u32::try_from(serial).unwrap_or(u32::MAX))
                    .to_string(),
                intake: Box::new(intake.clone()),
                address_id: matched.as_ref().and_then(|a| a.id.parse().ok()),
                node_id: node
                    .parse()
                    .map_err(|_| AppError::Refused(format!("corrupt node id {node}")))?,
                match_score: matched.as_ref().map(|_| found.score),
                lng: matched.as_ref().and_then(|a| a.lng),
                lat: matched.as_ref().and_then(|a| a.lat),
                repeats: repeats.clone(),
                suggestion: suggestion.clone(),
            };
            let mut commit = Commit::now(event.stream(), ExpectedVersion::NoStream, vec![event]);
            commit.occurred_at = called;
            match self.store.commit(&principal.actor(), &[commit], &[]).await {
                Ok(_) => break,
                Err(fengqiao_store::StoreError::Constraint(message))
                    if message.contains("incident with this number") && attempt < 5 =>
                {
                    attempt += 1;
                }
                Err(error) => {
                    self.forget_serial(&day);
                    self.forget_repeats().await;
                    return Err(error.into());
                }
            }
        }
        Ok(id)
    }

    /// The category suggested from a narrative: the deepest suggested code that the
    /// stored code table holds and has not retired (an administrator may have changed
    /// the table), or none when nothing in the narrative matched.
    pub async fn suggest_category(
        &self,
        narrative: &str,
    ) -> Result<Option<CategorySuggestion>, AppError> {
        let entries = self.store.code_entries(CodeTable::IncidentCategory).await?;
        Ok(suggestion_in(self.classifier(), &entries, narrative))
    }

    /// Incidents in the principal's jurisdiction in the given states (all when empty).
    pub async fn incidents_as(
        &self,
        principal: &Principal,
        states: &[IncidentState],
        limit: i64,
    ) -> Result<Vec<IncidentRow>, AppError> {
        self.require(principal, Permission::IncidentView, "view incidents")
            .await?;
        let states: Vec<&str> = states.iter().map(|s| s.as_str()).collect();
        Ok(self
            .store
            .incidents(&principal.scope(), &states, None, limit)
            .await?)
    }

    /// The incidents dispatched to the principal's own staff record that are still open.
    pub async fn my_incidents(&self, principal: &Principal) -> Result<Vec<IncidentRow>, AppError> {
        self.require(principal, Permission::IncidentHandle, "view own incidents")
            .await?;
        let Some(staff) = &principal.staff_id else {
            return Ok(Vec::new());
        };
        Ok(self
            .store
            .incidents(
                &Scope::All,
                &["dispatched", "accepted", "departed", "arrived"],
                Some(staff),
                500,
            )
            .await?)
    }

    /// The incidents at an address in the principal's jurisdiction, newest first.
    pub async fn incidents_at_as(
        &self,
        principal: &Principal,
        address_id: &str,
    ) -> Result<Vec<IncidentRow>, AppError> {
        self.require(principal, Permission::IncidentView, "view incidents")
            .await?;
        self.base_record_as(
            principal,
            Permission::BaseView,
            fengqiao_domain::base::BaseKind::Address,
            address_id,
        )
        .await?;
        Ok(self.store.incidents_at(address_id, 200).await?)
    }

    /// One incident in scope (or dispatched to the principal) with its repeats.
    pub async fn incident_as(
        &self,
        principal: &Principal,
        id: &str,
    ) -> Result<IncidentDetail, AppError> {
        self.require(principal, Permission::IncidentView, "view incident")
            .await?;
        let incident = self
            .store
            .incident(id)
            .await?
            .ok_or_else(|| AppError::NotFound("incident".into()))?;
        let own = incident.assignee_id.is_some() && incident.assignee_id == principal.staff_id;
        if !own && !self.in_scope(principal, &incident.node_id).await? {
            self.record_denial(principal, "view incident", "scope")
                .await?;
            return Err(AppError::NotFound("incident".into()));
        }
        let repeats = self.store.incident_repeats(id).await?;
        Ok(IncidentDetail { incident, repeats })
    }

    /// The officers the incident could go to, best first, with the reasons.
    ///
    /// Scoring (点单指令, 专警专处), points added up:
    /// - owner of the place's grid or community (一村一警): +30 as its officer, +15 in
    ///   another place of its pairing;
    /// - a specialty matching the category: +20;
    /// - a unit whose kind fits the category (setting `dispatch.unit_fit`): +10;
    /// - the roster at the call time (China Standard Time): on duty +20, standby +10,
    ///   no roster kept 0;
    /// - distance from the incident's point to the officer's last known position (the
    ///   last incident they arrived at) or else their post (警务室 first): 20 on the spot,
    ///   one fewer per full 250 m, none from 5 km (`distance_points`);
    /// - each open incident: −5.
    ///
    /// Officers who are resting or outside all their shifts are marked and ranked after
    /// every available one, whatever their points; ties go to the nearer, then by name.
    pub async fn recommend_as(
        &self,
        principal: &Principal,
        id: &str,
    ) -> Result<Vec<Candidate>, AppError> {
        self.require(
            principal,
            Permission::IncidentDispatch,
            "recommend officers",
        )
        .await?;
        let detail = self.incident_as(principal, id).await?;
        let incident = &detail.incident;
        let nodes = self.store.nodes(&principal.scope()).await?;
        let chain = place_chain(&nodes, &incident.node_id);
        let station = station_of(&nodes, &chain);
        let category = incident
            .category
            .clone()
            .or_else(|| incident.category_initial.clone())
            .unwrap_or_default();
        let entries = self.store.code_entries(CodeTable::IncidentCategory).await?;
        let top = top_category(&entries, &category);
        let load: HashMap<String, i64> = self.store.open_load().await?.into_iter().collect();
        let station_scope = Scope::Under(station.iter().cloned().collect());
        let staff = self.store.staff(&station_scope).await?;
        let shifts = self.store.shifts(&station_scope).await?;
        let units = self.store.units(&station_scope).await?;
        let fits = self.settings().await?.unit_fit;
        let fitting: Vec<String> = fits
            .iter()
            .filter(|(c, _)| *c == top || *c == category)
            .flat_map(|(_, kinds)| kinds.iter().cloned())
            .collect();
        let positions = self.store.last_positions().await?;
        let posts = self.store.post_locations().await?;
        let called = Timestamp::parse(&incident.called_at)?;
        let point = incident.lng.zip(incident.lat);
        let mut candidates: Vec<Candidate> = staff
            .into_iter()
            .filter(|s| s.roles.iter().any(|r| FIELD_ROLES.contains(&r.as_str())))
            .map(|s| {
                let (mut score, mut reasons) =
                    owner_and_specialty(&s, &nodes, &chain, (&top, &category));
                if let Some(kind) = s
                    .unit_id
                    .as_ref()
                    .and_then(|u| units.iter().find(|x| &x.id == u))
                    .map(|u| u.kind.clone())
                    .filter(|k| fitting.contains(k))
                {
                    score += 10;
                    reasons.push(format!("unit:{kind}"));
                }
                let own: Vec<_> = shifts
                    .iter()
                    .filter(|h| h.staff_id == s.id)
                    .map(|h| h.shift.clone())
                    .collect();
                let duty = duty_at(&own, called);
                score += match duty {
                    DutyNow::Shift(fengqiao_domain::duty::ShiftKind::OnDuty) => 20,
                    DutyNow::Shift(fengqiao_domain::duty::ShiftKind::Standby) => 10,
                    _ => 0,
                };
                reasons.push(format!("duty:{}", duty.code()));
                let from = positions
                    .iter()
                    .find(|p| p.staff_id == s.id)
                    .map(|p| ((p.lng, p.lat), "last"))
                    .or_else(|| {
                        // Their post: one in a place of their pairing, else at their home node.
                        let places = s
                            .assignments
                            .iter()
                            .map(|(n, _)| n.clone())
                            .chain(s.node_id.clone());
                        places
                            .filter_map(|n| posts.iter().find(|(node, ..)| *node == n))
                            .map(|(_, _, lng, lat)| ((*lng, *lat), "post"))
                            .next()
                    });
                let distance_m = match (point, from) {
                    (Some(here), Some((there, source))) => {
                        let metres = distance_metres(here, there);
                        score += distance_points(metres);
                        reasons.push(format!("distance:{}:{source}", metres.round()));
                        Some(metres)
                    }
                    _ => {
                        reasons.push("distance:unknown".into());
                        None
                    }
                };
                let open = load.get(&s.id).copied().unwrap_or(0);
                score -= 5 * open;
                reasons.push(format!("open:{open}"));
                Candidate {
                    staff_id: s.id,
                    name: s.name,
                    score,
                    available: duty.available(),
                    distance_m,
                    reasons,
                }
            })
            .collect();
        candidates.sort_by(|a, b| {
            b.available
                .cmp(&a.available)
                .then_with(|| b.score.cmp(&a.score))
                .then_with(|| {
                    let far = |c: &Candidate| c.distance_m.unwrap_or(f64::INFINITY);
                    far(a).total_cmp(&far(b))
                })
                .then_with(|| a.name.cmp(&b.name))
        });
        Ok(candidates)
    }

    /// Confirms the category and chooses the branch (研判分流). A non-police matter is
    /// transferred (交办) to `partner` when given, otherwise to the agency the transfer
    /// list names for the category and place.
    pub async fn triage_as(
        &self,
        principal: &Principal,
        id: RecordId,
        category: &str,
        branch: Branch,
        note: Option<String>,
        partner: Option<RecordId>,
    ) -> Result<(), AppError> {
        self.require(principal, Permission::IncidentDispatch, "triage incident")
            .await?;
        self.check_code(CodeTable::IncidentCategory, category)
            .await?;
        let transfer = if branch == Branch::NonPolice {
            let incident = self
                .store
                .incident(&id.to_string())
                .await?
                .ok_or_else(|| AppError::NotFound("incident".into()))?;
            match self.assignment_for(&incident, category, partner).await? {
                Some(assignment) => Some(fengqiao_domain::incident::TransferStart {
                    assignment,
                    hours: self.settings().await?.transfer_hours,
                    now: Timestamp::now(),
                }),
                None => None,
            }
        } else if partner.is_some() {
            return Err(DomainError::invalid(
                "partner_id",
                "only a non-police matter is transferred to an agency",
            )
            .into());
        } else {
            None
        };
        let command = IncidentCommand::Triage {
            category: category.to_owned(),
            branch,
            note,
            transfer,
        };
        self.act(principal, id, command, false).await
    }

    /// Sends the incident to an officer of the jurisdiction; `overridden` when the
    /// dispatcher chose someone other than the top recommendation.
    pub async fn dispatch_as(
        &self,
        principal: &Principal,
        id: RecordId,
        staff_id: RecordId,
    ) -> Result<(), AppError> {
        self.require(principal, Permission::IncidentDispatch, "dispatch incident")
            .await?;
        let candidates = self.recommend_as(principal, &id.to_string()).await?;
        let chosen = candidates
            .iter()
            .find(|c| c.staff_id == staff_id.to_string())
            .ok_or_else(|| {
                DomainError::invalid("staff_id", "not an officer of the incident's station")
            })?;
        // Skipping a better-ranked officer is an override: one available when the chosen
        // is not, or with more points.
        let overridden = candidates.first().is_some_and(|top| {
            top.staff_id != chosen.staff_id
                && (top.available, top.score) > (chosen.available, chosen.score)
        });
        let command = IncidentCommand::Dispatch {
            staff_id,
            reasons: chosen.reasons.clone(),
            overridden,
        };
        self.act(principal, id, command, false).await
    }

    /// The officer's own steps: sign for, set out, arrive, give feedback (with photos,
    /// each checked by its first bytes, stored in the same transaction as the feedback
    /// and named in its event by id and SHA-256).
    pub async fn officer_step_as(
        &self,
        principal: &Principal,
        id: RecordId,
        step: OfficerStep,
    ) -> Result<(), AppError> {
        self.require(principal, Permission::IncidentHandle, "handle incident")
            .await?;
        // Existence and reach first, so an incident elsewhere is "not found".
        self.incident_as(principal, &id.to_string()).await?;
        let staff_id: RecordId = principal
            .staff_id
            .as_deref()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| {
                AppError::Refused("the account is not linked to a staff record".into())
            })?;
        let mut side = Vec::new();
        let command = match step {
            OfficerStep::Accept => IncidentCommand::Accept { staff_id },
            OfficerStep::Depart => IncidentCommand::Depart { staff_id },
            OfficerStep::Arrive => IncidentCommand::Arrive { staff_id },
            OfficerStep::Feedback {
                result_code,
                narrative,
                photos,
            } => {
                self.check_code(CodeTable::ResultCode, &result_code).await?;
                let mut refs = Vec::new();
                for (n, photo) in photos.into_iter().enumerate() {
                    let content_type = check_photo(n + 1, &photo.name, &photo.bytes)?;
                    let sha256 = {
                        use sha2::Digest;
                        hex::encode(sha2::Sha256::digest(&photo.bytes))
                    };
                    let photo_id = new_id();
                    refs.push(PhotoRef {
                        id: photo_id,
                        sha256: sha256.clone(),
                        content_type: content_type.to_owned(),
                        bytes: photo.bytes.len() as u64,
                    });
                    side.push(SideWrite::StorePhoto {
                        id: photo_id.to_string(),
                        incident_id: id.to_string(),
                        content_type: content_type.to_owned(),
                        sha256,
                        data: photo.bytes,
                    });
                }
                IncidentCommand::Feedback {
                    staff_id,
                    result_code,
                    narrative,
                    photos: refs,
                }
            }
        };
        self.act_with(principal, id, command, true, side).await
    }

    /// The feedback photos of an incident the principal may see.
    pub async fn incident_photos_as(
        &self,
        principal: &Principal,
        id: &str,
    ) -> Result<Vec<PhotoMeta>, AppError> {
        self.incident_as(principal, id).await?;
        Ok(self.store.incident_photos(id).await?)
    }

    /// One feedback photo, `(content type, bytes)`, for those who may see the incident;
    /// elsewhere it is "not found", like the incident.
    pub async fn incident_photo_as(
        &self,
        principal: &Principal,
        id: &str,
        photo_id: &str,
    ) -> Result<(String, Vec<u8>), AppError> {
        self.incident_as(principal, id).await?;
        self.store
            .incident_photo(id, photo_id)
            .await?
            .ok_or_else(|| AppError::NotFound("photo".into()))
    }

    /// Closes a handled (or handed-over) incident (办结).
    pub async fn close_incident_as(
        &self,
        principal: &Principal,
        id: RecordId,
    ) -> Result<(), AppError> {
        self.require(principal, Permission::IncidentDispatch, "close incident")
            .await?;
        self.act(principal, id, IncidentCommand::Close, false).await
    }

    /// Loads the incident's state, lets the domain decide, commits at the version read.
    async fn act(
        &self,
        principal: &Principal,
        id: RecordId,
        command: IncidentCommand,
        own: bool,
    ) -> Result<(), AppError> {
        self.act_with(principal, id, command, own, Vec::new()).await
    }

    /// As [`App::act`], with side writes in the same transaction (photos).
    async fn act_with(
        &self,
        principal: &Principal,
        id: RecordId,
        command: IncidentCommand,
        own: bool,
        side: Vec<SideWrite>,
    ) -> Result<(), AppError> {
        let row = self
            .store
            .incident(&id.to_string())
            .await?
            .ok_or_else(|| AppError::NotFound("incident".into()))?;
        let mine = row.assignee_id.is_some() && row.assignee_id == principal.staff_id;
        let allowed = (own && mine) || self.in_scope(principal, &row.node_id).await?;
        if !allowed {
            self.record_denial(principal, "act on incident", "scope")
                .await?;
            return Err(AppError::NotFound("incident".into()));
        }
        let transfer = match self.store.transfer(&row.id).await? {
            Some(t) => Some(t.state.parse()?),
            None => None,
        };
        let status = IncidentStatus {
            state: row.state.parse()?,
            assignee: row.assignee_id.as_deref().and_then(|a| a.parse().ok()),
            transfer,
        };
        let mut events = decide(id, &status, command)?;
        // 结果反馈 → 分析研判: a repeat-flagged dispute opens its secondary handling with
        // its first result (or when it is handed to the dispute file), in the same commit.
        if let Some(opened) = self.secondary_on_result(&row, &events).await? {
            events.push(opened);
        }
        let stream = StreamRef::new("incident", id);
        let version = self.store.stream_version(&stream).await?;
        self.store
            .commit(
                &principal.actor(),
                &[Commit::now(stream, ExpectedVersion::Exact(version), events)],
                &side,
            )
            .await?;
        Ok(())
    }

    /// The top-level code of a category code (its root in the code table).
    pub async fn top_category(&self, code: &str) -> Result<String, AppError> {
        let entries = self.store.code_entries(CodeTable::IncidentCategory).await?;
        let mut current = code.to_owned();
        for _ in 0..4 {
            match entries
                .iter()
                .find(|e| e.code == current)
                .and_then(|e| e.parent.clone())
            {
                Some(parent) => current = parent,
                None => break,
            }
        }
        Ok(current)
    }
}

/// An officer's step on an incident dispatched to them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OfficerStep {
    /// 签收.
    Accept,
    /// 出发.
    Depart,
    /// 到场.
    Arrive,
    /// 处置反馈.
    Feedback {
        /// `result_code` code.
        result_code: String,
        /// What was done.
        narrative: String,
        /// Photos as uploaded, checked here.
        photos: Vec<PhotoUpload>,
    },
}

/// A photo as the officer uploaded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoUpload {
    /// The file's name, for messages.
    pub name: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// The local (China Standard Time) calendar day of a moment, `YYYYMMDD`.
pub(crate) fn local_day(at: Timestamp) -> String {
    let local = at
        .datetime()
        .to_offset(time::UtcOffset::from_hms(8, 0, 0).unwrap_or(time::UtcOffset::UTC));
    format!(
        "{:04}{:02}{:02}",
        local.year(),
        u8::from(local.month()),
        local.day()
    )
}

/// The suggestion for a narrative from the classifier: its deepest code that the code
/// table holds and has not retired, or none when nothing in the narrative matched.
pub(crate) fn suggestion_in(
    classifier: &fengqiao_classify::Classifier,
    entries: &[CodeEntry],
    narrative: &str,
) -> Option<CategorySuggestion> {
    let suggestion = classifier.classify(narrative);
    if suggestion.confidence <= 0.0 {
        return None;
    }
    let code = suggestion
        .codes
        .iter()
        .rev()
        .find(|code| entries.iter().any(|e| &e.code == *code && e.active))?;
    Some(CategorySuggestion {
        code: code.clone(),
        confidence: suggestion.confidence,
        evidence: suggestion.evidence.clone(),
    })
}

/// The top-level code of a category code (its root in the code table).
pub(crate) fn top_category(entries: &[CodeEntry], code: &str) -> String {
    let mut current = code.to_owned();
    for _ in 0..4 {
        match entries
            .iter()
            .find(|e| e.code == current)
            .and_then(|e| e.parent.clone())
        {
            Some(parent) => current = parent,
            None => break,
        }
    }
    current
}

/// A node and its ancestors, nearest first.
pub(crate) fn place_chain(nodes: &[NodeRow], node_id: &str) -> Vec<String> {
    let mut chain = vec![node_id.to_owned()];
    while let Some(parent) = nodes
        .iter()
        .find(|n| Some(&n.id) == chain.last())
        .and_then(|n| n.parent_id.clone())
    {
        if chain.contains(&parent) {
            break;
        }
        chain.push(parent);
    }
    chain
}

/// The station in a chain of nodes, if any.
pub(crate) fn station_of(nodes: &[NodeRow], chain: &[String]) -> Option<String> {
    chain
        .iter()
        .find(|c| nodes.iter().any(|n| &n.id == *c && n.level == "station"))
        .cloned()
}

/// The points and reasons every ranking shares: the owner of the place's grid or
/// community (一村一警: +30 as its officer, +15 in another place of its pairing) and a
/// specialty matching the category (专警专处: +20).
fn owner_and_specialty(
    s: &StaffRow,
    nodes: &[NodeRow],
    chain: &[String],
    (top, category): (&str, &str),
) -> (i64, Vec<String>) {
    let mut score = 0;
    let mut reasons = Vec::new();
    if let Some((node, duty)) = s
        .assignments
        .iter()
        .find(|(n, _)| chain[..chain.len().min(3)].contains(n))
    {
        let name = nodes
            .iter()
            .find(|x| &x.id == node)
            .map_or("", |x| x.name.as_str());
        score += if duty == "officer" { 30 } else { 15 };
        reasons.push(format!("owner:{duty}:{name}"));
    }
    if !top.is_empty()
        && (s.specialties.iter().any(|x| x == top) || s.specialties.iter().any(|x| x == category))
    {
        score += 20;
        reasons.push(format!("specialty:{top}"));
    }
    (score, reasons)
}

/// The demo year's ranking of the station's field officers for an incident at the place
/// `chain` (the node and its ancestors) of the category `(top, code)`: the owner of the
/// place's grid or community (一村一警), a specialty matching the category (专警专处),
/// the fewest open incidents; best first, each with the reasons. It is the part of
/// [`App::recommend_as`]'s scoring that needs no roster, positions or unit table, which
/// the demo does not generate.
pub(crate) fn rank_officers(
    staff: Vec<StaffRow>,
    nodes: &[NodeRow],
    chain: &[String],
    (top, category): (&str, &str),
    load: &HashMap<String, i64>,
) -> Vec<Candidate> {
    let mut candidates: Vec<Candidate> = staff
        .into_iter()
        .filter(|s| s.roles.iter().any(|r| FIELD_ROLES.contains(&r.as_str())))
        .map(|s| {
            let (mut score, mut reasons) = owner_and_specialty(&s, nodes, chain, (top, category));
            let open = load.get(&s.id).copied().unwrap_or(0);
            score -= 5 * open;
            reasons.push(format!("open:{open}"));
            // The demo's year has no roster and no positions: everyone is available
            // and distance does not count.
            Candidate {
                staff_id: s.id,
                name: s.name,
                score,
                available: true,
                distance_m: None,
                reasons,
            }
        })
        .collect();
    candidates.sort_by(|a, b| b.score.cmp(&a.score).then_with(|| a.name.cmp(&b.name)));
    candidates
}
