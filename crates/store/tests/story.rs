//! The storage story: one suite of scenarios run on SQLite always and on PostgreSQL
//! when `FENGQIAO_TEST_POSTGRES_URL` is set (required when `CI=true`). Each test gets
//! its own SQLite file or PostgreSQL schema.

mod live;
mod support;

use fengqiao_domain::codes::{CodeEntry, CodeTable};
use fengqiao_domain::org::{NodeLevel, new_id};
use fengqiao_domain::{Actor, DomainEvent, StreamRef};
use fengqiao_store::{Checkpoint, Commit, ExpectedVersion, SideWrite, StoreError};
use support::TestDb;

macro_rules! story {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(super::TestDb::sqlite().await).await }) *
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                if let Some(db) = super::TestDb::postgres(stringify!($name)).await { super::$name(db).await }
            }) *
        }
    };
}

story!(
    a_new_database_is_migrated_and_current,
    committed_events_update_read_models_and_the_timeline,
    a_version_conflict_writes_nothing,
    concurrent_writers_to_one_stream_get_exactly_one_winner,
    the_database_refuses_to_change_or_delete_events,
    an_intact_log_verifies,
    an_edited_event_is_caught,
    a_deleted_event_is_caught,
    reordered_events_are_caught,
    a_truncated_log_is_caught_by_an_exported_checkpoint,
    a_database_from_a_newer_version_is_refused,
    a_duplicate_code_is_a_clear_error_and_writes_nothing,
    the_server_role_can_append_but_not_rewrite_the_log,
    the_base_read_models_answer_the_same_on_both_backends,
    an_incident_read_model_follows_its_steps_on_both_backends,
    group_commit_fails_exactly_the_conflicting_callers,
    a_constraint_error_in_a_batch_loses_no_other_commit,
    a_transferred_matter_follows_its_loop_on_both_backends,
    a_secondary_handling_is_counted_on_both_backends,
    the_incident_list_filters_and_pages_in_sql_on_both_backends,
    a_committed_incident_is_announced_after_its_commit_and_nothing_else_is,
    the_roster_positions_departures_and_photos_answer_the_same_on_both_backends,
);

use live::{
    a_committed_incident_is_announced_after_its_commit_and_nothing_else_is,
    the_incident_list_filters_and_pages_in_sql_on_both_backends,
};

fn actor() -> Actor {
    Actor::system("story-test")
}

fn bureau(code: &str) -> DomainEvent {
    DomainEvent::JurisdictionNodeCreated {
        id: new_id(),
        parent_id: None,
        level: NodeLevel::Bureau,
        code: code.into(),
        name: format!("{code} 分局"),
    }
}

async fn create(db: &TestDb, event: DomainEvent) -> Result<(), StoreError> {
    let commit = Commit::now(event.stream(), ExpectedVersion::NoStream, vec![event]);
    db.store.commit(&actor(), &[commit], &[]).await.map(|_| ())
}

/// Seeds `n` events over a few streams.
async fn seed(db: &TestDb, n: usize) {
    for i in 0..n {
        create(db, bureau(&format!("B{i:03}"))).await.unwrap();
    }
}

async fn a_new_database_is_migrated_and_current(db: TestDb) {
    assert!(db.store.migrations_current().await.unwrap());
    assert_eq!(db.store.event_count().await.unwrap(), 0);
    // Opening again applies nothing and still reports current.
    let again = db.reopen().await;
    assert_eq!(again.migrate().await.unwrap(), 0);
    assert!(again.migrations_current().await.unwrap());
}

async fn committed_events_update_read_models_and_the_timeline(db: TestDb) {
    let id = new_id();
    let created = DomainEvent::JurisdictionNodeCreated {
        id,
        parent_id: None,
        level: NodeLevel::Bureau,
        code: "330681".into(),
        name: "诸暨市公安局".into(),
    };
    let stream = created.stream();
    db.store
        .commit(
            &actor(),
            &[Commit::now(
                stream.clone(),
                ExpectedVersion::NoStream,
                vec![created],
            )],
            &[],
        )
        .await
        .unwrap();
    let renamed = DomainEvent::JurisdictionNodeRenamed {
        id,
        name: "诸暨市公安局枫桥分局".into(),
    };
    db.store
        .commit(
            &Actor::cli(),
            &[Commit::now(
                stream.clone(),
                ExpectedVersion::Exact(1),
                vec![renamed],
            )],
            &[],
        )
        .await
        .unwrap();

    let node = db.store.node(&id.to_string()).await.unwrap().unwrap();
    assert_eq!(node.name, "诸暨市公安局枫桥分局");
    let timeline = db.store.timeline(&stream).await.unwrap();
    assert_eq!(
        timeline.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(),
        ["jurisdiction_node_created", "jurisdiction_node_renamed"]
    );
    assert_eq!(timeline[0].actor, "system:story-test");
    assert!(timeline[1].actor.starts_with("cli:"));
    assert_eq!(timeline[1].stream_version, 2);
    assert_eq!(timeline[1].prev_hash, timeline[0].hash);
    assert_eq!(
        db.store.subtree_ids(&id.to_string()).await.unwrap(),
        [id.to_string()]
    );
}

async fn a_version_conflict_writes_nothing(db: TestDb) {
    let id = new_id();
    let created = DomainEvent::JurisdictionNodeCreated {
        id,
        parent_id: None,
        level: NodeLevel::Bureau,
        code: "X1".into(),
        name: "甲".into(),
    };
    let stream = created.stream();
    db.store
        .commit(
            &actor(),
            &[Commit::now(
                stream.clone(),
                ExpectedVersion::NoStream,
                vec![created],
            )],
            &[],
        )
        .await
        .unwrap();
    // A second commit in the same call succeeds on its own, but the stale one must take it down too.
    let other = bureau("X2");
    let stale = Commit::now(
        stream.clone(),
        ExpectedVersion::Exact(0),
        vec![DomainEvent::JurisdictionNodeRenamed {
            id,
            name: "乙".into(),
        }],
    );
    let fresh = Commit::now(other.stream(), ExpectedVersion::NoStream, vec![other]);
    let err = db
        .store
        .commit(&actor(), &[fresh, stale], &[])
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::VersionConflict { actual: 1, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("nothing was written"));
    assert_eq!(db.store.event_count().await.unwrap(), 1);
    assert!(db.store.node_by_code("X2").await.unwrap().is_none());
    assert_eq!(
        db.store.node(&id.to_string()).await.unwrap().unwrap().name,
        "甲"
    );
    assert!(db.store.verify_log(&[]).await.unwrap().is_intact());
}

