//! Non-police matters (非警务分流转办) on the demo bureau: the transfer list chooses the
//! agency, the agency's user signs for, verifies, handles and reports back, the station
//! records the caller's rating and reviews it, which closes the incident; an overdue
//! step is escalated to the station chief once; a declined matter goes elsewhere.

use fengqiao_app::AppError;
use fengqiao_app::policy::Principal;
use fengqiao_app::transfer::TransferAction;
use fengqiao_domain::incident::{Branch, IncidentSource, IntakeFields};
use fengqiao_domain::org::RecordId;
use fengqiao_domain::transfer::{Satisfaction, TransferRule};
use fengqiao_domain::{DomainError, StreamRef, Timestamp};
use fengqiao_store::{Scope, TransferView};

use crate::{TestApp, actor};

async fn principal(t: &TestApp, username: &str) -> Principal {
    let account = t
        .app
        .store()
        .account_by_username(username)
        .await
        .unwrap()
        .unwrap();
    t.app.principal(&account.id).await.unwrap().unwrap()
}

fn intake(narrative: &str) -> IntakeFields {
    IntakeFields {
        external_number: None,
        source: IncidentSource::Online,
        called_at: Timestamp::now().to_string(),
        caller_name: Some("周先生".into()),
        caller_phone: Some("13812340000".into()),
        caller_id_number: None,
        address_text: "枫溪镇政府附近".into(),
        narrative: narrative.into(),
        category: None,
    }
}

async fn agency(t: &TestApp, name: &str) -> RecordId {
    t.app
        .store()
        .partners(&Scope::All)
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("no agency {name}"))
        .id
        .parse()
        .unwrap()
}

