//! Events: every change of state in the platform, as the event log records it
//! (全流程回溯 — the whole history of any record can be replayed).
//!
//! An event belongs to one stream, the record it changes (`jurisdiction_node/<id>`,
//! `code_table/incident_category` …). The store appends events and updates the read
//! models they imply in one transaction.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Timestamp;
use crate::base::{
    AddressFields, BaseKind, CampaignItem, EstablishmentFields, HouseFields, KeyPerson,
    PersonFields,
};
use crate::codes::{CodeEntry, CodeTable};
use crate::duty::ShiftFields;
use crate::incident::{Branch, CategorySuggestion, IntakeFields, RepeatMarks};
use crate::org::{NodeLevel, PairingDuty, RecordId, Residency, Role};
use crate::photo::PhotoRef;
use crate::policy::Permission;
use crate::secondary::SecondaryReason;
use crate::transfer::{Satisfaction, TransferRule, TransferStep};

/// The record an event belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct StreamRef {
    /// The kind of record (`jurisdiction_node`, `staff`, `code_table` …).
    pub kind: String,
    /// The record's id within its kind.
    pub id: String,
}

impl StreamRef {
    /// A stream reference from its parts.
    pub fn new(kind: &str, id: impl std::fmt::Display) -> Self {
        Self {
            kind: kind.to_owned(),
            id: id.to_string(),
        }
    }
}

impl std::fmt::Display for StreamRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.kind, self.id)
    }
}