async fn concurrent_writers_to_one_stream_get_exactly_one_winner(db: TestDb) {
    let id = new_id();
    let created = DomainEvent::JurisdictionNodeCreated {
        id,
        parent_id: None,
        level: NodeLevel::Bureau,
        code: "C".into(),
        name: "起".into(),
    };
    let stream = created.stream();
    db.store
        .commit(
            &actor(),
            &[Commit::now(
                stream.clone(),
                ExpectedVersion::NoStream,
                vec![created],
            )],
            &[],
        )
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for i in 0..8 {
        let store = db.store.clone();
        let stream = stream.clone();
        tasks.push(tokio::spawn(async move {
            let event = DomainEvent::JurisdictionNodeRenamed {
                id,
                name: format!("名{i}"),
            };
            store
                .commit(
                    &actor(),
                    &[Commit::now(stream, ExpectedVersion::Exact(1), vec![event])],
                    &[],
                )
                .await
        }));
    }
    let mut wins = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => wins += 1,
            Err(StoreError::VersionConflict { .. }) => {}
            Err(other) => panic!("unexpected error: {other}"),
        }
    }
    assert_eq!(wins, 1);
    assert_eq!(db.store.stream_version(&stream).await.unwrap(), 2);
    assert!(db.store.verify_log(&[]).await.unwrap().is_intact());
}

async fn the_database_refuses_to_change_or_delete_events(db: TestDb) {
    seed(&db, 3).await;
    let update = db
        .raw("UPDATE events SET actor = 'mallory' WHERE seq = 2")
        .await;
    assert!(update.unwrap_err().contains("append-only"));
    let delete = db.raw("DELETE FROM events WHERE seq = 3").await;
    assert!(delete.unwrap_err().contains("append-only"));
    assert_eq!(db.store.event_count().await.unwrap(), 3);
}

async fn an_intact_log_verifies(db: TestDb) {
    seed(&db, 12).await;
    let report = db.store.verify_log(&[]).await.unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!((report.events_checked, report.head_seq), (12, 12));
}

async fn an_edited_event_is_caught(db: TestDb) {
    seed(&db, 10).await;
    db.disarm_triggers().await;
    db.raw("UPDATE events SET payload = REPLACE(payload, 'B004', 'B444') WHERE seq = 5")
        .await
        .unwrap();
    let report = db.store.verify_log(&[]).await.unwrap();
    let problem = report.first_break.unwrap();
    assert!(problem.starts_with("event 5 "), "{problem}");
    assert!(problem.contains("edited"), "{problem}");
}

async fn a_deleted_event_is_caught(db: TestDb) {
    seed(&db, 10).await;
    db.disarm_triggers().await;
    db.raw("DELETE FROM events WHERE seq = 4").await.unwrap();
    let problem = db.store.verify_log(&[]).await.unwrap().first_break.unwrap();
    assert!(problem.starts_with("event 5 "), "{problem}");
    assert!(problem.contains("missing"), "{problem}");
}

async fn reordered_events_are_caught(db: TestDb) {
    seed(&db, 10).await;
    db.disarm_triggers().await;
    // Swap events 6 and 7 by renumbering them.
    db.raw("UPDATE events SET seq = -6 WHERE seq = 6")
        .await
        .unwrap();
    db.raw("UPDATE events SET seq = 6 WHERE seq = 7")
        .await
        .unwrap();
    db.raw("UPDATE events SET seq = 7 WHERE seq = -6")
        .await
        .unwrap();
    let problem = db.store.verify_log(&[]).await.unwrap().first_break.unwrap();
    assert!(problem.starts_with("event 6 "), "{problem}");
}

async fn a_truncated_log_is_caught_by_an_exported_checkpoint(db: TestDb) {
    seed(&db, 8).await;
    let exported: Checkpoint = db.store.sign_off_head("张所长").await.unwrap();
    assert_eq!(exported.seq, 8);
    let line = serde_json::to_string(&exported).unwrap();
    // The attacker cuts the last three events and covers every trace inside the database:
    // the head record and the stored checkpoints.
    db.disarm_triggers().await;
    db.raw("DELETE FROM events WHERE seq > 5").await.unwrap();
    let head: String = db.raw_text("SELECT hash FROM events WHERE seq = 5").await;
    db.raw(&format!("UPDATE log_head SET seq = 5, hash = '{head}'"))
        .await
        .unwrap();
    db.raw("DELETE FROM audit_checkpoints").await.unwrap();
    assert!(
        db.store.verify_log(&[]).await.unwrap().is_intact(),
        "without the copy the cut is invisible"
    );
    let copy: Checkpoint = serde_json::from_str(&line).unwrap();
    let problem = db
        .store
        .verify_log(&[copy])
        .await
        .unwrap()
        .first_break
        .unwrap();
    assert!(problem.contains("truncated"), "{problem}");
    assert!(problem.contains("张所长"), "{problem}");
}