#[tokio::test]
async fn a_non_police_matter_goes_round_the_loop_and_its_review_closes_the_incident() {
    let t = TestApp::new().await;
    t.app.seed_defaults(&actor()).await.unwrap();
    t.app.seed_demo(&actor(), 5, &|_, _| {}).await.unwrap();
    let dispatcher = principal(&t, "dispatcher").await;
    let partner = principal(&t, "partner").await;
    let chief = principal(&t, "station_chief").await;
    let justice = agency(&t, "枫溪镇司法所").await;
    assert_eq!(partner.partner_id, Some(justice.to_string()));

    // A neighbours' quarrel the command room sends to people's mediation: the list's
    // rule for disputes names the justice office.
    let id = t
        .app
        .receive_incident_as(&dispatcher, intake("楼上楼下因漏水发生争执，要求调解"))
        .await
        .unwrap();
    let proposal = t
        .app
        .proposed_transfer("neighbour_dispute", &dispatcher.jurisdiction[0])
        .await
        .unwrap()
        .expect("the demo list has a rule for disputes");
    assert_eq!(proposal.rule.partner_id, justice);
    t.app
        .triage_as(
            &dispatcher,
            id,
            "neighbour_dispute",
            Branch::NonPolice,
            Some("警调对接".into()),
            None,
        )
        .await
        .unwrap();
    let row = t
        .app
        .transfer_as(&dispatcher, &id.to_string())
        .await
        .unwrap();
    assert_eq!(
        (row.state.as_str(), row.step.as_deref(), row.overridden),
        ("assigned", Some("assign"), false)
    );
    assert_eq!(row.rule_id, Some(proposal.rule_id.to_string()));
    let due = Timestamp::parse(row.due_at.as_deref().unwrap()).unwrap();
    let hours = (due.unix_seconds() - Timestamp::now().unix_seconds()) as f64 / 3600.0;
    assert!((1.9..=2.0).contains(&hours), "two hours to sign: {hours}");

    // The agency's inbox has it; another agency's user can neither see nor act on it.
    let (inbox, counts) = t
        .app
        .transfers_as(&partner, TransferView::Open)
        .await
        .unwrap();
    assert!(inbox.iter().any(|r| r.incident_id == id.to_string()));
    assert_eq!(counts.total as usize, inbox.len());
    let mut stranger = partner.clone();
    stranger.partner_id = Some(agency(&t, "枫溪镇综治办").await.to_string());
    assert!(matches!(
        t.app.transfer_as(&stranger, &id.to_string()).await,
        Err(AppError::NotFound(_))
    ));
    assert!(matches!(
        t.app
            .transfer_step_as(&stranger, id, TransferAction::Sign)
            .await,
        Err(AppError::NotFound(_))
    ));
    // The command room cannot answer for the agency, nor close before the review.
    assert!(matches!(
        t.app
            .transfer_step_as(&dispatcher, id, TransferAction::Sign)
            .await,
        Err(AppError::Forbidden(_))
    ));
    let early = t.app.close_incident_as(&dispatcher, id).await.unwrap_err();
    assert!(early.to_string().contains("问效"), "{early}");

    for action in [
        TransferAction::Sign,
        TransferAction::Verify("双方均在，属实".into()),
        TransferAction::Handle("人民调解员上门调解，楼上修复管道".into()),
        TransferAction::Feedback("已调解成功，双方签订协议".into()),
    ] {
        t.app.transfer_step_as(&partner, id, action).await.unwrap();
    }
    // Out of order: the agency cannot report twice.
    let again = t
        .app
        .transfer_step_as(&partner, id, TransferAction::Feedback("再次".into()))
        .await
        .unwrap_err();
    assert!(
        matches!(again, AppError::Domain(DomainError::Conflict(_))),
        "{again}"
    );
    t.app
        .transfer_step_as(
            &dispatcher,
            id,
            TransferAction::Evaluate(Satisfaction::Satisfied, Some("群众表示满意".into())),
        )
        .await
        .unwrap();
    t.app
        .transfer_step_as(
            &dispatcher,
            id,
            TransferAction::Review(true, "按时办结".into()),
        )
        .await
        .unwrap();
    let done = t.app.transfer_as(&chief, &id.to_string()).await.unwrap();
    assert_eq!(done.state, "reviewed");
    assert_eq!(done.satisfaction.as_deref(), Some("satisfied"));
    let incident = t
        .app
        .incident_as(&dispatcher, &id.to_string())
        .await
        .unwrap();
    assert_eq!(incident.incident.state, "closed");

    // Every step is in the incident's timeline, with who did it.
    let timeline = t
        .app
        .store()
        .timeline(&StreamRef::new("incident", id))
        .await
        .unwrap();
    let kinds: Vec<&str> = timeline.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "incident_received",
            "incident_triaged",
            "transfer_assigned",
            "transfer_signed",
            "transfer_verified",
            "transfer_handled",
            "transfer_fed_back",
            "transfer_evaluated",
            "transfer_reviewed",
            "incident_closed",
        ]
    );
    let by = |kind: &str| {
        timeline
            .iter()
            .find(|e| e.kind == kind)
            .map(|e| e.actor.clone())
            .unwrap()
    };
    assert!(
        by("transfer_signed").contains("partner"),
        "{}",
        by("transfer_signed")
    );
    assert!(by("transfer_reviewed").contains("dispatcher"));
    let (closed, counts) = t
        .app
        .transfers_as(&chief, TransferView::Closed)
        .await
        .unwrap();
    assert_eq!(closed.len(), 1);
    assert_eq!((counts.closed, counts.rated, counts.satisfied), (1, 1, 1));
}

