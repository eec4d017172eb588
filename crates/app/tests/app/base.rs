//! The base (一标三实): the demo's addresses and what is at them, address search with the
//! matcher, imports, campaigns and freshness, each behind the policy.

use fengqiao_app::AppError;
use fengqiao_app::base::AddressQuery;
use fengqiao_app::campaign::NewCampaign;
use fengqiao_app::demo_base::messy_variant;
use fengqiao_app::policy::Principal;
use fengqiao_domain::Timestamp;
use fengqiao_domain::base::{BaseKind, KeyPerson, PersonFields, Registration};
use fengqiao_domain::org::RecordId;
use fengqiao_store::Scope;
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

async fn demo() -> TestApp {
    let t = TestApp::new().await;
    t.app.seed_defaults(&actor()).await.unwrap();
    t.app.seed_demo(&actor(), 11, &|_, _| {}).await.unwrap();
    t
}

#[tokio::test]
async fn the_demo_base_has_five_thousand_addresses_and_their_messy_variants_find_them() {
    let started = std::time::Instant::now();
    let t = TestApp::new().await;
    let summary = t.app.seed_demo(&actor(), 11, &|_, _| {}).await.unwrap();
    eprintln!("demo seeded in {:?}: {:?}", started.elapsed(), summary.base);
    let base = &summary.base;
    assert!(base.addresses >= 5_000, "{base:?}");
    assert!(
        base.houses > base.addresses && base.people > base.houses,
        "{base:?}"
    );
    assert!(
        base.key_people >= 50 && base.establishments >= 250,
        "{base:?}"
    );

    // Every grid holds addresses, and its freshness is neither nothing nor everything.
    let figures = t
        .app
        .freshness_in(&Scope::All, Timestamp::now())
        .await
        .unwrap();
    let grids: Vec<_> = figures.iter().filter(|f| f.level == "grid").collect();
    assert_eq!(grids.len(), 42);
    for grid in &grids {
        let percent = grid.percent().unwrap();
        assert!(
            grid.total > 300 && (15.0..85.0).contains(&percent),
            "{grid:?}"
        );
    }
    let bureau = &figures[0];
    assert_eq!(bureau.level, "bureau");
    assert_eq!(bureau.total, grids.iter().map(|g| g.total).sum::<i64>());

    // The messy variants a caller would say resolve to their own address, never to
    // another one.
    let rows = t.app.store().address_index().await.unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    let (mut right, mut wrong, mut none) = (0, 0, Vec::new());
    for row in rows.iter().step_by(7) {
        let variant = messy_variant(&row.text, &mut rng);
        let found = t.app.match_address(&variant).await.unwrap();
        match found.id {
            Some(id) if id == row.id => right += 1,
            Some(_) => wrong += 1,
            None => none.push(variant),
        }
    }
    assert_eq!(wrong, 0, "variants matched the wrong address");
    let total = right + none.len();
    assert!(
        right * 100 >= total * 97,
        "{right}/{total} matched; unmatched: {:?}",
        &none[..none.len().min(10)]
    );
}