async fn a_database_from_a_newer_version_is_refused(db: TestDb) {
    db.raw(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (29991231000000, 'from the future', TRUE, X'00', 1)",
    )
    .await
    .or(db.raw(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (29991231000000, 'from the future', TRUE, '\\x00', 1)",
    ).await)
    .unwrap();
    let err = db.reopen_err().await;
    assert!(
        matches!(
            err,
            StoreError::SchemaTooNew {
                database: 29_991_231_000_000,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("newer fengqiao"), "{err}");
}

async fn a_duplicate_code_is_a_clear_error_and_writes_nothing(db: TestDb) {
    create(&db, bureau("DUP")).await.unwrap();
    let err = create(&db, bureau("DUP")).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "a jurisdiction node with this code already exists"
    );
    assert_eq!(db.store.event_count().await.unwrap(), 1);
    // Code-table entries are upserts on their table's stream.
    let entry = CodeEntry {
        code: "x".into(),
        name: "新".into(),
        name_en: String::new(),
        parent: None,
        sort_order: 1,
        active: true,
    };
    let event = DomainEvent::CodeEntrySaved {
        table: CodeTable::Severity,
        entry,
    };
    let stream = StreamRef::new("code_table", "severity");
    for _ in 0..2 {
        db.store
            .commit(
                &actor(),
                &[Commit::now(
                    stream.clone(),
                    ExpectedVersion::Any,
                    vec![event.clone()],
                )],
                &[],
            )
            .await
            .unwrap();
    }
    assert_eq!(
        db.store
            .code_entries(CodeTable::Severity)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(db.store.stream_version(&stream).await.unwrap(), 2);
}

async fn the_server_role_can_append_but_not_rewrite_the_log(db: TestDb) {
    if db.is_sqlite() {
        let err = db.store.grant_app_role("fengqiao_app").await.unwrap_err();
        assert!(err.to_string().contains("only on PostgreSQL"), "{err}");
        return;
    }
    let role = format!("fq_app_{}", uuid::Uuid::now_v7().simple());
    db.raw(&format!("CREATE ROLE {role} LOGIN")).await.unwrap();
    db.store.grant_app_role(&role).await.unwrap();
    let (app_store, app_raw) = db.open_as(&role).await;

    // The server role appends events and updates read models.
    let event = bureau("ROLE1");
    let stream = event.stream();
    app_store
        .commit(
            &actor(),
            &[Commit::now(stream, ExpectedVersion::NoStream, vec![event])],
            &[],
        )
        .await
        .unwrap();
    assert!(app_store.node_by_code("ROLE1").await.unwrap().is_some());

    // Even with the triggers gone, privileges alone refuse rewriting the log.
    db.disarm_triggers().await;
    for sql in [
        "UPDATE events SET actor = 'mallory'",
        "DELETE FROM events",
        "TRUNCATE events",
        "DELETE FROM audit_checkpoints",
    ] {
        let err = sqlx::query(sql).execute(&app_raw).await.unwrap_err();
        assert!(
            err.to_string().contains("permission denied"),
            "{sql}: {err}"
        );
    }
    assert_eq!(db.store.event_count().await.unwrap(), 1);

    app_store.close().await;
    app_raw.close().await;
    db.raw(&format!("DROP OWNED BY {role}")).await.unwrap();
    db.raw(&format!("DROP ROLE {role}")).await.unwrap();
}

async fn the_base_read_models_answer_the_same_on_both_backends(db: TestDb) {
    use fengqiao_domain::Timestamp;
    use fengqiao_domain::base::*;
    use fengqiao_store::{AddressFilter, Scope};
    let store = &db.store;
    // A bureau, a station, a community with two grids.
    let (bureau, station, community, g1, g2) = (new_id(), new_id(), new_id(), new_id(), new_id());
    let node = |id, parent, level, code: &str| DomainEvent::JurisdictionNodeCreated {
        id,
        parent_id: parent,
        level,
        code: code.into(),
        name: format!("{code}节点"),
    };
    for event in [
        node(bureau, None, NodeLevel::Bureau, "B"),
        node(station, Some(bureau), NodeLevel::Station, "S"),
        node(community, Some(station), NodeLevel::Community, "C"),
        node(g1, Some(community), NodeLevel::Grid, "G1"),
        node(g2, Some(community), NodeLevel::Grid, "G2"),
    ] {
        create(&db, event).await.unwrap();
    }
    create(
        &db,
        DomainEvent::CodeEntrySaved {
            table: CodeTable::EstablishmentKind,
            entry: CodeEntry {
                code: "ktv".into(),
                name: "KTV".into(),
                name_en: "KTV".into(),
                parent: Some("key_place".into()),
                sort_order: 10,
                active: true,
            },
        },
    )
    .await
    .unwrap();
    let (address, house, person, unit, campaign) =
        (new_id(), new_id(), new_id(), new_id(), new_id());
    let text = "浙江省诸暨市枫桥镇枫源村2组15号(100%_实)";
    let mut events = vec![
        DomainEvent::AddressSaved {
            id: address,
            address: AddressFields {
                code: "A-1".into(),
                text: text.into(),
                node_id: g1,
                lng: Some(120.1),
                lat: Some(29.6),
            },
        },
        DomainEvent::HouseSaved {
            id: house,
            house: HouseFields {
                address_id: address,
                room: Some("301".into()),
                usage: HouseUsage::Rental,
                landlord_id: None,
                note: None,
            },
        },
        DomainEvent::PersonSaved {
            id: person,
            person: PersonFields {
                name: "王伟".into(),
                id_number: Some("11010519491231002X".into()),
                phone: None,
                registration: Registration::Floating,
                address_id: address,
                house_id: Some(house),
            },
        },
        DomainEvent::KeyPersonSet {
            person_id: person,
            key: Some(KeyPerson {
                reason: "社区矫正对象".into(),
                visit_every_days: 30,
            }),
        },
        DomainEvent::EstablishmentSaved {
            id: unit,
            establishment: EstablishmentFields {
                name: "金沙KTV".into(),
                kind: "ktv".into(),
                address_id: address,
                contact_name: None,
                contact_phone: None,
                licence: None,
            },
        },
        DomainEvent::CampaignCreated {
            id: campaign,
            node_id: community,
            name: "冬季核查".into(),
            due_date: Some("2026-12-31".into()),
            items: vec![
                CampaignItem {
                    kind: BaseKind::Person,
                    id: person,
                },
                CampaignItem {
                    kind: BaseKind::House,
                    id: house,
                },
            ],
        },
    ];
    let commits: Vec<Commit> = events
        .drain(..)
        .map(|e| Commit::now(e.stream(), ExpectedVersion::Any, vec![e]))
        .collect();
    store.commit(&actor(), &commits, &[]).await.unwrap();
    // A visit entered today that happened 100 days ago counts from the visit.
    let long_ago =
        Timestamp::from_unix_seconds(Timestamp::now().unix_seconds() - 100 * 86_400).unwrap();
    let visit = DomainEvent::BaseRecordVerified {
        kind: BaseKind::Person,
        id: person,
        campaign_id: Some(campaign),
        note: Some("本人在家".into()),
    };
    let mut old = Commit::now(visit.stream(), ExpectedVersion::Any, vec![visit]);
    old.occurred_at = long_ago;
    let house_visit = DomainEvent::BaseRecordVerified {
        kind: BaseKind::House,
        id: house,
        campaign_id: None,
        note: None,
    };
    store
        .commit(
            &actor(),
            &[
                old,
                Commit::now(
                    house_visit.stream(),
                    ExpectedVersion::Any,
                    vec![house_visit],
                ),
            ],
            &[],
        )
        .await
        .unwrap();

    let under = |id: uuid::Uuid| Scope::Under(vec![id.to_string()]);
    let filter = |text: &str| AddressFilter {
        text: Some(text.into()),
        limit: 10,
        ..AddressFilter::default()
    };
    // LIKE wildcards in the text are literal.
    assert_eq!(
        store
            .addresses(&Scope::All, &filter("100%_实"))
            .await
            .unwrap()
            .1,
        1
    );
    assert_eq!(
        store
            .addresses(&Scope::All, &filter("1_0"))
            .await
            .unwrap()
            .1,
        0
    );
    assert_eq!(
        store
            .addresses(&under(g2), &filter("枫源村"))
            .await
            .unwrap()
            .1,
        0
    );
    assert_eq!(
        store
            .address_by_code("A-1")
            .await
            .unwrap()
            .unwrap()
            .node_name,
        "G1节点"
    );
    let houses = store.houses_at(&address.to_string()).await.unwrap();
    assert_eq!((houses.len(), houses[0].residents), (1, 1));
    let keys = store.people(&under(station), None, true, 10).await.unwrap();
    assert_eq!(keys[0].key_reason.as_deref(), Some("社区矫正对象"));
    assert_eq!(keys[0].visit_every_days, Some(30));
    assert_eq!(
        keys[0].verified_at.as_deref(),
        Some(long_ago.to_string().as_str())
    );
    let key_places = store
        .establishments(&Scope::All, Some("key_place"), 10)
        .await
        .unwrap();
    assert_eq!(key_places.len(), 1);
    assert_eq!(key_places[0].kind_group.as_deref(), Some("key_place"));

    let since = Timestamp::from_unix_seconds(Timestamp::now().unix_seconds() - 90 * 86_400)
        .unwrap()
        .to_string();
    let fresh = store.freshness(&under(bureau), &since).await.unwrap();
    assert_eq!(fresh.len(), 1, "{fresh:?}");
    assert_eq!(
        (fresh[0].total, fresh[0].fresh),
        (4, 1),
        "only the house was checked in 90 days"
    );
    let stale = store
        .stale_records(BaseKind::Person, &under(community), &since, 10)
        .await
        .unwrap();
    assert_eq!(stale, vec![person.to_string()]);

    let campaigns = store.campaigns(&under(station)).await.unwrap();
    assert_eq!((campaigns[0].items, campaigns[0].done), (2, 1));
    let items = store.campaign_items(&campaign.to_string()).await.unwrap();
    assert_eq!(items[0].kind, "house", "not yet visited first");
    assert_eq!(items[0].label, format!("{text} 301"));
    assert_eq!(items[1].label, "王伟");

    // Moving the address to the other grid takes everything at it along.
    let moved = DomainEvent::AddressSaved {
        id: address,
        address: AddressFields {
            code: "A-1".into(),
            text: text.into(),
            node_id: g2,
            lng: None,
            lat: None,
        },
    };
    store
        .commit(
            &actor(),
            &[Commit::now(
                moved.stream(),
                ExpectedVersion::Exact(1),
                vec![moved],
            )],
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .people(&under(g2), None, false, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        store
            .establishments(&under(g1), None, 10)
            .await
            .unwrap()
            .len(),
        0
    );
    assert_eq!(store.address_index_key().await.unwrap().0, 1);
}

async fn an_incident_read_model_follows_its_steps_on_both_backends(db: TestDb) {
    use fengqiao_domain::incident::*;
    use fengqiao_store::Scope;
    let store = &db.store;
    let (station, staff, incident) = (new_id(), new_id(), new_id());
    create(
        &db,
        DomainEvent::JurisdictionNodeCreated {
            id: station,
            parent_id: None,
            level: NodeLevel::Bureau,
            code: "IB".into(),
            name: "分局".into(),
        },
    )
    .await
    .unwrap();
    create(
        &db,
        DomainEvent::StaffCreated {
            id: staff,
            name: "赵民警".into(),
            badge_number: "I-1".into(),
            unit_id: None,
            roles: vec![fengqiao_domain::org::Role::CommunityOfficer],
            specialties: vec![],
            phone: None,
            node_id: Some(station),
        },
    )
    .await
    .unwrap();
    let received = |id, number: &str, external: Option<&str>| DomainEvent::IncidentReceived {
        id,
        number: number.into(),
        intake: Box::new(IntakeFields {
            external_number: external.map(Into::into),
            source: IncidentSource::Call110,
            called_at: "2026-12-01T10:00:00.000000Z".into(),
            caller_name: None,
            caller_phone: Some("13900000000".into()),
            caller_id_number: None,
            address_text: "某路1号".into(),
            narrative: "打架".into(),
            category: Some("public_order".into()),
        }),
        address_id: None,
        node_id: station,
        match_score: None,
        lng: None,
        lat: None,
        repeats: RepeatMarks::default(),
        suggestion: None,
    };
    create(&db, received(incident, "J20261201-0001", Some("EXT-1")))
        .await
        .unwrap();
    let dup = create(&db, received(new_id(), "J20261201-0002", Some("EXT-1")))
        .await
        .unwrap_err();
    assert!(dup.to_string().contains("already been received"), "{dup}");
    let same_number = create(&db, received(new_id(), "J20261201-0001", None))
        .await
        .unwrap_err();
    assert!(
        same_number
            .to_string()
            .contains("incident with this number"),
        "{same_number}"
    );
    for event in [
        DomainEvent::IncidentTriaged {
            id: incident,
            category: "public_order".into(),
            branch: Branch::Police,
            note: None,
        },
        DomainEvent::IncidentDispatched {
            id: incident,
            staff_id: staff,
            reasons: vec!["owner".into()],
            overridden: false,
        },
    ] {
        let commit = Commit::now(event.stream(), ExpectedVersion::Any, vec![event]);
        store.commit(&actor(), &[commit], &[]).await.unwrap();
    }
    let all = Scope::All;
    let open = store
        .incidents(
            &all,
            &["dispatched", "accepted"],
            Some(&staff.to_string()),
            10,
        )
        .await
        .unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].assignee_name.as_deref(), Some("赵民警"));
    assert!(open[0].dispatched_at.is_some() && open[0].triaged_at.is_some());
    assert!(
        store
            .incidents(&all, &["closed"], None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.open_load().await.unwrap(),
        vec![(staff.to_string(), 1)]
    );
    assert_eq!(store.incident_numbers_with("J20261201-").await.unwrap(), 1);
    let inputs = store
        .repeat_inputs("2026-11-01T00:00:00.000000Z")
        .await
        .unwrap();
    assert_eq!(inputs.len(), 1);
    assert_eq!(inputs[0].category.as_deref(), Some("public_order"));
    assert!(
        store
            .incident_by_external_number("EXT-1")
            .await
            .unwrap()
            .is_some()
    );
}

async fn the_roster_positions_departures_and_photos_answer_the_same_on_both_backends(db: TestDb) {
    use fengqiao_domain::duty::{ShiftDays, ShiftFields, ShiftKind};
    use fengqiao_domain::incident::*;
    use fengqiao_store::{Scope, SideWrite};
    let store = &db.store;
    let (bureau_id, staff, incident, shift, night, photo) =
        (new_id(), new_id(), new_id(), new_id(), new_id(), new_id());
    let any = |event: DomainEvent| Commit::now(event.stream(), ExpectedVersion::Any, vec![event]);
    let setup = [
        DomainEvent::JurisdictionNodeCreated {
            id: bureau_id,
            parent_id: None,
            level: NodeLevel::Bureau,
            code: "DB".into(),
            name: "分局".into(),
        },
        DomainEvent::StaffCreated {
            id: staff,
            name: "钱民警".into(),
            badge_number: "D-1".into(),
            unit_id: None,
            roles: vec![fengqiao_domain::org::Role::CommunityOfficer],
            specialties: vec![],
            phone: None,
            node_id: Some(bureau_id),
        },
        DomainEvent::ShiftSaved {
            id: shift,
            staff_id: staff,
            shift: ShiftFields {
                days: ShiftDays::Weekday(3),
                start: "08:00".into(),
                end: "20:00".into(),
                kind: ShiftKind::OnDuty,
            },
        },
        DomainEvent::ShiftSaved {
            id: night,
            staff_id: staff,
            shift: ShiftFields {
                days: ShiftDays::Date("2026-12-02".into()),
                start: "20:00".into(),
                end: "08:00".into(),
                kind: ShiftKind::Standby,
            },
        },
        // Changed: a shift keeps its id and takes the new times.
        DomainEvent::ShiftSaved {
            id: shift,
            staff_id: staff,
            shift: ShiftFields {
                days: ShiftDays::Weekday(3),
                start: "09:00".into(),
                end: "21:00".into(),
                kind: ShiftKind::OnDuty,
            },
        },
        DomainEvent::IncidentReceived {
            id: incident,
            number: "J20261202-0001".into(),
            intake: Box::new(IntakeFields {
                external_number: None,
                source: IncidentSource::Call110,
                called_at: "2026-12-02T02:00:00.000000Z".into(),
                caller_name: None,
                caller_phone: None,
                caller_id_number: None,
                address_text: "某路1号".into(),
                narrative: "打架".into(),
                category: Some("public_order".into()),
            }),
            address_id: None,
            node_id: bureau_id,
            match_score: None,
            lng: Some(120.25),
            lat: Some(29.71),
            repeats: RepeatMarks::default(),
            suggestion: None,
        },
    ];
    for event in setup {
        store.commit(&actor(), &[any(event)], &[]).await.unwrap();
    }
    let shifts = store.shifts(&Scope::All).await.unwrap();
    let kinds: Vec<(String, ShiftDays, String)> = shifts
        .iter()
        .map(|s| (s.id.clone(), s.shift.days.clone(), s.shift.start.clone()))
        .collect();
    assert_eq!(
        kinds,
        [
            (shift.to_string(), ShiftDays::Weekday(3), "09:00".into()),
            (
                night.to_string(),
                ShiftDays::Date("2026-12-02".into()),
                "20:00".into()
            ),
        ]
    );
    assert_eq!(
        store.shift_owner(&night.to_string()).await.unwrap(),
        Some(staff.to_string())
    );
    let elsewhere = Scope::Under(vec![new_id().to_string()]);
    assert!(store.shifts(&elsewhere).await.unwrap().is_empty());
    store
        .commit(
            &actor(),
            &[any(DomainEvent::ShiftRemoved {
                id: night,
                staff_id: staff,
            })],
            &[],
        )
        .await
        .unwrap();
    assert_eq!(store.shifts(&Scope::All).await.unwrap().len(), 1);

    // Signed for, set out, arrived: each step timed; the arrival is the last position.
    for event in [
        DomainEvent::IncidentTriaged {
            id: incident,
            category: "public_order".into(),
            branch: Branch::Police,
            note: None,
        },
        DomainEvent::IncidentDispatched {
            id: incident,
            staff_id: staff,
            reasons: vec![],
            overridden: false,
        },
        DomainEvent::IncidentAccepted {
            id: incident,
            staff_id: staff,
        },
        DomainEvent::IncidentDeparted {
            id: incident,
            staff_id: staff,
        },
    ] {
        store.commit(&actor(), &[any(event)], &[]).await.unwrap();
    }
    let row = store
        .incident(&incident.to_string())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.state, "departed");
    assert!(row.departed_at.is_some());
    assert_eq!(
        store.open_load().await.unwrap(),
        vec![(staff.to_string(), 1)]
    );
    assert!(store.last_positions().await.unwrap().is_empty());
    store
        .commit(
            &actor(),
            &[any(DomainEvent::IncidentArrived {
                id: incident,
                staff_id: staff,
            })],
            &[],
        )
        .await
        .unwrap();
    let positions = store.last_positions().await.unwrap();
    assert_eq!(positions.len(), 1);
    assert_eq!(
        (
            positions[0].staff_id.as_str(),
            positions[0].lng,
            positions[0].lat
        ),
        (staff.to_string().as_str(), 120.25, 29.71)
    );

    // The photo is written with the feedback that names it, byte for byte.
    let bytes: Vec<u8> = [&b"\x89PNG\r\n\x1a\n"[..], &[0u8, 1, 2, 255, 254]].concat();
    let handled = DomainEvent::IncidentHandled {
        id: incident,
        staff_id: staff,
        result_code: "mediated".into(),
        narrative: "已调解".into(),
        photos: vec![fengqiao_domain::photo::PhotoRef {
            id: photo,
            sha256: "ab".repeat(32),
            content_type: "image/png".into(),
            bytes: bytes.len() as u64,
        }],
    };
    store
        .commit(
            &actor(),
            &[any(handled)],
            &[SideWrite::StorePhoto {
                id: photo.to_string(),
                incident_id: incident.to_string(),
                content_type: "image/png".into(),
                sha256: "ab".repeat(32),
                data: bytes.clone(),
            }],
        )
        .await
        .unwrap();
    let photos = store.incident_photos(&incident.to_string()).await.unwrap();
    assert_eq!(photos.len(), 1);
    assert_eq!(
        (photos[0].size, photos[0].sha256.as_str()),
        (bytes.len() as i64, "ab".repeat(32).as_str())
    );
    assert_eq!(
        store
            .incident_photo(&incident.to_string(), &photo.to_string())
            .await
            .unwrap(),
        Some(("image/png".to_owned(), bytes))
    );
    assert_eq!(
        store
            .incident_photo(&new_id().to_string(), &photo.to_string())
            .await
            .unwrap(),
        None,
        "a photo is found only through its own incident"
    );
    assert_gapless_and_intact(&db).await;
}

/// Every seq from 1 to the count, in order, and a chain that verifies.
async fn assert_gapless_and_intact(db: &TestDb) {
    let count = db.store.event_count().await.unwrap();
    let events = db.store.events_after(0, count + 10).await.unwrap();
    let seqs: Vec<i64> = events.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=count).collect::<Vec<_>>());
    assert!(db.store.verify_log(&[]).await.unwrap().is_intact());
}

