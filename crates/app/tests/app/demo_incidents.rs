//! The demo's year of incidents, at a small size: what it holds must look like a real
//! station's year and follow from the real intake and the domain's decisions.

use std::collections::{HashMap, HashSet};

use fengqiao_app::demo_incidents::{DemoIncidentPlan, DemoIncidentSummary};
use fengqiao_domain::incident::IncidentState;
use fengqiao_domain::{DomainEvent, StreamRef, Timestamp};
use fengqiao_store::{IncidentRow, Scope, TransferView};

use crate::{TestApp, actor};

fn until() -> Timestamp {
    Timestamp::parse("2026-11-30T04:00:00Z").unwrap()
}

async fn seeded(seed: u64, plan: DemoIncidentPlan) -> (TestApp, DemoIncidentSummary) {
    let t = TestApp::new().await;
    t.app.seed_defaults(&actor()).await.unwrap();
    t.app.seed_demo(&actor(), seed, &|_, _| {}).await.unwrap();
    let summary = t
        .app
        .seed_demo_incidents(&actor(), seed, plan, &|_, _| {})
        .await
        .unwrap();
    (t, summary)
}

async fn all_incidents(t: &TestApp) -> Vec<IncidentRow> {
    t.app
        .store()
        .incidents(&Scope::All, &[], None, 5000)
        .await
        .unwrap()
}

fn local_hour(at: &str) -> i64 {
    (Timestamp::parse(at).unwrap().unix_seconds() + 8 * 3600).rem_euclid(86_400) / 3600
}

