//! Incidents (警情) from intake to closure on the demo bureau: the address matched to
//! its grid, the owner of the community recommended first, each officer step in the
//! timeline, and repeats flagged with the incidents that caused them.

use fengqiao_app::AppError;
use fengqiao_app::incident::OfficerStep;
use fengqiao_app::policy::Principal;
use fengqiao_domain::incident::{Branch, IncidentSource, IntakeFields};
use fengqiao_domain::org::RecordId;
use fengqiao_domain::{StreamRef, Timestamp};
use rand::SeedableRng;

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

fn intake(address: &str, phone: &str, days_ago: i64) -> IntakeFields {
    let at =
        Timestamp::from_unix_seconds(Timestamp::now().unix_seconds() - days_ago * 86_400).unwrap();
    IntakeFields {
        external_number: None,
        source: IncidentSource::Call110,
        called_at: at.to_string(),
        caller_name: Some("李女士".into()),
        caller_phone: Some(phone.into()),
        caller_id_number: None,
        address_text: address.into(),
        narrative: "报警人称邻居装修噪音扰民，双方发生争吵".into(),
        category: Some("neighbour".into()),
    }
}

/// The demo, and an address of the community officer's community said messily.
async fn demo() -> (TestApp, Principal, Principal, String, String) {
    let t = TestApp::new().await;
    t.app.seed_defaults(&actor()).await.unwrap();
    t.app.seed_demo(&actor(), 21, &|_, _| {}).await.unwrap();
    let dispatcher = principal(&t, "dispatcher").await;
    let officer = principal(&t, "community_officer").await;
    let mine = t
        .app
        .store()
        .addresses(
            &officer.scope(),
            &fengqiao_store::AddressFilter {
                limit: 50,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let target = mine.0[3].clone();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
    let said = fengqiao_app::demo_base::messy_variant(&target.text, &mut rng);
    (t, dispatcher, officer, target.id, said)
}

#[tokio::test]
async fn an_incident_goes_from_the_call_to_closure_with_every_step_in_its_timeline() {
    let (t, dispatcher, officer, address_id, said) = demo().await;
    let id = t
        .app
        .receive_incident_as(&dispatcher, intake(&said, "13912345678", 0))
        .await
        .unwrap();
    let detail = t
        .app
        .incident_as(&dispatcher, &id.to_string())
        .await
        .unwrap();
    let incident = &detail.incident;
    assert_eq!(
        incident.address_id.as_deref(),
        Some(address_id.as_str()),
        "{said}"
    );
    assert!(
        incident.number.starts_with('J') && incident.number.ends_with("-0001"),
        "{}",
        incident.number
    );
    assert_eq!(incident.state, "received");

    t.app
        .triage_as(
            &dispatcher,
            id,
            "neighbour_dispute",
            Branch::Police,
            None,
            None,
        )
        .await
        .unwrap();
    let candidates = t
        .app
        .recommend_as(&dispatcher, &id.to_string())
        .await
        .unwrap();
    let top = &candidates[0];
    assert_eq!(
        Some(top.staff_id.clone()),
        officer.staff_id,
        "{candidates:#?}"
    );
    assert!(
        top.reasons.iter().any(|r| r.starts_with("owner:officer")),
        "{top:?}"
    );
    let officer_staff: RecordId = top.staff_id.parse().unwrap();
    t.app
        .dispatch_as(&dispatcher, id, officer_staff)
        .await
        .unwrap();

    // The officer sees it in their own list and works it.
    let mine = t.app.my_incidents(&officer).await.unwrap();
    assert!(mine.iter().any(|i| i.id == id.to_string()));
    for step in [
        OfficerStep::Accept,
        OfficerStep::Arrive,
        OfficerStep::Feedback {
            result_code: "mediated".into(),
            narrative: "现场调解，双方达成一致".into(),
            photos: vec![],
        },
    ] {
        t.app.officer_step_as(&officer, id, step).await.unwrap();
    }
    // Closing twice is refused: the second time it is already closed.
    t.app.close_incident_as(&dispatcher, id).await.unwrap();
    let again = t.app.close_incident_as(&dispatcher, id).await.unwrap_err();
    assert!(again.to_string().contains("closed"), "{again}");

    let row = t
        .app
        .incident_as(&dispatcher, &id.to_string())
        .await
        .unwrap()
        .incident;
    assert_eq!(row.state, "closed");
    assert_eq!(row.category_initial.as_deref(), Some("neighbour"));
    assert_eq!(row.category.as_deref(), Some("neighbour_dispute"));
    assert!(row.dispatched_at.is_some() && row.arrived_at.is_some() && row.closed_at.is_some());
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
            "incident_dispatched",
            "incident_accepted",
            "incident_arrived",
            "incident_handled",
            "incident_closed"
        ]
    );
    assert!(timeline[3].actor.contains("community_officer"));
    assert!(timeline[1].actor.contains("dispatcher"));
}