/// Runs the commits at once, from as many tasks, released together so the writer finds
/// them waiting and groups them.
async fn commit_together(
    db: &TestDb,
    calls: Vec<(Vec<Commit>, Vec<SideWrite>)>,
) -> Vec<Result<(), StoreError>> {
    let gate = std::sync::Arc::new(tokio::sync::Barrier::new(calls.len()));
    let mut tasks = Vec::new();
    for (commits, side_writes) in calls {
        let store = db.store.clone();
        let gate = gate.clone();
        tasks.push(tokio::spawn(async move {
            gate.wait().await;
            store
                .commit(&actor(), &commits, &side_writes)
                .await
                .map(|_| ())
        }));
    }
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap());
    }
    results
}

async fn group_commit_fails_exactly_the_conflicting_callers(db: TestDb) {
    // Ten bureaus at version 1; every fifth caller renames one expecting version 5.
    let mut ids = Vec::new();
    for i in 0..10 {
        let event = bureau(&format!("K{i}"));
        let DomainEvent::JurisdictionNodeCreated { id, .. } = &event else {
            unreachable!()
        };
        ids.push(*id);
        create(&db, event).await.unwrap();
    }
    let mut calls = Vec::new();
    for i in 0..300_usize {
        let commit = if i % 5 == 0 {
            let id = ids[i % ids.len()];
            Commit::now(
                StreamRef::new("jurisdiction_node", id.to_string()),
                ExpectedVersion::Exact(5),
                vec![DomainEvent::JurisdictionNodeRenamed {
                    id,
                    name: format!("改{i}"),
                }],
            )
        } else if i % 5 == 1 {
            // A rename with the right version: several land on one stream, so only
            // the first of those per stream may win; they are counted below.
            let id = ids[i % ids.len()];
            Commit::now(
                StreamRef::new("jurisdiction_node", id.to_string()),
                ExpectedVersion::Exact(1),
                vec![DomainEvent::JurisdictionNodeRenamed {
                    id,
                    name: format!("名{i}"),
                }],
            )
        } else {
            let event = bureau(&format!("G{i:03}"));
            Commit::now(event.stream(), ExpectedVersion::NoStream, vec![event])
        };
        calls.push((vec![commit], Vec::new()));
    }
    let results = commit_together(&db, calls).await;
    let mut renames_won = std::collections::HashMap::<usize, usize>::new();
    for (i, result) in results.iter().enumerate() {
        match (i % 5, result) {
            (0, Err(StoreError::VersionConflict { actual, .. })) => {
                assert!(*actual == 1 || *actual == 2, "caller {i}: actual {actual}");
            }
            (0, other) => panic!("caller {i} should conflict: {other:?}"),
            (1, Ok(())) => *renames_won.entry(i % ids.len()).or_default() += 1,
            (1, Err(StoreError::VersionConflict { .. })) => {}
            (_, Ok(())) => {
                let code = format!("G{i:03}");
                assert!(
                    db.store.node_by_code(&code).await.unwrap().is_some(),
                    "{code}"
                );
            }
            (_, Err(e)) => panic!("caller {i} failed: {e}"),
        }
    }
    // Callers 1, 11, 21 … and 6, 16 … land on streams 1 and 6: exactly one wins each.
    assert_eq!(renames_won.len(), 2, "{renames_won:?}");
    assert!(renames_won.values().all(|&n| n == 1), "{renames_won:?}");
    assert_eq!(db.store.event_count().await.unwrap(), 10 + 180 + 2);
    assert_gapless_and_intact(&db).await;
}

