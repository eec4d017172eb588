//! The board's reads and the change feed: the incident list filtered and paged in SQL,
//! commits announced only after they are committed, and on PostgreSQL a commit on one
//! server heard by the subscribers of another.

use std::time::Duration;

use fengqiao_domain::incident::*;
use fengqiao_domain::org::{NodeLevel, RecordId, new_id};
use fengqiao_domain::{DomainEvent, StreamRef};
use fengqiao_store::{Change, Commit, ExpectedVersion, IncidentFilter, Scope, Store};
use tokio::sync::broadcast;

use super::{actor, create};
use crate::support::TestDb;

fn node(id: RecordId, parent: Option<RecordId>, code: &str) -> DomainEvent {
    DomainEvent::JurisdictionNodeCreated {
        id,
        parent_id: parent,
        level: if parent.is_some() {
            NodeLevel::Station
        } else {
            NodeLevel::Bureau
        },
        code: code.into(),
        name: format!("{code}节点"),
    }
}

struct Call<'a> {
    number: &'a str,
    node: RecordId,
    source: IncidentSource,
    called_at: &'a str,
    phone: &'a str,
    narrative: &'a str,
    category: &'a str,
    repeat: bool,
}

fn received(id: RecordId, call: &Call<'_>) -> DomainEvent {
    DomainEvent::IncidentReceived {
        id,
        number: call.number.into(),
        intake: Box::new(IntakeFields {
            external_number: None,
            source: call.source,
            called_at: call.called_at.into(),
            caller_name: None,
            caller_phone: Some(call.phone.into()),
            caller_id_number: None,
            address_text: format!("{}路1号", call.number),
            narrative: call.narrative.into(),
            category: Some(call.category.into()),
        }),
        address_id: None,
        node_id: call.node,
        match_score: None,
        lng: None,
        lat: None,
        repeats: RepeatMarks {
            person: if call.repeat { vec![new_id()] } else { vec![] },
            ..RepeatMarks::default()
        },
        suggestion: None,
    }
}

async fn receive(store: &Store, call: &Call<'_>) -> RecordId {
    let id = new_id();
    let event = received(id, call);
    store
        .commit(
            &actor(),
            &[Commit::now(
                event.stream(),
                ExpectedVersion::NoStream,
                vec![event],
            )],
            &[],
        )
        .await
        .unwrap();
    id
}

/// The next incident change a subscriber hears within `wait`, skipping resyncs.
async fn heard(
    receiver: &mut broadcast::Receiver<Change>,
    wait: Duration,
) -> Option<(String, i64)> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        match tokio::time::timeout_at(deadline, receiver.recv()).await {
            Ok(Ok(Change::Committed {
                stream_kind,
                stream_id,
                seq,
            })) => {
                assert_eq!(stream_kind, "incident");
                return Some((stream_id, seq));
            }
            Ok(Ok(Change::Resync)) => {}
            Ok(Err(error)) => panic!("the feed failed: {error}"),
            Err(_) => return None,
        }
    }
}