#[tokio::test]
async fn an_officer_finds_an_address_from_a_messy_text_and_sees_what_is_there() {
    let t = demo().await;
    let officer = principal(&t, "community_officer").await;
    let mine = t
        .app
        .store()
        .addresses(
            &officer.scope(),
            &fengqiao_store::AddressFilter {
                limit: 1000,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(
        mine.1 >= 300 && mine.0.len() >= 300,
        "{} {}",
        mine.1,
        mine.0.len()
    );
    let target = &mine.0[17];
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let said = messy_variant(&target.text, &mut rng);
    let page = t
        .app
        .addresses_as(
            &officer,
            AddressQuery {
                text: Some(said.clone()),
                ..AddressQuery::default()
            },
        )
        .await
        .unwrap();
    let best = page.best.expect("the matcher finds the address");
    assert_eq!(best.address.id, target.id, "{said}");
    assert!(page.rows.iter().any(|r| r.id == target.id));

    let detail = t.app.address_as(&officer, &target.id).await.unwrap();
    assert!(!detail.houses.is_empty());
    assert_eq!(
        detail.components.building.is_some(),
        target.text.ends_with('幢')
    );

    // An address of another station is not found, and the refusal is recorded.
    let all = t.app.store().address_index().await.unwrap();
    let foreign = all
        .iter()
        .find(|a| !mine.0.iter().any(|m| m.node_id == a.node_id) && a.code.starts_with("SQ"))
        .or_else(|| {
            all.iter()
                .find(|a| a.node_id != target.node_id && !a.code.starts_with(&target.code[..5]))
        })
        .unwrap();
    let err = t.app.address_as(&officer, &foreign.id).await.unwrap_err();
    assert!(matches!(err, AppError::NotFound(_)), "{err}");
}

#[tokio::test]
async fn an_address_file_imports_once_and_a_bad_one_writes_nothing() {
    let t = demo().await;
    let admin = principal(&t, "admin").await;
    let grid = t
        .app
        .store()
        .nodes(&Scope::All)
        .await
        .unwrap()
        .into_iter()
        .find(|n| n.level == "grid")
        .unwrap();
    let good = format!(
        "code,address,grid,lng,lat\nT-1,青溪县城关镇东门社区解放路1号,{g},120.21,29.62\nT-2,青溪县城关镇东门社区解放路3号,{g},,\n\nT-3,青溪县城关镇东门社区解放路5号,{g},120.22,29.63\n",
        g = grid.code
    );
    let path = t.file("addresses.csv", &good);
    let first = t
        .app
        .import_addresses_as(&admin, &path, "addresses.csv", &|_| {})
        .await
        .unwrap();
    assert_eq!((first.rows, first.changed, first.unchanged), (3, 3, 0));
    let again = t
        .app
        .import_addresses_as(&admin, &path, "addresses.csv", &|_| {})
        .await
        .unwrap();
    assert_eq!((again.changed, again.unchanged), (0, 3));
    let edited = t.file("edited.csv", &good.replace("解放路5号", "解放路7号"));
    let third = t
        .app
        .import_addresses_as(&admin, &edited, "edited.csv", &|_| {})
        .await
        .unwrap();
    assert_eq!((third.changed, third.unchanged), (1, 2));

    let before = t.events().await;
    let long = "路".repeat(5_000);
    let mut bad = format!(
        "地址编码,标准地址,网格,经度,纬度\nB-1,青溪县某路1号,NO-SUCH-GRID,,\nB-2,青溪县某路2号,{g},200,29\nB-3,{long},{g},,\nB-1,青溪县某路4号,{g},,\nB-5,,{g},,\nB-6,青溪县某路6号,{g},abc,29\n",
        g = grid.code
    )
    .into_bytes();
    bad.extend_from_slice(b"B-7,\xff\xfe\x00junk,G,,\n");
    let path = t.dir.path().join("bad.csv");
    std::fs::write(&path, bad).unwrap();
    let err = t
        .app
        .import_addresses_as(&admin, &path, "bad.csv", &|_| {})
        .await
        .unwrap_err();
    let AppError::Import(problems) = err else {
        panic!("{err}")
    };
    let found: Vec<(usize, Option<&str>)> = problems
        .iter()
        .map(|p| (p.row, p.column.as_deref()))
        .collect();
    for expected in [
        (2, Some("grid")),
        (3, Some("lng")),
        (4, Some("address")),
        (5, Some("code")),
        (6, Some("address")),
        (7, Some("lng")),
        (8, Some("标准地址")),
    ] {
        assert!(
            found.contains(&expected),
            "{expected:?} not in {problems:#?}"
        );
    }
    assert!(problems.iter().all(|p| p.place == "bad.csv"));
    assert_eq!(t.events().await, before, "a bad file writes nothing");
}

#[tokio::test]
async fn a_campaign_lists_stale_records_and_each_visit_makes_one_fresh() {
    let t = demo().await;
    let worker = principal(&t, "grid_worker").await;
    let grid_id: RecordId = worker.jurisdiction[0].parse().unwrap();
    let before = t.app.freshness_as(&worker).await.unwrap();
    let id = t
        .app
        .create_campaign_as(
            &worker,
            NewCampaign {
                node_id: grid_id,
                name: "冬季出租房核查".into(),
                due_date: Some("2026-12-31".into()),
                kinds: vec![BaseKind::House, BaseKind::Person],
                stale_only: true,
            },
        )
        .await
        .unwrap();
    let (campaign, items) = t.app.campaign_as(&worker, &id.to_string()).await.unwrap();
    assert_eq!(campaign.items as usize, items.len());
    assert_eq!(campaign.done, 0);
    let item = &items[0];
    let kind: BaseKind = item.kind.parse().unwrap();
    t.app
        .verify_record_as(
            &worker,
            kind,
            item.id.parse().unwrap(),
            Some(id),
            Some("已上门核实"),
        )
        .await
        .unwrap();
    let (campaign, items) = t.app.campaign_as(&worker, &id.to_string()).await.unwrap();
    assert_eq!(campaign.done, 1);
    assert!(
        items
            .last()
            .unwrap()
            .verified_by
            .as_deref()
            .unwrap()
            .contains("grid_worker")
    );
    let after = t.app.freshness_as(&worker).await.unwrap();
    assert_eq!(after[0].fresh, before[0].fresh + 1);
    assert_eq!(after[0].total, before[0].total);

    // A dispatcher may look but not visit.
    let dispatcher = principal(&t, "dispatcher").await;
    let err = t
        .app
        .verify_record_as(&dispatcher, kind, item.id.parse().unwrap(), None, None)
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Forbidden(_)), "{err}");
}