/// Everything that can happen, with the data needed to replay it.
///
/// Secrets (password hashes, token hashes) are never part of an event: the log is
/// exported for audit and must not carry them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum DomainEvent {
    /// A node of the jurisdiction tree was created.
    JurisdictionNodeCreated {
        /// New node id.
        id: RecordId,
        /// Parent node, `None` for a bureau.
        parent_id: Option<RecordId>,
        /// Level in the tree.
        level: NodeLevel,
        /// Administrative or internal code, unique in the platform.
        code: String,
        /// Display name.
        name: String,
    },
    /// A node was renamed.
    JurisdictionNodeRenamed {
        /// Node id.
        id: RecordId,
        /// New name.
        name: String,
    },
    /// A node's boundary polygon was set or cleared.
    JurisdictionBoundarySet {
        /// Node id.
        id: RecordId,
        /// GeoJSON Polygon/MultiPolygon, or `None` to clear.
        boundary: Option<Value>,
    },
    /// A post (警务室, 岗亭 …) was set up in a node.
    PostCreated {
        /// New post id.
        id: RecordId,
        /// The community or station it serves.
        node_id: RecordId,
        /// Code from the `post_kind` table.
        kind: String,
        /// Display name.
        name: String,
        /// Longitude, WGS-84 degrees.
        lng: Option<f64>,
        /// Latitude, WGS-84 degrees.
        lat: Option<f64>,
    },
    /// A unit of a station was created.
    UnitCreated {
        /// New unit id.
        id: RecordId,
        /// The station (or bureau) the unit belongs to.
        node_id: RecordId,
        /// Code from the `unit_kind` table.
        kind: String,
        /// Display name.
        name: String,
    },
    /// A member of staff was registered.
    StaffCreated {
        /// New staff id.
        id: RecordId,
        /// Full name.
        name: String,
        /// 警号 or staff number, unique.
        badge_number: String,
        /// The unit they work in.
        unit_id: Option<RecordId>,
        /// Roles from DOMAIN.md.
        roles: Vec<Role>,
        /// Incident category codes they specialise in (专警专处).
        specialties: Vec<String>,
        /// Work phone; stored whole, masked when shown.
        phone: Option<String>,
        /// The station, community or grid the person belongs to when they have no unit
        /// (grid workers, volunteers); with a unit, the unit's station.
        #[serde(default)]
        node_id: Option<RecordId>,
    },
    /// A member of staff was paired with a community or grid (1+2+3).
    StaffAssigned {
        /// Staff id.
        staff_id: RecordId,
        /// Community or grid.
        node_id: RecordId,
        /// Their place in the pairing.
        duty: PairingDuty,
    },
    /// A pairing was ended.
    StaffUnassigned {
        /// Staff id.
        staff_id: RecordId,
        /// Community or grid.
        node_id: RecordId,
    },
    /// A shift of the duty roster (值班表) was added or changed.
    ShiftSaved {
        /// Shift id.
        id: RecordId,
        /// Whose shift.
        staff_id: RecordId,
        /// The shift as it now is.
        shift: ShiftFields,
    },
    /// A shift was taken off the roster.
    ShiftRemoved {
        /// Shift id.
        id: RecordId,
        /// Whose shift it was.
        staff_id: RecordId,
    },
    /// A partner agency (联调单位) joined.
    PartnerAgencyCreated {
        /// New agency id.
        id: RecordId,
        /// Display name.
        name: String,
        /// Code from the `department` table, when it is one.
        department: Option<String>,
        /// Standing or rotating.
        residency: Residency,
        /// The station (or bureau) whose mediation centre it works with.
        node_id: RecordId,
        /// Contact phone; masked when shown.
        contact_phone: Option<String>,
    },
    /// A code-table entry was added or changed.
    CodeEntrySaved {
        /// The table.
        table: CodeTable,
        /// The entry as it now is.
        entry: CodeEntry,
    },
    /// A user account was created.
    UserCreated {
        /// New account id.
        id: RecordId,
        /// Login name.
        username: String,
        /// Name shown in the interface.
        display_name: String,
        /// The staff record, when the user is station staff.
        staff_id: Option<RecordId>,
        /// The partner agency, for partner users.
        partner_id: Option<RecordId>,
        /// Roles granted.
        roles: Vec<Role>,
        /// Jurisdiction nodes the user works in.
        jurisdiction: Vec<RecordId>,
        /// Whether the password must be changed at first login.
        must_change_password: bool,
        /// A service account for integrations: signs in only with API tokens.
        #[serde(default)]
        service_account: bool,
    },
    /// A user's roles and jurisdiction were replaced.
    UserRolesSet {
        /// The account.
        user_id: RecordId,
        /// Roles granted from now on.
        roles: Vec<Role>,
        /// Jurisdiction nodes from now on.
        jurisdiction: Vec<RecordId>,
    },
    /// An account was switched off (or on again); a switched-off account cannot sign in.
    UserActiveSet {
        /// The account.
        user_id: RecordId,
        /// Whether it may sign in.
        active: bool,
    },
    /// A sign-in succeeded.
    LoginSucceeded {
        /// The account.
        user_id: RecordId,
        /// Whether a second factor (TOTP) was checked.
        second_factor: bool,
    },
    /// A sign-in failed. Unknown user names are recorded on their own stream.
    LoginFailed {
        /// The account, when the name exists.
        user_id: Option<RecordId>,
        /// The name that was typed.
        username: String,
        /// `bad_password`, `bad_totp`, `locked`, `inactive` or `unknown_user`.
        reason: String,
    },
    /// Too many failures: the account is locked until the given time.
    AccountLocked {
        /// The account.
        user_id: RecordId,
        /// When sign-in is possible again.
        until: Timestamp,
        /// Failures counted in the window.
        failures: u32,
    },
    /// An administrator lifted a lock.
    AccountUnlocked {
        /// The account.
        user_id: RecordId,
    },
    /// A session ended: signed out, or expired (idle or absolute timeout).
    LoggedOut {
        /// The account.
        user_id: RecordId,
        /// `logout`, `idle_timeout` or `absolute_timeout`.
        reason: String,
    },
    /// The password was changed (the hash itself is a side write, never an event).
    PasswordChanged {
        /// The account.
        user_id: RecordId,
        /// Set by an administrator (who then forces a change at next sign-in).
        by_administrator: bool,
    },
    /// A TOTP second factor was enrolled (the secret is a side write) or removed.
    TotpSet {
        /// The account.
        user_id: RecordId,
        /// Whether a second factor is now enrolled.
        enrolled: bool,
    },
    /// A signed-in user was refused an action (查询留痕 keeps denials too).
    AccessDenied {
        /// Who was refused.
        user_id: RecordId,
        /// The action, e.g. `GET /admin/users`.
        action: String,
        /// The permission that was missing, or `scope` for a record outside the
        /// jurisdiction.
        missing: String,
    },
    /// Personal data of one record was shown whole, with a reason (查询留痕).
    PersonalDataRevealed {
        /// Who looked.
        user_id: RecordId,
        /// The record's kind (`staff`, `partner_agency`, `person` …).
        subject_kind: String,
        /// The record's id.
        subject_id: String,
        /// Which field (`phone`, `id_number`).
        field: String,
        /// Why, as typed by the user.
        reason: String,
    },
    /// A person's record was opened (查询留痕).
    PersonRecordViewed {
        /// Who looked.
        user_id: RecordId,
        /// The record's kind.
        subject_kind: String,
        /// The record's id.
        subject_id: String,
    },
    /// A platform setting was changed.
    SettingChanged {
        /// The setting's key (`security.password_min_length` …).
        key: String,
        /// The new value.
        value: Value,
    },
    /// A role's permissions were replaced.
    RolePermissionsSet {
        /// The role.
        role: Role,
        /// Its permissions from now on.
        permissions: Vec<Permission>,
    },
    /// An API token was issued to a service account (its hash is a side write).
    ApiTokenIssued {
        /// Token id (not the secret).
        id: RecordId,
        /// The service account that acts with it.
        user_id: RecordId,
        /// What it is for.
        name: String,
        /// When it stops working, if ever.
        expires_at: Option<Timestamp>,
    },
    /// An API token was revoked.
    ApiTokenRevoked {
        /// Token id.
        id: RecordId,
    },
    /// A standard address (标准地址) was created or changed.
    AddressSaved {
        /// Address id.
        id: RecordId,
        /// The address as it now is.
        address: AddressFields,
    },
    /// A house (实有房屋) was registered or changed.
    HouseSaved {
        /// House id.
        id: RecordId,
        /// The house as it now is.
        house: HouseFields,
    },
    /// A resident (实有人口) was registered or changed.
    PersonSaved {
        /// Person id.
        id: RecordId,
        /// The person as they now are.
        person: PersonFields,
    },
    /// A person was made a key person (重点人员), or no longer is one.
    KeyPersonSet {
        /// Person id.
        person_id: RecordId,
        /// Reason and visit schedule; `None` ends the status.
        key: Option<KeyPerson>,
    },
    /// A unit (实有单位) was registered or changed.
    EstablishmentSaved {
        /// Establishment id.
        id: RecordId,
        /// The unit as it now is.
        establishment: EstablishmentFields,
    },
    /// Someone checked a base record on the spot or by phone (核查/走访): it is fresh.
    BaseRecordVerified {
        /// The record's kind.
        kind: BaseKind,
        /// The record.
        id: RecordId,
        /// The campaign the visit belongs to, if any.
        campaign_id: Option<RecordId>,
        /// What was found.
        note: Option<String>,
    },
    /// A collection campaign (采集) was launched: a list of records to visit.
    CampaignCreated {
        /// Campaign id.
        id: RecordId,
        /// The station, community or grid it covers.
        node_id: RecordId,
        /// Its name (e.g. 2026年冬季出租房核查).
        name: String,
        /// The date it should be done by (`YYYY-MM-DD`).
        due_date: Option<String>,
        /// The records to visit.
        items: Vec<CampaignItem>,
    },
    /// An incident was received (接报).
    IncidentReceived {
        /// Incident id.
        id: RecordId,
        /// The platform's incident number (`J20261202-0042`).
        number: String,
        /// What was entered (boxed: it is by far the largest payload).
        intake: Box<IntakeFields>,
        /// The standard address the text was matched to, if any.
        address_id: Option<RecordId>,
        /// The node the incident belongs to: the matched address's grid, otherwise the
        /// receiving station.
        node_id: RecordId,
        /// The matcher's confidence.
        match_score: Option<f64>,
        /// Longitude of the place, when known (the address's point).
        lng: Option<f64>,
        /// Latitude of the place.
        lat: Option<f64>,
        /// The repeats found at intake (一人多次/一地多起/一类多发).
        repeats: RepeatMarks,
        /// The category suggested from the narrative, when none was entered.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        suggestion: Option<CategorySuggestion>,
    },
    /// The category was confirmed and the branch chosen (研判分流).
    IncidentTriaged {
        /// Incident id.
        id: RecordId,
        /// Final category code.
        category: String,
        /// Police matter, non-police, dispute or case.
        branch: Branch,
        /// Where it went, for a branch other than police.
        note: Option<String>,
    },
    /// The incident was sent to an officer (派警), first or again.
    IncidentDispatched {
        /// Incident id.
        id: RecordId,
        /// The officer.
        staff_id: RecordId,
        /// Why this officer.
        reasons: Vec<String>,
        /// Whether the dispatcher overrode the top recommendation.
        overridden: bool,
    },
    /// The officer signed for it (签收).
    IncidentAccepted {
        /// Incident id.
        id: RecordId,
        /// The officer.
        staff_id: RecordId,
    },
    /// The officer set out (出发).
    IncidentDeparted {
        /// Incident id.
        id: RecordId,
        /// The officer.
        staff_id: RecordId,
    },
    /// The officer arrived (到场).
    IncidentArrived {
        /// Incident id.
        id: RecordId,
        /// The officer.
        staff_id: RecordId,
    },
    /// The officer reported what was done (处置反馈).
    IncidentHandled {
        /// Incident id.
        id: RecordId,
        /// The officer.
        staff_id: RecordId,
        /// `result_code` code.
        result_code: String,
        /// What was done.
        narrative: String,
        /// The photos taken, each by its stored blob's id and SHA-256.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        photos: Vec<PhotoRef>,
    },
    /// The incident was closed (办结).
    IncidentClosed {
        /// Incident id.
        id: RecordId,
    },
    /// A non-police matter was sent to a partner agency (交办), first or again.
    TransferAssigned {
        /// Incident id.
        id: RecordId,
        /// The agency.
        partner_id: RecordId,
        /// The rule of the transfer list that proposed the agency.
        rule_id: Option<RecordId>,
        /// Whether the dispatcher chose another agency than the rule's.
        overridden: bool,
        /// The rule's own handling time, hours.
        handle_hours: Option<i64>,
        /// Deadline to sign for it.
        due_at: String,
    },
    /// The agency signed for the matter (签收).
    TransferSigned {
        /// Incident id.
        id: RecordId,
        /// The agency.
        partner_id: RecordId,
        /// Deadline of the verification.
        due_at: String,
    },
    /// The agency verified the matter (核查).
    TransferVerified {
        /// Incident id.
        id: RecordId,
        /// Findings.
        note: String,
        /// Deadline of the handling.
        due_at: String,
    },
    /// The agency handled the matter (处置).
    TransferHandled {
        /// Incident id.
        id: RecordId,
        /// What was done.
        note: String,
        /// Deadline of the report.
        due_at: String,
    },
    /// The agency reported back (反馈).
    TransferFedBack {
        /// Incident id.
        id: RecordId,
        /// The report.
        narrative: String,
        /// Deadline of the return call.
        due_at: String,
    },
    /// The agency declined the matter as not theirs (退回).
    TransferDeclined {
        /// Incident id.
        id: RecordId,
        /// The agency.
        partner_id: RecordId,
        /// Why.
        reason: String,
        /// Deadline for the station to reassign it.
        due_at: String,
    },
    /// The caller's satisfaction was recorded (评价).
    TransferEvaluated {
        /// Incident id.
        id: RecordId,
        /// How satisfied.
        satisfaction: Satisfaction,
        /// What the caller said.
        note: Option<String>,
        /// Deadline of the review.
        due_at: String,
    },
    /// The station reviewed the result (问效): accepted, or sent back for handling.
    TransferReviewed {
        /// Incident id.
        id: RecordId,
        /// Accepted (the incident closes with it).
        accepted: bool,
        /// The reviewer's words.
        note: String,
        /// When sent back: the new handling deadline.
        due_at: Option<String>,
    },
    /// A step passed its deadline and went to the station chief (督办).
    TransferEscalated {
        /// Incident id.
        id: RecordId,
        /// The overdue step.
        step: TransferStep,
        /// Its deadline.
        due_at: String,
    },
    /// The station chief's instruction on a matter (督办意见).
    TransferSupervised {
        /// Incident id.
        id: RecordId,
        /// The instruction.
        note: String,
    },
    /// A secondary handling (二次处置) was opened for a dispute incident.
    SecondaryOpened {
        /// Incident id.
        id: RecordId,
        /// Why: repeats, difficult, major.
        reasons: Vec<SecondaryReason>,
    },
    /// The command room's analysis and instruction (分析研判 → 指令派单) to an officer.
    SecondaryInstructed {
        /// Incident id.
        id: RecordId,
        /// The officer.
        staff_id: RecordId,
        /// The analysis.
        analysis: String,
        /// What the officer is to do.
        instruction: String,
    },
    /// The officer's visit or step on a secondary handling.
    SecondaryProgressed {
        /// Incident id.
        id: RecordId,
        /// The officer.
        staff_id: RecordId,
        /// What was done.
        note: String,
    },
    /// A secondary handling was concluded, settled or not.
    SecondaryConcluded {
        /// Incident id.
        id: RecordId,
        /// Settled (化解).
        settled: bool,
        /// How.
        note: String,
    },
    /// A rule of the transfer list (分流转办清单) was added or changed.
    TransferRuleSaved {
        /// Rule id.
        id: RecordId,
        /// The rule as it now is.
        rule: TransferRule,
    },
    /// A rule of the transfer list was removed.
    TransferRuleRemoved {
        /// Rule id.
        id: RecordId,
    },
    /// A synthetic event written by the durability probe (`fengqiao debug append-load`),
    /// only ever into a database that holds nothing else.
    ProbeAppended {
        /// The probe's own counter.
        n: u64,
    },
}