async fn a_constraint_error_in_a_batch_loses_no_other_commit(db: TestDb) {
    create(&db, bureau("DUP")).await.unwrap();
    let mut calls = Vec::new();
    for i in 0..64_usize {
        let event = bureau(&if i == 20 {
            "DUP".to_owned()
        } else {
            format!("N{i:02}")
        });
        let commit = Commit::now(event.stream(), ExpectedVersion::NoStream, vec![event]);
        // Caller 40's side write names no user: its event must go with it.
        let side_writes = if i == 40 {
            vec![SideWrite::SetPasswordHash {
                user_id: new_id().to_string(),
                hash: "$argon2id$x".into(),
            }]
        } else {
            Vec::new()
        };
        calls.push((vec![commit], side_writes));
    }
    let results = commit_together(&db, calls).await;
    for (i, result) in results.iter().enumerate() {
        match (i, result) {
            (20, Err(e)) => {
                assert_eq!(
                    e.to_string(),
                    "a jurisdiction node with this code already exists"
                );
            }
            (40, Err(e)) => assert!(e.to_string().contains("no user"), "{e}"),
            (20 | 40, Ok(())) => panic!("caller {i} should have failed"),
            (_, Ok(())) => {}
            (_, Err(e)) => panic!("caller {i} failed: {e}"),
        }
    }
    assert!(db.store.node_by_code("N40").await.unwrap().is_none());
    for i in (0..64).filter(|&i| i != 20 && i != 40) {
        assert!(
            db.store
                .node_by_code(&format!("N{i:02}"))
                .await
                .unwrap()
                .is_some()
        );
    }
    assert_eq!(db.store.event_count().await.unwrap(), 1 + 62);
    assert_gapless_and_intact(&db).await;
}