#[tokio::test]
async fn an_overdue_step_goes_to_the_chief_once_and_a_declined_matter_goes_elsewhere() {
    let t = TestApp::new().await;
    t.app.seed_defaults(&actor()).await.unwrap();
    t.app.seed_demo(&actor(), 6, &|_, _| {}).await.unwrap();
    let dispatcher = principal(&t, "dispatcher").await;
    let partner = principal(&t, "partner").await;
    let chief = principal(&t, "station_chief").await;
    let justice = agency(&t, "枫溪镇司法所").await;
    let governance = agency(&t, "枫溪镇综治办").await;

    // The dispatcher's own choice over the list's (综治办 for other non-police matters)
    // is kept as an override.
    let id = t
        .app
        .receive_incident_as(&dispatcher, intake("反映小区门口路灯不亮已有一周"))
        .await
        .unwrap();
    t.app
        .triage_as(
            &dispatcher,
            id,
            "non_police",
            Branch::NonPolice,
            None,
            Some(justice),
        )
        .await
        .unwrap();
    let row = t
        .app
        .transfer_as(&dispatcher, &id.to_string())
        .await
        .unwrap();
    assert!(row.overridden && row.rule_id.is_none(), "{row:?}");

    // Not signed for within two hours: escalated once, whatever the sweeps.
    let later = Timestamp::from_unix_seconds(Timestamp::now().unix_seconds() + 3 * 3600).unwrap();
    assert_eq!(t.app.escalate_overdue_transfers(later).await.unwrap(), 1);
    assert_eq!(t.app.escalate_overdue_transfers(later).await.unwrap(), 0);
    let (escalated, counts) = t
        .app
        .transfers_as(&chief, TransferView::Escalated)
        .await
        .unwrap();
    assert_eq!(escalated.len(), 1);
    assert_eq!(escalated[0].escalated_step.as_deref(), Some("assign"));
    assert_eq!(counts.escalated, 1);
    assert!(matches!(
        t.app
            .transfer_step_as(
                &dispatcher,
                id,
                TransferAction::Supervise("请立即签收".into())
            )
            .await,
        Err(AppError::Forbidden(_))
    ));
    t.app
        .transfer_step_as(
            &chief,
            id,
            TransferAction::Supervise("请今日内签收办理".into()),
        )
        .await
        .unwrap();
    let seen = t.app.transfer_as(&partner, &id.to_string()).await.unwrap();
    assert_eq!(seen.supervision_note.as_deref(), Some("请今日内签收办理"));

    // The justice office declines: street lights are not theirs. The station sends it
    // to the governance office; the justice office's inbox no longer has it.
    t.app
        .transfer_step_as(
            &partner,
            id,
            TransferAction::Decline("路灯不属司法所职责".into()),
        )
        .await
        .unwrap();
    let same = t
        .app
        .transfer_step_as(&dispatcher, id, TransferAction::Reassign(justice))
        .await
        .unwrap_err();
    assert!(same.to_string().contains("declined"), "{same}");
    t.app
        .transfer_step_as(&dispatcher, id, TransferAction::Reassign(governance))
        .await
        .unwrap();
    let moved = t
        .app
        .transfer_as(&dispatcher, &id.to_string())
        .await
        .unwrap();
    assert_eq!(
        (
            moved.state.as_str(),
            moved.partner_id.clone(),
            moved.rule_id.is_some()
        ),
        ("assigned", governance.to_string(), true),
        "the list's own agency: no override"
    );
    assert!(matches!(
        t.app.transfer_as(&partner, &id.to_string()).await,
        Err(AppError::NotFound(_))
    ));
    // A new step, a new deadline: the escalation of the old one does not count.
    assert!(
        t.app
            .transfers_as(&chief, TransferView::Escalated)
            .await
            .unwrap()
            .0
            .is_empty()
    );
}

#[tokio::test]
async fn the_transfer_list_is_edited_by_the_administrator_and_checked() {
    let t = TestApp::new().await;
    t.app.seed_defaults(&actor()).await.unwrap();
    t.app.seed_demo(&actor(), 8, &|_, _| {}).await.unwrap();
    let admin = principal(&t, "admin").await;
    let dispatcher = principal(&t, "dispatcher").await;
    let market = agency(&t, "青溪县市场监管局枫溪所").await;
    let station: RecordId = dispatcher.jurisdiction[0].parse().unwrap();
    let before = t.app.transfer_rules_as(&admin).await.unwrap().len();
    let rule = |category: &str| TransferRule {
        category: category.into(),
        node_id: Some(station),
        partner_id: market,
        handle_hours: Some(24),
    };
    let bad = t
        .app
        .save_transfer_rule_as(&admin, None, rule("shopping"))
        .await
        .unwrap_err();
    assert!(bad.to_string().contains("category"), "{bad}");
    assert!(matches!(
        t.app
            .save_transfer_rule_as(&dispatcher, None, rule("consumer_dispute"))
            .await,
        Err(AppError::Forbidden(_))
    ));
    let id = t
        .app
        .save_transfer_rule_as(&admin, None, rule("non_police"))
        .await
        .unwrap();
    let twice = t
        .app
        .save_transfer_rule_as(&admin, None, rule("non_police"))
        .await
        .unwrap_err();
    assert!(twice.to_string().contains("already has a rule"), "{twice}");
    // The station's own rule beats the list's rule for everywhere.
    let proposal = t
        .app
        .proposed_transfer("non_police", &station.to_string())
        .await
        .unwrap()
        .unwrap();
    assert_eq!((proposal.rule_id, proposal.rule.partner_id), (id, market));
    t.app.remove_transfer_rule_as(&admin, id).await.unwrap();
    assert_eq!(t.app.transfer_rules_as(&admin).await.unwrap().len(), before);
    assert_ne!(
        t.app
            .proposed_transfer("non_police", &station.to_string())
            .await
            .unwrap()
            .unwrap()
            .rule
            .partner_id,
        market
    );
}