#[tokio::test]
async fn only_the_officer_it_was_sent_to_works_an_incident() {
    let (t, dispatcher, officer, _, said) = demo().await;
    let id = t
        .app
        .receive_incident_as(&dispatcher, intake(&said, "13912345678", 0))
        .await
        .unwrap();
    // Not yet triaged: nothing to sign for.
    let early = t
        .app
        .officer_step_as(&officer, id, OfficerStep::Accept)
        .await
        .unwrap_err();
    assert!(matches!(early, AppError::Domain(_)), "{early}");
    t.app
        .triage_as(
            &dispatcher,
            id,
            "neighbour_dispute",
            Branch::Police,
            None,
            None,
        )
        .await
        .unwrap();
    let candidates = t
        .app
        .recommend_as(&dispatcher, &id.to_string())
        .await
        .unwrap();
    let someone_else = candidates
        .iter()
        .find(|c| Some(&c.staff_id) != officer.staff_id.as_ref())
        .unwrap();
    t.app
        .dispatch_as(&dispatcher, id, someone_else.staff_id.parse().unwrap())
        .await
        .unwrap();
    let events = t
        .app
        .store()
        .timeline(&StreamRef::new("incident", id))
        .await
        .unwrap();
    assert!(
        events
            .last()
            .unwrap()
            .payload
            .contains("\"overridden\":true"),
        "the dispatcher overrode the top choice"
    );
    let err = t
        .app
        .officer_step_as(&officer, id, OfficerStep::Accept)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("only the officer"), "{err}");
    // The same external number twice is one incident.
    let mut first = intake(&said, "13812345678", 0);
    first.external_number = Some("330681202612020001".into());
    t.app
        .receive_incident_as(&dispatcher, first.clone())
        .await
        .unwrap();
    let twice = t
        .app
        .receive_incident_as(&dispatcher, first)
        .await
        .unwrap_err();
    assert!(
        twice.to_string().contains("already been received"),
        "{twice}"
    );
}

#[tokio::test]
async fn the_third_call_from_one_phone_or_place_is_flagged_with_the_earlier_ones_even_when_entered_late()
 {
    let (t, dispatcher, _, _, said) = demo().await;
    let receive = |phone: &'static str, days: i64, address: String| {
        let app = t.app.clone();
        let dispatcher = dispatcher.clone();
        async move {
            app.receive_incident_as(&dispatcher, intake(&address, phone, days))
                .await
                .unwrap()
        }
    };
    let a = receive("13700000001", 10, said.clone()).await;
    let b = receive("13700000002", 5, said.clone()).await;
    // Entered late: called 7 days ago, before b. Only a is earlier: no flag yet.
    let c = receive("13700000001", 7, "和平路999号无此地址".into()).await;
    let c_row = t
        .app
        .incident_as(&dispatcher, &c.to_string())
        .await
        .unwrap();
    assert!(
        !c_row.incident.repeat_person && c_row.repeats.is_empty(),
        "{:?}",
        c_row.repeats
    );
    // Now the third call of the first phone, and the third incident at the address.
    let d = receive("13700000001", 0, said.clone()).await;
    let detail = t
        .app
        .incident_as(&dispatcher, &d.to_string())
        .await
        .unwrap();
    assert!(detail.incident.repeat_person && detail.incident.repeat_place);
    let person: Vec<&str> = detail
        .repeats
        .iter()
        .filter(|r| r.0 == "person")
        .map(|r| r.1.as_str())
        .collect();
    assert_eq!(person, [a.to_string(), c.to_string()]);
    let place: Vec<&str> = detail
        .repeats
        .iter()
        .filter(|r| r.0 == "place")
        .map(|r| r.1.as_str())
        .collect();
    assert_eq!(place, [a.to_string(), b.to_string()]);
    // A fresh engine built from the store (as after a restart) agrees.
    let restarted = fengqiao_app::App::new(t.app.store().clone());
    let e = restarted
        .receive_incident_as(&dispatcher, intake(&said, "13700000001", 0))
        .await
        .unwrap();
    let detail = restarted
        .incident_as(&dispatcher, &e.to_string())
        .await
        .unwrap();
    let person = detail.repeats.iter().filter(|r| r.0 == "person").count();
    assert_eq!(person, 3, "{:?}", detail.repeats);
}