async fn a_transferred_matter_follows_its_loop_on_both_backends(db: TestDb) {
    use fengqiao_domain::incident::*;
    use fengqiao_domain::org::Residency;
    use fengqiao_domain::transfer::{Satisfaction, TransferRule, TransferStep};
    use fengqiao_store::{Scope, TransferView};
    let store = &db.store;
    let (station, incident, first, second, rule) =
        (new_id(), new_id(), new_id(), new_id(), new_id());
    create(
        &db,
        DomainEvent::JurisdictionNodeCreated {
            id: station,
            parent_id: None,
            level: NodeLevel::Bureau,
            code: "TB".into(),
            name: "分局".into(),
        },
    )
    .await
    .unwrap();
    for (id, name) in [(first, "城管中队"), (second, "综治办")] {
        create(
            &db,
            DomainEvent::PartnerAgencyCreated {
                id,
                name: name.into(),
                department: Some("urban_management".into()),
                residency: Residency::Standing,
                node_id: station,
                contact_phone: None,
            },
        )
        .await
        .unwrap();
    }
    create(
        &db,
        DomainEvent::TransferRuleSaved {
            id: rule,
            rule: TransferRule {
                category: "non_police".into(),
                node_id: Some(station),
                partner_id: first,
                handle_hours: Some(48),
            },
        },
    )
    .await
    .unwrap();
    let rules = store.transfer_rules().await.unwrap();
    assert_eq!(rules.len(), 1);
    assert_eq!(
        (
            rules[0].partner_name.as_str(),
            rules[0].node_name.as_deref(),
            rules[0].handle_hours
        ),
        ("城管中队", Some("分局"), Some(48))
    );
    create(
        &db,
        DomainEvent::IncidentReceived {
            id: incident,
            number: "J20261201-0009".into(),
            intake: Box::new(IntakeFields {
                external_number: None,
                source: IncidentSource::Call110,
                called_at: "2026-12-01T10:00:00.000000Z".into(),
                caller_name: Some("王先生".into()),
                caller_phone: Some("13900000001".into()),
                caller_id_number: None,
                address_text: "某路2号".into(),
                narrative: "路灯不亮".into(),
                category: Some("non_police".into()),
            }),
            address_id: None,
            node_id: station,
            match_score: None,
            lng: None,
            lat: None,
            repeats: RepeatMarks::default(),
            suggestion: None,
        },
    )
    .await
    .unwrap();
    let id = incident;
    let due = |h: u32| format!("2026-12-01T{h:02}:00:00.000000Z");
    let step = |event: DomainEvent| async move {
        let commit = Commit::now(event.stream(), ExpectedVersion::Any, vec![event]);
        store.commit(&actor(), &[commit], &[]).await.unwrap();
    };
    step(DomainEvent::IncidentTriaged {
        id,
        category: "non_police".into(),
        branch: Branch::NonPolice,
        note: None,
    })
    .await;
    step(DomainEvent::TransferAssigned {
        id,
        partner_id: first,
        rule_id: Some(rule),
        overridden: false,
        handle_hours: Some(48),
        due_at: due(12),
    })
    .await;
    let inbox = store
        .transfers(
            &Scope::All,
            Some(&first.to_string()),
            TransferView::Open,
            10,
        )
        .await
        .unwrap();
    assert_eq!(inbox.len(), 1);
    let row = &inbox[0];
    assert_eq!(
        (
            row.number.as_str(),
            row.state.as_str(),
            row.step.as_deref(),
            row.handle_hours
        ),
        ("J20261201-0009", "assigned", Some("assign"), Some(48))
    );
    // Past its deadline and not yet escalated: the sweep finds it, once per step.
    assert_eq!(
        store.overdue_transfers(&due(13)).await.unwrap(),
        vec![id.to_string()]
    );
    assert!(store.overdue_transfers(&due(11)).await.unwrap().is_empty());
    step(DomainEvent::TransferEscalated {
        id,
        step: TransferStep::Assign,
        due_at: due(12),
    })
    .await;
    assert!(store.overdue_transfers(&due(13)).await.unwrap().is_empty());
    let escalated = store
        .transfers(
            &Scope::Under(vec![station.to_string()]),
            None,
            TransferView::Escalated,
            10,
        )
        .await
        .unwrap();
    assert_eq!(escalated.len(), 1);
    assert_eq!(escalated[0].escalations, 1);
    // Declined, then sent to the other agency: the first's inbox empties.
    step(DomainEvent::TransferDeclined {
        id,
        partner_id: first,
        reason: "不属城管".into(),
        due_at: due(14),
    })
    .await;
    step(DomainEvent::TransferAssigned {
        id,
        partner_id: second,
        rule_id: None,
        overridden: true,
        handle_hours: None,
        due_at: due(16),
    })
    .await;
    assert!(
        store
            .transfers(
                &Scope::All,
                Some(&first.to_string()),
                TransferView::Open,
                10
            )
            .await
            .unwrap()
            .is_empty()
    );
    let events = [
        DomainEvent::TransferSigned {
            id,
            partner_id: second,
            due_at: due(17),
        },
        DomainEvent::TransferVerified {
            id,
            note: "属实".into(),
            due_at: due(18),
        },
        DomainEvent::TransferHandled {
            id,
            note: "已修复".into(),
            due_at: due(19),
        },
        DomainEvent::TransferFedBack {
            id,
            narrative: "当日修复".into(),
            due_at: due(20),
        },
        DomainEvent::TransferEvaluated {
            id,
            satisfaction: Satisfaction::Unsatisfied,
            note: Some("仍有一盏不亮".into()),
            due_at: due(21),
        },
        DomainEvent::TransferReviewed {
            id,
            accepted: false,
            note: "重新处置".into(),
            due_at: Some(due(22)),
        },
    ];
    for event in events {
        step(event).await;
    }
    let back = store.transfer(&id.to_string()).await.unwrap().unwrap();
    assert_eq!(
        (
            back.state.as_str(),
            back.step.as_deref(),
            back.returned,
            back.handled_at.as_deref()
        ),
        ("verified", Some("handle"), 1, None)
    );
    assert_eq!(back.decline_reason.as_deref(), Some("不属城管"));
    assert!(back.overridden && back.rule_id.is_none());
    for event in [
        DomainEvent::TransferHandled {
            id,
            note: "全部修复".into(),
            due_at: due(23),
        },
        DomainEvent::TransferFedBack {
            id,
            narrative: "已全部修复".into(),
            due_at: due(23),
        },
        DomainEvent::TransferEvaluated {
            id,
            satisfaction: Satisfaction::Satisfied,
            note: None,
            due_at: due(23),
        },
        DomainEvent::TransferReviewed {
            id,
            accepted: true,
            note: "办结".into(),
            due_at: None,
        },
        DomainEvent::IncidentClosed { id },
    ] {
        step(event).await;
    }
    let done = store.transfer(&id.to_string()).await.unwrap().unwrap();
    assert_eq!(
        (
            done.state.as_str(),
            done.step.as_deref(),
            done.due_at.as_deref()
        ),
        ("reviewed", None, None)
    );
    assert_eq!(done.satisfaction.as_deref(), Some("satisfied"));
    let counts = store.transfer_counts(&Scope::All, None).await.unwrap();
    assert_eq!(
        (
            counts.total,
            counts.closed,
            counts.escalated,
            counts.rated,
            counts.satisfied
        ),
        (1, 1, 0, 1, 1)
    );
    assert_eq!(
        store
            .transfers(
                &Scope::All,
                Some(&second.to_string()),
                TransferView::Closed,
                10
            )
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        store
            .incident(&id.to_string())
            .await
            .unwrap()
            .unwrap()
            .state,
        "closed"
    );
    step(DomainEvent::TransferRuleRemoved { id: rule }).await;
    assert!(store.transfer_rules().await.unwrap().is_empty());
}