impl DomainEvent {
    /// The stream this event belongs to.
    pub fn stream(&self) -> StreamRef {
        match self {
            Self::JurisdictionNodeCreated { id, .. }
            | Self::JurisdictionNodeRenamed { id, .. }
            | Self::JurisdictionBoundarySet { id, .. } => StreamRef::new("jurisdiction_node", id),
            Self::PostCreated { id, .. } => StreamRef::new("post", id),
            Self::UnitCreated { id, .. } => StreamRef::new("unit", id),
            Self::StaffCreated { id, .. } => StreamRef::new("staff", id),
            Self::StaffAssigned { staff_id, .. }
            | Self::StaffUnassigned { staff_id, .. }
            | Self::ShiftSaved { staff_id, .. }
            | Self::ShiftRemoved { staff_id, .. } => StreamRef::new("staff", staff_id),
            Self::PartnerAgencyCreated { id, .. } => StreamRef::new("partner_agency", id),
            Self::CodeEntrySaved { table, .. } => StreamRef::new("code_table", table),
            Self::UserCreated { id, .. } => StreamRef::new("user", id),
            Self::UserRolesSet { user_id, .. }
            | Self::UserActiveSet { user_id, .. }
            | Self::LoginSucceeded { user_id, .. }
            | Self::AccountLocked { user_id, .. }
            | Self::AccountUnlocked { user_id }
            | Self::LoggedOut { user_id, .. }
            | Self::PasswordChanged { user_id, .. }
            | Self::TotpSet { user_id, .. }
            | Self::LoginFailed {
                user_id: Some(user_id),
                ..
            } => StreamRef::new("user", user_id),
            Self::LoginFailed { user_id: None, .. } => StreamRef::new("security", "unknown_users"),
            Self::AccessDenied { user_id, .. }
            | Self::PersonalDataRevealed { user_id, .. }
            | Self::PersonRecordViewed { user_id, .. } => StreamRef::new("access_log", user_id),
            Self::SettingChanged { .. } => StreamRef::new("settings", "platform"),
            Self::RolePermissionsSet { role, .. } => StreamRef::new("role", role),
            Self::ApiTokenIssued { id, .. } | Self::ApiTokenRevoked { id } => {
                StreamRef::new("api_token", id)
            }
            Self::AddressSaved { id, .. } => StreamRef::new(BaseKind::Address.as_str(), id),
            Self::HouseSaved { id, .. } => StreamRef::new(BaseKind::House.as_str(), id),
            Self::PersonSaved { id, .. } | Self::KeyPersonSet { person_id: id, .. } => {
                StreamRef::new(BaseKind::Person.as_str(), id)
            }
            Self::EstablishmentSaved { id, .. } => {
                StreamRef::new(BaseKind::Establishment.as_str(), id)
            }
            Self::BaseRecordVerified { kind, id, .. } => StreamRef::new(kind.as_str(), id),
            Self::CampaignCreated { id, .. } => StreamRef::new("campaign", id),
            Self::IncidentReceived { id, .. }
            | Self::IncidentTriaged { id, .. }
            | Self::IncidentDispatched { id, .. }
            | Self::IncidentAccepted { id, .. }
            | Self::IncidentDeparted { id, .. }
            | Self::IncidentArrived { id, .. }
            | Self::IncidentHandled { id, .. }
            | Self::IncidentClosed { id }
            | Self::TransferAssigned { id, .. }
            | Self::TransferSigned { id, .. }
            | Self::TransferVerified { id, .. }
            | Self::TransferHandled { id, .. }
            | Self::TransferFedBack { id, .. }
            | Self::TransferDeclined { id, .. }
            | Self::TransferEvaluated { id, .. }
            | Self::TransferReviewed { id, .. }
            | Self::TransferEscalated { id, .. }
            | Self::TransferSupervised { id, .. }
            | Self::SecondaryOpened { id, .. }
            | Self::SecondaryInstructed { id, .. }
            | Self::SecondaryProgressed { id, .. }
            | Self::SecondaryConcluded { id, .. } => StreamRef::new("incident", id),
            Self::TransferRuleSaved { id, .. } | Self::TransferRuleRemoved { id } => {
                StreamRef::new("transfer_rule", id)
            }
            Self::ProbeAppended { .. } => StreamRef::new("probe", "durability"),
        }
    }