pub(crate) async fn the_incident_list_filters_and_pages_in_sql_on_both_backends(db: TestDb) {
    let store = &db.store;
    let (b1, s1, b2) = (new_id(), new_id(), new_id());
    for event in [
        node(b1, None, "B1"),
        node(s1, Some(b1), "S1"),
        node(b2, None, "B2"),
    ] {
        create(&db, event).await.unwrap();
    }
    let call = |number, node, called_at, phone, narrative, category, repeat| Call {
        number,
        node,
        source: IncidentSource::Call110,
        called_at,
        phone,
        narrative,
        category,
        repeat,
    };
    let a = receive(
        store,
        &call(
            "J20261201-0001",
            s1,
            "2026-12-01T02:00:00.000000Z",
            "13800001111",
            "楼上邻居噪音扰民",
            "neighbour_dispute",
            true,
        ),
    )
    .await;
    let b = receive(
        store,
        &Call {
            source: IncidentSource::WalkIn,
            ..call(
                "J20261202-0001",
                s1,
                "2026-12-02T02:00:00.000000Z",
                "13900002222",
                "有人打架_斗殴100%",
                "public_order",
                false,
            )
        },
    )
    .await;
    let c = receive(
        store,
        &call(
            "J20261203-0001",
            b1,
            "2026-12-03T02:00:00.000000Z",
            "13800003333",
            "钱包被盗",
            "criminal",
            false,
        ),
    )
    .await;
    // Another bureau's incident matches every word below and must never be seen.
    receive(
        store,
        &call(
            "J20261201-0099",
            b2,
            "2026-12-01T03:00:00.000000Z",
            "13800001111",
            "楼上邻居噪音扰民 打架",
            "neighbour_dispute",
            true,
        ),
    )
    .await;
    let mine = Scope::Under(vec![b1.to_string()]);
    let find = |filter: IncidentFilter| {
        let mine = mine.clone();
        async move {
            let (rows, total) = store.incident_list(&mine, &filter, true).await.unwrap();
            (rows.into_iter().map(|r| r.id).collect::<Vec<_>>(), total)
        }
    };
    let ids = |list: &[RecordId]| list.iter().map(ToString::to_string).collect::<Vec<_>>();

    // Everything in scope, newest call first; a page of one still counts them all.
    assert_eq!(find(IncidentFilter::default()).await, (ids(&[c, b, a]), 3));
    let second = IncidentFilter {
        offset: 1,
        limit: 1,
        ..IncidentFilter::default()
    };
    assert_eq!(find(second).await, (ids(&[b]), 3));
    // Words in the narrative, the number (any case), the address; phone digits.
    let text = |t: &str| IncidentFilter {
        text: Some(t.into()),
        ..IncidentFilter::default()
    };
    assert_eq!(find(text("噪音")).await, (ids(&[a]), 1));
    assert_eq!(find(text("j20261202")).await, (ids(&[b]), 1));
    assert_eq!(find(text("J20261203-0001路")).await, (ids(&[c]), 1));
    assert_eq!(find(text("1111")).await, (ids(&[a]), 1));
    assert_eq!(find(text("138 0000 3333")).await, (ids(&[c]), 1));
    // LIKE's wildcards in the words are plain characters.
    assert_eq!(find(text("100%")).await, (ids(&[b]), 1));
    assert_eq!(find(text("_斗殴")).await, (ids(&[b]), 1));
    assert_eq!(find(text("%")).await.1, 1);
    // Filters, alone and together.
    let only = |f: IncidentFilter| f;
    assert_eq!(
        find(only(IncidentFilter {
            categories: vec!["dispute".into(), "neighbour_dispute".into()],
            ..IncidentFilter::default()
        }))
        .await,
        (ids(&[a]), 1)
    );
    assert_eq!(
        find(only(IncidentFilter {
            source: Some("walk_in".into()),
            ..IncidentFilter::default()
        }))
        .await,
        (ids(&[b]), 1)
    );
    assert_eq!(
        find(only(IncidentFilter {
            repeat: true,
            ..IncidentFilter::default()
        }))
        .await,
        (ids(&[a]), 1)
    );
    assert_eq!(
        find(only(IncidentFilter {
            called_from: Some("2026-12-02T00:00:00.000000Z".into()),
            called_before: Some("2026-12-03T00:00:00.000000Z".into()),
            ..IncidentFilter::default()
        }))
        .await,
        (ids(&[b]), 1)
    );
    assert_eq!(
        find(only(IncidentFilter {
            states: vec!["received".into()],
            text: Some("打架".into()),
            ..IncidentFilter::default()
        }))
        .await,
        (ids(&[b]), 1)
    );
    assert_eq!(
        find(only(IncidentFilter {
            states: vec!["closed".into()],
            ..IncidentFilter::default()
        }))
        .await,
        (vec![], 0)
    );
    // A station's scope is its subtree: not its bureau's own incident.
    let (rows, total) = store
        .incident_list(
            &Scope::Under(vec![s1.to_string()]),
            &IncidentFilter::default(),
            true,
        )
        .await
        .unwrap();
    assert_eq!((rows.len(), total), (2, 2));
    assert_eq!(
        store.incident_node(&a.to_string()).await.unwrap(),
        Some(s1.to_string())
    );
    assert_eq!(store.incident_node("nothing").await.unwrap(), None);
}