#[tokio::test]
async fn a_110_export_in_the_pinyin_schema_imports_once_and_bad_rows_are_reported_by_number() {
    let (t, dispatcher, officer, _, _) = demo().await;
    // A few hundred calls over the officer's addresses, said messily, in call order
    // shuffled as exports often are.
    let addresses = t
        .app
        .store()
        .addresses(
            &officer.scope(),
            &fengqiao_store::AddressFilter {
                limit: 40,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .0;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(4);
    let mut csv = String::from("JJDBH,BJSJ,BJDH,BJRXM,BJNR,JQDZ,JQLBDM,GXDWDM\n");
    let rows = 300;
    for n in 0..rows {
        let address = &addresses[(n * 7) % addresses.len()];
        let said = fengqiao_app::demo_base::messy_variant(&address.text, &mut rng);
        let day = 1 + (n * 13) % 28;
        csv.push_str(&format!(
            "3306812026110{:04},2026-11-{day:02} {:02}:{:02}:00,1390000{:04},张先生,\"报警人称{}，请民警到场\",{said},{},QX-02\n",
            n,
            n % 24,
            n % 60,
            n % 40,
            ["邻居吵架", "门口有人打架", "电动车被盗", "老人走失"][n % 4],
            ["neighbour_dispute", "治安", "criminal", "求助"][n % 4],
        ));
    }
    let path = t.file("110导出.csv", &csv);
    let first = t
        .app
        .import_incidents_as(&dispatcher, &path, "110导出.csv", &|_| {})
        .await
        .unwrap();
    assert_eq!(
        (
            first.summary.rows,
            first.summary.changed,
            first.summary.unchanged
        ),
        (rows, rows, 0)
    );
    assert_eq!(first.uncategorised, 0);
    let again = t
        .app
        .import_incidents_as(&dispatcher, &path, "110导出.csv", &|_| {})
        .await
        .unwrap();
    assert_eq!((again.summary.changed, again.summary.unchanged), (0, rows));
    let all = t.app.incidents_as(&dispatcher, &[], 1000).await.unwrap();
    assert_eq!(all.len(), rows);
    let matched = all.iter().filter(|i| i.address_id.is_some()).count();
    assert!(
        matched * 100 >= rows * 95,
        "{matched}/{rows} addresses matched"
    );
    assert!(
        all.iter().any(|i| i.repeat_person),
        "repeat callers are flagged"
    );
    assert!(
        all.iter().any(|i| i.repeat_place),
        "repeat places are flagged"
    );
    assert!(
        all.iter().all(|i| i.number.starts_with("J202611")),
        "numbered by call day"
    );

    let before = t.events().await;
    let bad = t.file(
        "bad.csv",
        "JJDBH,BJSJ,BJDH,BJNR,JQDZ\nB1,2026-11-01 08:00:00,13900000000,打架,某路1号\nB2,昨天,13900000000,打架,某路1号\nB3,2026-11-01 09:00,1234567890,打架,某路1号\n,2026-11-01 09:00,,打架,某路1号\nB1,2026-11-01 10:00,,打架,某路1号\nB6,2026-11-01 10:00,,,某路1号\n",
    );
    let err = t
        .app
        .import_incidents_as(&dispatcher, &bad, "bad.csv", &|_| {})
        .await
        .unwrap_err();
    let AppError::Import(problems) = err else {
        panic!("{err}")
    };
    let found: Vec<(usize, Option<&str>)> = problems
        .iter()
        .map(|p| (p.row, p.column.as_deref()))
        .collect();
    assert_eq!(
        found,
        [
            (3, Some("called_at")),
            (4, Some("phone")),
            (5, Some("external_number")),
            (6, Some("external_number")),
            (7, Some("narrative")),
        ],
        "{problems:#?}"
    );
    assert_eq!(t.events().await, before, "a bad export receives nothing");
}

#[tokio::test]
async fn without_a_category_the_narrative_suggests_one_and_triage_keeps_both() {
    let (t, dispatcher, _, _, said) = demo().await;
    let suggested = t
        .app
        .receive_incident_as(
            &dispatcher,
            IntakeFields {
                category: None,
                narrative: "报警人称与邻居因宅基地边界问题发生争执，要求民警处理".into(),
                ..intake(&said, "13912340001", 0)
            },
        )
        .await
        .unwrap();
    let row = t
        .app
        .incident_as(&dispatcher, &suggested.to_string())
        .await
        .unwrap()
        .incident;
    assert_eq!(row.category_initial.as_deref(), Some("land_homestead"));
    assert!(row.category.is_none(), "not final before triage");
    let confidence = row.suggested_confidence.expect("a suggestion was made");
    assert!(confidence > 0.0 && confidence <= 1.0, "{confidence}");
    assert!(
        row.suggested_evidence.iter().any(|w| w == "宅基地"),
        "{:?}",
        row.suggested_evidence
    );
    // The dispatcher changes it; the initial category and the suggestion stay.
    t.app
        .triage_as(&dispatcher, suggested, "debt", Branch::Dispute, None, None)
        .await
        .unwrap();
    let row = t
        .app
        .incident_as(&dispatcher, &suggested.to_string())
        .await
        .unwrap()
        .incident;
    assert_eq!(
        (row.category_initial.as_deref(), row.category.as_deref()),
        (Some("land_homestead"), Some("debt"))
    );
    assert!(row.suggested_confidence.is_some());

    // An entered category is not second-guessed; a narrative with nothing to go on
    // suggests nothing rather than a guess.
    let entered = t
        .app
        .receive_incident_as(&dispatcher, intake(&said, "13912340002", 0))
        .await
        .unwrap();
    let row = t
        .app
        .incident_as(&dispatcher, &entered.to_string())
        .await
        .unwrap()
        .incident;
    assert_eq!(
        (row.category_initial.as_deref(), row.suggested_confidence),
        (Some("neighbour"), None)
    );
    let blank = t
        .app
        .receive_incident_as(
            &dispatcher,
            IntakeFields {
                category: None,
                narrative: "嗯嗯".into(),
                ..intake(&said, "13912340003", 0)
            },
        )
        .await
        .unwrap();
    let row = t
        .app
        .incident_as(&dispatcher, &blank.to_string())
        .await
        .unwrap()
        .incident;
    assert_eq!(
        (row.category_initial, row.suggested_confidence),
        (None, None)
    );
}

#[tokio::test]
async fn the_1_3_5_minute_figures_count_from_the_call_to_arrival_and_list_the_late_ones() {
    let (t, dispatcher, officer, _, said) = demo().await;
    let officer_staff: RecordId = officer.staff_id.clone().unwrap().parse().unwrap();
    let now = Timestamp::now().unix_seconds();
    // Called 2½ minutes ago and reached now; called 10 minutes ago and reached now;
    // dispatched and not reached.
    let mut ids = Vec::new();
    for (ago, phone) in [
        (150, "13912340011"),
        (600, "13912340012"),
        (30, "13912340013"),
    ] {
        let id = t
            .app
            .receive_incident_as(
                &dispatcher,
                IntakeFields {
                    called_at: Timestamp::from_unix_seconds(now - ago).unwrap().to_string(),
                    ..intake(&said, phone, 0)
                },
            )
            .await
            .unwrap();
        t.app
            .triage_as(
                &dispatcher,
                id,
                "neighbour_dispute",
                Branch::Police,
                None,
                None,
            )
            .await
            .unwrap();
        t.app
            .dispatch_as(&dispatcher, id, officer_staff)
            .await
            .unwrap();
        ids.push(id);
    }
    for id in &ids[..2] {
        t.app
            .officer_step_as(&officer, *id, OfficerStep::Arrive)
            .await
            .unwrap();
    }
    // Received but never dispatched: not in the figures.
    t.app
        .receive_incident_as(&dispatcher, intake(&said, "13912340014", 0))
        .await
        .unwrap();

    let from = Timestamp::from_unix_seconds(now - 86_400).unwrap();
    let to = Timestamp::from_unix_seconds(now + 60).unwrap();
    let figures = t
        .app
        .response_figures_as(&dispatcher, from, to)
        .await
        .unwrap();
    assert_eq!(
        (
            figures.total.dispatched,
            figures.total.arrived,
            figures.total.within
        ),
        (3, 2, [0, 1, 1])
    );
    let late: Vec<&str> = figures.late.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(late, [ids[1].to_string(), ids[2].to_string()]);
    assert!(figures.late[0].seconds.is_some_and(|s| s >= 600));
    assert_eq!(figures.late[1].seconds, None);
    assert_eq!(figures.by_community.len(), 1, "{:?}", figures.by_community);
    assert_eq!(
        figures
            .by_unit
            .iter()
            .map(|(_, r)| r.dispatched)
            .sum::<u64>(),
        3
    );
}

#[tokio::test]
async fn a_10000_row_110_export_imports_whole_and_a_second_import_writes_nothing() {
    let (t, dispatcher, _, _, _) = demo().await;
    let addresses = t
        .app
        .store()
        .addresses(
            &dispatcher.scope(),
            &fengqiao_store::AddressFilter {
                limit: 2000,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .0;
    assert!(addresses.len() >= 1000, "{}", addresses.len());
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(10);
    let mut csv = String::from("JJDBH,BJSJ,BJDH,BJRXM,BJNR,JQDZ,JQLBDM,GXDWDM\n");
    let rows = 10_000;
    for n in 0..rows {
        let address = &addresses[(n * 7919) % addresses.len()];
        let said = fengqiao_app::demo_base::messy_variant(&address.text, &mut rng);
        // Sixty days of calls, a few per hour, exported out of order.
        let minute = (n * 7_717) % (60 * 24 * 60);
        let (day, hour, min) = (minute / 1440, (minute / 60) % 24, minute % 60);
        let (month, day) = if day < 30 {
            (10, day + 1)
        } else {
            (11, day - 29)
        };
        csv.push_str(&format!(
            "330681202610{n:06},2026-{month:02}-{day:02} {hour:02}:{min:02}:00,139{:08},王先生,\"报警人称{}\",{said},{},\n",
            (n * 31) % 6000,
            ["邻居吵架", "门口有人打架", "电动车被盗", "老人走失", "楼下烧烤扰民"][n % 5],
            ["neighbour_dispute", "public_order", "criminal", "assistance", ""][n % 5],
        ));
    }
    let path = t.file("110导出-10000.csv", &csv);
    let first = t
        .app
        .import_incidents_as(&dispatcher, &path, "110导出-10000.csv", &|_| {})
        .await
        .unwrap();
    assert_eq!(
        (
            first.summary.rows,
            first.summary.changed,
            first.summary.unchanged
        ),
        (rows, rows, 0)
    );
    let after_first = t.events().await;
    let again = t
        .app
        .import_incidents_as(&dispatcher, &path, "110导出-10000.csv", &|_| {})
        .await
        .unwrap();
    assert_eq!((again.summary.changed, again.summary.unchanged), (0, rows));
    assert_eq!(t.events().await, after_first, "a re-import writes nothing");
    let board = t.app.incidents_as(&dispatcher, &[], 5000).await.unwrap();
    assert_eq!(board.len(), 5000, "listed up to the limit");
    let matched = board.iter().filter(|i| i.address_id.is_some()).count();
    assert!(
        matched * 100 >= 5000 * 95,
        "{matched}/5000 addresses matched"
    );
    // The fifth narrative came without a code: its category was suggested.
    assert!(
        board
            .iter()
            .filter(|i| i.narrative.contains("烧烤"))
            .all(|i| i.category_initial.is_some() && i.suggested_confidence.is_some())
    );
}

/// Today's local date (China Standard Time), `YYYY-MM-DD`.
fn local_today() -> String {
    let local = Timestamp::now()
        .datetime()
        .to_offset(fengqiao_domain::duty::china_offset());
    format!(
        "{:04}-{:02}-{:02}",
        local.year(),
        u8::from(local.month()),
        local.day()
    )
}

fn all_day(kind: fengqiao_domain::duty::ShiftKind) -> fengqiao_domain::duty::ShiftFields {
    fengqiao_domain::duty::ShiftFields {
        days: fengqiao_domain::duty::ShiftDays::Date(local_today()),
        start: "00:00".into(),
        end: "24:00".into(),
        kind,
    }
}

/// An incident at the officer's address, triaged as a police matter.
async fn triaged(t: &TestApp, dispatcher: &Principal, said: &str, phone: &str) -> RecordId {
    let id = t
        .app
        .receive_incident_as(dispatcher, intake(said, phone, 0))
        .await
        .unwrap();
    t.app
        .triage_as(
            dispatcher,
            id,
            "neighbour_dispute",
            Branch::Police,
            None,
            None,
        )
        .await
        .unwrap();
    id
}

#[tokio::test]
async fn an_off_duty_owner_of_the_community_ranks_below_an_on_duty_officer() {
    use fengqiao_domain::duty::ShiftKind;
    let (t, dispatcher, officer, _, said) = demo().await;
    let id = triaged(&t, &dispatcher, &said, "13912349001").await;
    let before = t
        .app
        .recommend_as(&dispatcher, &id.to_string())
        .await
        .unwrap();
    let owner = officer.staff_id.clone().unwrap();
    assert_eq!(
        before[0].staff_id, owner,
        "without a roster the owner leads"
    );
    let other = before
        .iter()
        .find(|c| c.staff_id != owner)
        .unwrap()
        .staff_id
        .clone();

    // Arrange: the owner rests today, another officer is on duty.
    t.app
        .save_shift_as(
            &dispatcher,
            owner.parse().unwrap(),
            None,
            all_day(ShiftKind::Rest),
        )
        .await
        .unwrap();
    t.app
        .save_shift_as(
            &dispatcher,
            other.parse().unwrap(),
            None,
            all_day(ShiftKind::OnDuty),
        )
        .await
        .unwrap();

    // Act
    let after = t
        .app
        .recommend_as(&dispatcher, &id.to_string())
        .await
        .unwrap();

    // Assert
    let rank = |staff: &str| after.iter().position(|c| c.staff_id == staff).unwrap();
    assert!(rank(&other) < rank(&owner), "{after:#?}");
    assert_eq!(after[0].staff_id, other);
    let resting = &after[rank(&owner)];
    assert!(!resting.available);
    assert!(
        resting.reasons.iter().any(|r| r == "duty:rest"),
        "{resting:?}"
    );
    assert!(
        resting
            .reasons
            .iter()
            .any(|r| r.starts_with("owner:officer")),
        "still marked as the owner: {resting:?}"
    );
    assert!(after[0].reasons.iter().any(|r| r == "duty:on_duty"));
    // Every available officer comes before every resting one.
    let first_off = after.iter().position(|c| !c.available).unwrap();
    assert!(after[first_off..].iter().all(|c| !c.available));
    // Sending it to the resting owner skips a better officer: an override.
    t.app
        .dispatch_as(&dispatcher, id, owner.parse().unwrap())
        .await
        .unwrap();
    let events = t
        .app
        .store()
        .timeline(&StreamRef::new("incident", id))
        .await
        .unwrap();
    assert!(
        events
            .last()
            .unwrap()
            .payload
            .contains("\"overridden\":true")
    );
    // The roster's changes are events on the staff stream, with the dispatcher as actor.
    let staff_events = t
        .app
        .store()
        .timeline(&StreamRef::new("staff", &owner))
        .await
        .unwrap();
    let saved = staff_events
        .iter()
        .find(|e| e.kind == "shift_saved")
        .unwrap();
    assert!(saved.actor.contains("dispatcher"), "{}", saved.actor);
}

#[tokio::test]
async fn the_nearer_of_two_equal_officers_ranks_first_and_the_reason_says_how_far() {
    use fengqiao_app::org::{NewNode, NewStaff};
    use fengqiao_domain::org::{NodeLevel, Role, new_id};
    let (t, dispatcher, officer, _, said) = demo().await;
    let id = triaged(&t, &dispatcher, &said, "13912349002").await;
    let incident = t
        .app
        .incident_as(&dispatcher, &id.to_string())
        .await
        .unwrap()
        .incident;
    let (lng, lat) = (incident.lng.unwrap(), incident.lat.unwrap());
    // Two officers alike in all but where their posts are: ~330 m and ~3.3 km north.
    let community = officer.jurisdiction[0].parse().unwrap();
    let mut made = Vec::new();
    for (n, metres) in [(1, 3_300.0), (2, 330.0)] {
        let node = t
            .app
            .create_node(
                &actor(),
                NewNode {
                    parent_id: Some(community),
                    level: NodeLevel::Grid,
                    code: format!("DIST-{n}"),
                    name: format!("测距网格{n}"),
                    boundary: None,
                },
            )
            .await
            .unwrap();
        t.app
            .create_post(
                &actor(),
                new_id(),
                node,
                "patrol_post",
                &format!("岗亭{n}"),
                Some((lng, lat + metres / 111_195.0)),
            )
            .await
            .unwrap();
        let staff = t
            .app
            .create_staff(
                &actor(),
                new_id(),
                NewStaff {
                    name: format!("测距民警{n}"),
                    badge_number: format!("DIST-{n}"),
                    unit_id: None,
                    roles: vec![Role::Auxiliary],
                    specialties: vec![],
                    phone: None,
                    node_id: Some(node),
                },
            )
            .await
            .unwrap();
        made.push(staff.to_string());
    }
    let candidates = t
        .app
        .recommend_as(&dispatcher, &id.to_string())
        .await
        .unwrap();
    let find = |staff: &str| candidates.iter().position(|c| c.staff_id == staff).unwrap();
    let (far, near) = (find(&made[0]), find(&made[1]));
    assert!(near < far, "{candidates:#?}");
    let near = &candidates[near];
    let metres = near.distance_m.unwrap();
    assert!((metres - 330.0).abs() < 5.0, "{metres}");
    assert!(
        near.reasons.iter().any(|r| r == "distance:330:post"),
        "{near:?}"
    );
    // 330 m is one full 250 m step: 19 points; 3.3 km is 13 steps: 7.
    assert_eq!(near.score - candidates[far].score, 19 - 7);
}

#[tokio::test]
async fn setting_out_is_refused_before_signing_for_it_and_recorded_with_its_time() {
    let (t, dispatcher, officer, _, said) = demo().await;
    let id = triaged(&t, &dispatcher, &said, "13912349003").await;
    let staff: RecordId = officer.staff_id.clone().unwrap().parse().unwrap();
    t.app.dispatch_as(&dispatcher, id, staff).await.unwrap();
    let early = t
        .app
        .officer_step_as(&officer, id, OfficerStep::Depart)
        .await
        .unwrap_err();
    assert!(early.to_string().contains("cannot set out"), "{early}");
    t.app
        .officer_step_as(&officer, id, OfficerStep::Accept)
        .await
        .unwrap();
    t.app
        .officer_step_as(&officer, id, OfficerStep::Depart)
        .await
        .unwrap();
    let row = t
        .app
        .incident_as(&dispatcher, &id.to_string())
        .await
        .unwrap()
        .incident;
    assert_eq!(row.state, "departed");
    let departed = Timestamp::parse(row.departed_at.as_deref().unwrap()).unwrap();
    let accepted = Timestamp::parse(row.accepted_at.as_deref().unwrap()).unwrap();
    assert!(departed.unix_seconds() >= accepted.unix_seconds());
    assert!(
        t.app
            .my_incidents(&officer)
            .await
            .unwrap()
            .iter()
            .any(|i| i.id == id.to_string()),
        "on the way, it stays in the officer's list"
    );
    let again = t
        .app
        .officer_step_as(&officer, id, OfficerStep::Depart)
        .await
        .unwrap_err();
    assert!(again.to_string().contains("departed"), "{again}");
    t.app
        .officer_step_as(&officer, id, OfficerStep::Arrive)
        .await
        .unwrap();
    let timeline = t
        .app
        .store()
        .timeline(&StreamRef::new("incident", id))
        .await
        .unwrap();
    let departed = timeline
        .iter()
        .find(|e| e.kind == "incident_departed")
        .expect("the departure is an event");
    assert!(
        departed.actor.contains("community_officer"),
        "{}",
        departed.actor
    );
    let kinds: Vec<&str> = timeline.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        &kinds[kinds.len() - 3..],
        ["incident_accepted", "incident_departed", "incident_arrived"]
    );
}

#[tokio::test]
async fn a_repeat_dispute_opens_a_secondary_handling_that_the_community_officer_settles() {
    use fengqiao_app::secondary::SecondaryStep;
    use fengqiao_domain::secondary::SecondaryReason;
    let (t, dispatcher, officer, _, said) = demo().await;
    let chief = principal(&t, "station_chief").await;
    // Three quarrels at one place within the window: the third is flagged.
    let mut ids = Vec::new();
    for (phone, days) in [("13700000011", 9), ("13700000012", 4), ("13700000013", 0)] {
        ids.push(
            t.app
                .receive_incident_as(&dispatcher, intake(&said, phone, days))
                .await
                .unwrap(),
        );
    }
    // The first, not flagged, is handed to the dispute file without a secondary handling.
    t.app
        .triage_as(
            &dispatcher,
            ids[0],
            "neighbour_dispute",
            Branch::Dispute,
            None,
            None,
        )
        .await
        .unwrap();
    assert!(
        t.app
            .store()
            .secondary(&ids[0].to_string())
            .await
            .unwrap()
            .is_none()
    );
    // The flagged one: its first result opens the handling (结果反馈 → 分析研判).
    let id = ids[2];
    t.app
        .triage_as(
            &dispatcher,
            id,
            "neighbour_dispute",
            Branch::Police,
            None,
            None,
        )
        .await
        .unwrap();
    let staff: RecordId = officer.staff_id.as_deref().unwrap().parse().unwrap();
    t.app.dispatch_as(&dispatcher, id, staff).await.unwrap();
    for step in [
        OfficerStep::Accept,
        OfficerStep::Arrive,
        OfficerStep::Feedback {
            result_code: "mediated".into(),
            narrative: "现场劝解，双方情绪稳定".into(),
            photos: vec![],
        },
    ] {
        t.app.officer_step_as(&officer, id, step).await.unwrap();
    }
    let task = t
        .app
        .store()
        .secondary(&id.to_string())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(task.state, "analysing");
    assert_eq!(task.reasons, ["repeat_place"]);
    // 分析研判 → 指令派单 to the community officer, who works it and settles it.
    t.app
        .secondary_step_as(
            &dispatcher,
            id,
            SecondaryStep::Instruct {
                staff_id: staff,
                analysis: "同一地址十日内三起，系楼上楼下噪音纠纷反复".into(),
                instruction: "会同社区调委会上门调解，三日内反馈".into(),
            },
        )
        .await
        .unwrap();
    let mine = t.app.my_secondaries(&officer).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].incident_id, id.to_string());
    // Only the officer it was instructed to records progress.
    let err = t
        .app
        .secondary_step_as(&chief, id, SecondaryStep::Progress("上门".into()))
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Forbidden(_)), "{err}");
    t.app
        .secondary_step_as(
            &officer,
            id,
            SecondaryStep::Progress("上门了解，约定周末调解".into()),
        )
        .await
        .unwrap();
    t.app
        .secondary_step_as(
            &officer,
            id,
            SecondaryStep::Conclude {
                settled: true,
                note: "双方签订调解协议，楼上铺设地毯".into(),
            },
        )
        .await
        .unwrap();
    let done = t
        .app
        .store()
        .secondary(&id.to_string())
        .await
        .unwrap()
        .unwrap();
    assert_eq!((done.state.as_str(), done.progress), ("settled", 1));
    assert!(t.app.my_secondaries(&officer).await.unwrap().is_empty());

    // A difficult dispute the dispatcher opens by hand; a traffic matter cannot have one.
    t.app
        .open_secondary_as(&dispatcher, ids[0], SecondaryReason::Difficult)
        .await
        .unwrap();
    let traffic = t
        .app
        .receive_incident_as(
            &dispatcher,
            IntakeFields {
                category: Some("traffic".into()),
                ..intake(&said, "13700000019", 0)
            },
        )
        .await
        .unwrap();
    let refused = t
        .app
        .open_secondary_as(&dispatcher, traffic, SecondaryReason::Major)
        .await
        .unwrap_err();
    assert!(refused.to_string().starts_with("category"), "{refused}");
    t.app
        .secondary_step_as(
            &dispatcher,
            ids[0],
            SecondaryStep::Conclude {
                settled: false,
                note: "当事人已向法院起诉".into(),
            },
        )
        .await
        .unwrap();

    // 二次处置成功率 for the year: one settled of two.
    let now = Timestamp::now();
    let from = Timestamp::from_unix_seconds(now.unix_seconds() - 365 * 86_400).unwrap();
    let to = Timestamp::from_unix_seconds(now.unix_seconds() + 60).unwrap();
    let counts = t.app.secondary_figures_as(&chief, from, to).await.unwrap();
    assert_eq!(
        (counts.opened, counts.settled, counts.unsettled, counts.open),
        (2, 1, 1, 0)
    );
    let kinds: Vec<String> = t
        .app
        .store()
        .timeline(&StreamRef::new("incident", id))
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    let handled = kinds.iter().position(|k| k == "incident_handled").unwrap();
    assert_eq!(kinds[handled + 1], "secondary_opened", "{kinds:?}");
    assert!(kinds.ends_with(&[
        "secondary_instructed".to_owned(),
        "secondary_progressed".to_owned(),
        "secondary_concluded".to_owned()
    ]));
}