#[tokio::test]
async fn one_id_number_is_one_resident_and_a_key_person_has_a_schedule() {
    let t = demo().await;
    let officer = principal(&t, "community_officer").await;
    let people = t.app.people_as(&officer, None, false).await.unwrap();
    let someone = people.iter().find(|p| p.id_number.is_some()).unwrap();
    let copy = PersonFields {
        name: "冒名者".into(),
        id_number: someone.id_number.clone(),
        phone: None,
        registration: Registration::Floating,
        address_id: someone.address_id.parse().unwrap(),
        house_id: None,
    };
    let err = t
        .app
        .save_person_as(&officer, None, copy)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("already registered"), "{err}");

    let id: RecordId = someone.id.parse().unwrap();
    t.app
        .set_key_person_as(
            &officer,
            id,
            Some(KeyPerson {
                reason: "涉访重点人员".into(),
                visit_every_days: 30,
            }),
        )
        .await
        .unwrap();
    let keys = t.app.people_as(&officer, None, true).await.unwrap();
    let key = keys.iter().find(|p| p.id == someone.id).unwrap();
    assert_eq!(key.visit_every_days, Some(30));
    assert!(key.key_since.is_some());
    // Opening the record is in the access trail.
    t.app.person_as(&officer, &someone.id).await.unwrap();
    let trail = t
        .app
        .store()
        .timeline(&fengqiao_domain::StreamRef::new(
            "access_log",
            officer.user_id,
        ))
        .await
        .unwrap();
    assert!(
        trail
            .iter()
            .any(|e| e.kind == "person_record_viewed" && e.payload.contains(&someone.id))
    );
}

#[tokio::test]
async fn an_address_workbook_imports_like_a_csv_file() {
    let t = TestApp::new().await;
    t.app.seed_defaults(&actor()).await.unwrap();
    let station = t
        .app
        .create_node(
            &actor(),
            fengqiao_app::org::NewNode {
                parent_id: None,
                level: fengqiao_domain::org::NodeLevel::Bureau,
                code: "XB".into(),
                name: "测试分局".into(),
                boundary: None,
            },
        )
        .await
        .unwrap();
    let mut parent = station;
    for (level, code) in [
        (fengqiao_domain::org::NodeLevel::Station, "XS"),
        (fengqiao_domain::org::NodeLevel::Community, "XC"),
    ] {
        parent = t
            .app
            .create_node(
                &actor(),
                fengqiao_app::org::NewNode {
                    parent_id: Some(parent),
                    level,
                    code: code.into(),
                    name: format!("{code}节点"),
                    boundary: None,
                },
            )
            .await
            .unwrap();
    }
    let path = t.dir.path().join("地址.xlsx");
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (column, name) in ["标准地址", "地址编码", "网格", "经度", "纬度"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, column as u16, *name).unwrap();
    }
    sheet
        .write_string(1, 0, "浙江省绍兴市诸暨市枫桥镇枫源村1组1号")
        .unwrap();
    sheet.write_number(1, 1, 1001.0).unwrap();
    sheet.write_string(1, 2, "XC").unwrap();
    sheet.write_number(1, 3, 120.25).unwrap();
    sheet.write_number(1, 4, 29.6).unwrap();
    sheet
        .write_string(2, 0, "浙江省绍兴市诸暨市枫桥镇枫源村1组2号")
        .unwrap();
    sheet.write_string(2, 1, "1002").unwrap();
    sheet.write_string(2, 2, "XC").unwrap();
    workbook.save(&path).unwrap();
    let summary = t
        .app
        .import_addresses(&actor(), &Scope::All, &path, "地址.xlsx", &|_| {})
        .await
        .unwrap();
    assert_eq!((summary.rows, summary.changed), (2, 2));
    let first = t
        .app
        .store()
        .address_by_code("1001")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((first.lng, first.lat), (Some(120.25), Some(29.6)));
    assert_eq!(first.node_name, "XC节点");
    // A station is no place for an address.
    let bad = t.file("bad.csv", "code,address,grid\nZ-1,某地1号,XS\n");
    let err = t
        .app
        .import_addresses(&actor(), &Scope::All, &bad, "bad.csv", &|_| {})
        .await
        .unwrap_err();
    assert!(err.to_string().contains("row 2, column grid"), "{err}");
}