    /// Splits the event into its kind and its payload in canonical JSON: keys sorted,
    /// no insignificant whitespace. These exact bytes are stored and hashed.
    pub fn to_parts(&self) -> (String, String) {
        let value = serde_json::to_value(self).unwrap_or(Value::Null);
        let kind = value
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let data = value.get("data").cloned().unwrap_or(Value::Null);
        // serde_json's Map is a BTreeMap (the `preserve_order` feature is off), so
        // serialising a Value emits keys in sorted order: a canonical encoding.
        (kind, data.to_string())
    }

    /// Rebuilds an event from its stored kind and payload.
    pub fn from_parts(kind: &str, payload: &str) -> Result<Self, serde_json::Error> {
        let data: Value = serde_json::from_str(payload)?;
        serde_json::from_value(serde_json::json!({ "kind": kind, "data": data }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_are_canonical_and_round_trip() {
        let event = DomainEvent::PostCreated {
            id: RecordId::nil(),
            node_id: RecordId::nil(),
            kind: "police_office".into(),
            name: "枫源警务室".into(),
            lng: Some(120.41),
            lat: None,
        };
        let (kind, payload) = event.to_parts();
        assert_eq!(kind, "post_created");
        assert!(payload.starts_with("{\"id\":"), "{payload}");
        let keys: Vec<_> = serde_json::from_str::<serde_json::Map<String, Value>>(&payload)
            .unwrap()
            .keys()
            .cloned()
            .collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted);
        assert_eq!(DomainEvent::from_parts(&kind, &payload).unwrap(), event);
    }

    #[test]
    fn assignment_events_belong_to_the_staff_stream() {
        let staff_id = crate::org::new_id();
        let event = DomainEvent::StaffAssigned {
            staff_id,
            node_id: RecordId::nil(),
            duty: PairingDuty::Officer,
        };
        assert_eq!(event.stream(), StreamRef::new("staff", staff_id));
    }
}