pub(crate) async fn a_committed_incident_is_announced_after_its_commit_and_nothing_else_is(
    db: TestDb,
) {
    let store = &db.store;
    let station = new_id();
    let mut feed = store.subscribe().await;
    create(&db, node(station, None, "B1")).await.unwrap();
    let call = Call {
        number: "J20261201-0001",
        node: station,
        source: IncidentSource::Call110,
        called_at: "2026-12-01T02:00:00.000000Z",
        phone: "13800001111",
        narrative: "打架",
        category: "public_order",
        repeat: false,
    };
    let id = receive(store, &call).await;
    // The node's commit was not announced; the incident's was, once it was readable.
    let (announced, seq) = heard(&mut feed, Duration::from_secs(1))
        .await
        .expect("announced");
    assert_eq!(announced, id.to_string());
    assert!(store.incident(&announced).await.unwrap().is_some());
    assert_eq!(seq, store.event_count().await.unwrap());
    // A commit that fails announces nothing.
    let again = received(id, &call);
    let refused = store
        .commit(
            &actor(),
            &[Commit::now(
                StreamRef::new("incident", id),
                ExpectedVersion::NoStream,
                vec![again],
            )],
            &[],
        )
        .await;
    assert!(refused.is_err());
    assert_eq!(heard(&mut feed, Duration::from_millis(300)).await, None);
}

/// Two servers on one PostgreSQL schema: what one commits, the other's subscribers hear
/// within a second; each hears its own commits once; after its listening connection is
/// killed a server says so (resync) and hears the next commits again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commit_on_one_postgres_server_reaches_the_subscribers_of_another() {
    let Some(db) = TestDb::postgres("two_servers").await else {
        return;
    };
    let (one, other) = (db.store.clone(), db.reopen().await);
    let station = new_id();
    create(&db, node(station, None, "B1")).await.unwrap();
    let mut here = one.subscribe().await;
    let mut there = other.subscribe().await;
    fn fight(number: &str, station: RecordId) -> Call<'_> {
        Call {
            number,
            node: station,
            source: IncidentSource::Call110,
            called_at: "2026-12-01T02:00:00.000000Z",
            phone: "13800001111",
            narrative: "打架",
            category: "public_order",
            repeat: false,
        }
    }
    let call = |number| fight(number, station);
    let started = std::time::Instant::now();
    let id = receive(&one, &call("J20261201-0001")).await;
    let (heard_there, _) = heard(&mut there, Duration::from_secs(2))
        .await
        .expect("the other server heard it");
    assert_eq!(heard_there, id.to_string());
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "{:?}",
        started.elapsed()
    );
    assert!(other.incident(&heard_there).await.unwrap().is_some());
    let (heard_here, _) = heard(&mut here, Duration::from_secs(1))
        .await
        .expect("its own server heard it");
    assert_eq!(heard_here, id.to_string());
    // Not twice: its own notification coming back is not announced again.
    assert_eq!(heard(&mut here, Duration::from_millis(500)).await, None);
    // And the other way round.
    let back = receive(&other, &call("J20261201-0002")).await;
    assert_eq!(
        heard(&mut here, Duration::from_secs(2)).await.map(|h| h.0),
        Some(back.to_string())
    );

    // The other server's listening connection dies.
    let name = other
        .listener_name()
        .expect("a PostgreSQL store names its listener");
    db.raw(&format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '{name}'"
    ))
    .await
    .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let (mut resynced, mut again) = (false, false);
    let mut n = 3;
    while !(resynced && again) && tokio::time::Instant::now() < deadline {
        let number = format!("J20261201-{n:04}");
        let id = receive(&one, &fight(&number, station)).await;
        n += 1;
        let until = tokio::time::Instant::now() + Duration::from_millis(700);
        while let Ok(Ok(change)) = tokio::time::timeout_at(until, there.recv()).await {
            match change {
                Change::Resync => resynced = true,
                Change::Committed { stream_id, .. } => again |= stream_id == id.to_string(),
            }
        }
    }
    assert!(
        resynced,
        "losing the connection was not told to subscribers"
    );
    assert!(
        again,
        "the other server never heard again after losing its connection"
    );
}