async fn a_secondary_handling_is_counted_on_both_backends(db: TestDb) {
    use fengqiao_domain::incident::*;
    use fengqiao_domain::secondary::SecondaryReason;
    use fengqiao_store::Scope;
    let store = &db.store;
    let (bureau, staff) = (new_id(), new_id());
    create(
        &db,
        DomainEvent::JurisdictionNodeCreated {
            id: bureau,
            parent_id: None,
            level: NodeLevel::Bureau,
            code: "SB".into(),
            name: "分局".into(),
        },
    )
    .await
    .unwrap();
    create(
        &db,
        DomainEvent::StaffCreated {
            id: staff,
            name: "钱民警".into(),
            badge_number: "S-1".into(),
            unit_id: None,
            roles: vec![fengqiao_domain::org::Role::CommunityOfficer],
            specialties: vec![],
            phone: None,
            node_id: Some(bureau),
        },
    )
    .await
    .unwrap();
    let mut ids = Vec::new();
    for n in 0..3 {
        let id = new_id();
        create(
            &db,
            DomainEvent::IncidentReceived {
                id,
                number: format!("J20261201-{:04}", 70 + n),
                intake: Box::new(IntakeFields {
                    external_number: None,
                    source: IncidentSource::Call110,
                    called_at: "2026-12-01T10:00:00.000000Z".into(),
                    caller_name: None,
                    caller_phone: None,
                    caller_id_number: None,
                    address_text: "某村3组".into(),
                    narrative: "宅基地纠纷".into(),
                    category: Some("land".into()),
                }),
                address_id: None,
                node_id: bureau,
                match_score: None,
                lng: None,
                lat: None,
                repeats: RepeatMarks::default(),
                suggestion: None,
            },
        )
        .await
        .unwrap();
        ids.push(id);
    }
    let step = |event: DomainEvent| async move {
        let commit = Commit::now(event.stream(), ExpectedVersion::Any, vec![event]);
        store.commit(&actor(), &[commit], &[]).await.unwrap();
    };
    for (n, id) in ids.iter().copied().enumerate() {
        step(DomainEvent::SecondaryOpened {
            id,
            reasons: vec![SecondaryReason::RepeatPlace, SecondaryReason::Difficult],
        })
        .await;
        if n < 2 {
            step(DomainEvent::SecondaryInstructed {
                id,
                staff_id: staff,
                analysis: "反复".into(),
                instruction: "上门".into(),
            })
            .await;
            step(DomainEvent::SecondaryConcluded {
                id,
                settled: n == 0,
                note: "结束".into(),
            })
            .await;
        }
    }
    let scope = Scope::Under(vec![bureau.to_string()]);
    let counts = store
        .secondary_counts(
            &scope,
            "2000-01-01T00:00:00.000000Z",
            "2100-01-01T00:00:00.000000Z",
        )
        .await
        .unwrap();
    assert_eq!(
        (counts.opened, counts.settled, counts.unsettled, counts.open),
        (3, 1, 1, 1)
    );
    let none = store
        .secondary_counts(
            &Scope::Under(vec![new_id().to_string()]),
            "2000-01-01T00:00:00.000000Z",
            "2100-01-01T00:00:00.000000Z",
        )
        .await
        .unwrap();
    assert_eq!(none.opened, 0);
    let all = store.secondaries(&scope, None, false, 10).await.unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(all[0].state, "analysing", "open ones first");
    assert_eq!(all[1].reasons, ["repeat_place", "difficult"]);
    let first = store.secondary(&ids[0].to_string()).await.unwrap().unwrap();
    assert_eq!(
        (first.state.as_str(), first.staff_name.as_deref()),
        ("settled", Some("钱民警"))
    );
    assert!(
        store
            .secondaries(&Scope::All, Some(&staff.to_string()), true, 10)
            .await
            .unwrap()
            .is_empty()
    );
}