#[tokio::test]
async fn a_small_demo_year_looks_like_a_real_one_and_follows_from_its_events() {
    let plan = DemoIncidentPlan {
        days: 365,
        per_day: 5,
        until: until(),
    };
    let (t, summary) = seeded(31, plan).await;
    let store = t.app.store();
    let incidents = all_incidents(&t).await;

    // The count, and every incident's row is what its stream says.
    assert!(summary.incidents >= 2000, "{summary:?}");
    assert_eq!(incidents.len(), summary.incidents);
    assert!(
        summary.matched * 100 >= summary.incidents * 98,
        "{summary:?}"
    );
    for incident in &incidents {
        let stream = StreamRef::new("incident", &incident.id);
        let events = store.timeline(&stream).await.unwrap();
        let mut state = IncidentState::Received;
        for stored in &events {
            let event: DomainEvent =
                DomainEvent::from_parts(&stored.kind, &stored.payload).unwrap();
            state = state.after(&event);
            assert!(
                stored.occurred_at.as_str() >= incident.called_at.as_str()
                    && stored.occurred_at.as_str() <= until().to_string().as_str(),
                "{} at {}",
                stored.kind,
                stored.occurred_at
            );
        }
        assert_eq!(state.as_str(), incident.state, "{}", incident.number);
    }

    // The daily rhythm: the evening far busier than the small hours.
    let mut hours = [0usize; 24];
    for incident in &incidents {
        hours[local_hour(&incident.called_at) as usize] += 1;
    }
    let evening: usize = hours[19..22].iter().sum();
    let small_hours: usize = hours[3..6].iter().sum();
    assert!(evening > 3 * small_hours, "{hours:?}");

    // The hotspots: many times the median address that has incidents.
    let mut per_address: HashMap<&str, usize> = HashMap::new();
    for incident in &incidents {
        if let Some(address) = &incident.address_id {
            *per_address.entry(address).or_default() += 1;
        }
    }
    let mut counts: Vec<usize> = per_address.values().copied().collect();
    counts.sort_unstable();
    let median = counts[counts.len() / 2];
    assert_eq!(summary.hotspots.len(), 3);
    for (name, address) in &summary.hotspots {
        let n = per_address.get(address.as_str()).copied().unwrap_or(0);
        assert!(
            n >= 10 * median.max(1),
            "{name}: {n} against a median of {median}"
        );
    }

    // Repeats come from the engine, and their earlier incidents exist and came first.
    let flagged: Vec<&IncidentRow> = incidents
        .iter()
        .filter(|i| i.repeat_person || i.repeat_place)
        .collect();
    assert!(flagged.iter().any(|i| i.repeat_person), "no repeat caller");
    assert!(flagged.len() >= 50, "{}", flagged.len());
    for incident in flagged.iter().take(100) {
        let repeats = store.incident_repeats(&incident.id).await.unwrap();
        assert!(!repeats.is_empty(), "{}", incident.number);
        for (_, earlier, _) in repeats {
            let earlier = store
                .incident(&earlier)
                .await
                .unwrap()
                .expect("earlier exists");
            assert!(earlier.called_at <= incident.called_at);
        }
    }

    // Transfers: every state of the loop, reviewed ones rated (mostly satisfied), some
    // reassigned after a decline, some escalated.
    let transfers = store
        .transfers(&Scope::All, None, TransferView::All, 5000)
        .await
        .unwrap();
    assert_eq!(transfers.len(), summary.transfers);
    let states: HashSet<&str> = transfers.iter().map(|t| t.state.as_str()).collect();
    for state in [
        "assigned",
        "signed",
        "verified",
        "handled",
        "fed_back",
        "evaluated",
        "reviewed",
    ] {
        assert!(states.contains(state), "{state}: {states:?}");
    }
    let reviewed: Vec<_> = transfers.iter().filter(|t| t.state == "reviewed").collect();
    assert!(reviewed.iter().all(|t| t.satisfaction.is_some()));
    let satisfied = reviewed
        .iter()
        .filter(|t| t.satisfaction.as_deref() == Some("satisfied"))
        .count();
    assert!(
        satisfied * 10 >= reviewed.len() * 7,
        "{satisfied} of {}",
        reviewed.len()
    );
    assert!(transfers.iter().any(|t| t.decline_reason.is_some()));
    assert!(
        transfers
            .iter()
            .any(|t| t.escalations > 0 && t.state != "reviewed")
    );

    // The live board is not empty, and arrivals look like the 1/3/5-minute figures.
    let open: Vec<_> = incidents
        .iter()
        .filter(|i| i.state != "closed" && i.state != "handed_over")
        .collect();
    assert!(open.iter().any(|i| i.state == "received"));
    assert!(
        open.iter().any(|i| i.state != "received"),
        "nothing in progress: {open:?}"
    );
    let arrived: Vec<i64> = incidents
        .iter()
        .filter_map(|i| {
            let arrived = Timestamp::parse(i.arrived_at.as_deref()?).ok()?;
            Some(arrived.unix_seconds() - Timestamp::parse(&i.called_at).ok()?.unix_seconds())
        })
        .collect();
    let within = |s: i64| arrived.iter().filter(|a| **a <= s).count() * 100 / arrived.len();
    assert!(
        within(60) < within(180) && within(180) < within(300),
        "{arrived:?}"
    );
    assert!((60..95).contains(&within(300)), "{}%", within(300));

    // The chain holds.
    let report = store.verify_log(&[]).await.unwrap();
    assert!(report.first_break.is_none(), "{report:?}");
    assert_eq!(report.events_checked, store.event_count().await.unwrap());
}

#[tokio::test]
async fn the_same_seed_gives_the_same_incidents() {
    let plan = DemoIncidentPlan {
        days: 20,
        per_day: 10,
        until: until(),
    };
    let (a, _) = seeded(5, plan).await;
    let (b, _) = seeded(5, plan).await;
    let key = |i: &IncidentRow| {
        (
            i.id.clone(),
            i.number.clone(),
            i.called_at.clone(),
            i.address_text.clone(),
            i.narrative.clone(),
            i.caller_phone.clone(),
            i.state.clone(),
            i.category.clone(),
            i.assignee_id.clone(),
            i.arrived_at.clone(),
            i.closed_at.clone(),
        )
    };
    let first: Vec<_> = all_incidents(&a).await.iter().map(key).collect();
    let second: Vec<_> = all_incidents(&b).await.iter().map(key).collect();
    assert!(first.len() > 200);
    assert_eq!(first, second);
}
