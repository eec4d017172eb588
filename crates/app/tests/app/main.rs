//! Use cases end to end on a real (SQLite) store.

use std::collections::{HashMap, HashSet};

use fengqiao_app::codes::ImportSummary;
use fengqiao_app::org::NewNode;
use fengqiao_app::users::NewUser;
use fengqiao_app::{App, AppError};
use fengqiao_domain::Actor;
use fengqiao_domain::codes::CodeTable;
use fengqiao_domain::org::{NodeLevel, Role, new_id};
use fengqiao_store::{DatabaseTarget, Scope, Store, StoreOptions};

mod base;
mod demo_incidents;
mod incident;
mod transfer;

struct TestApp {
    app: App,
    dir: tempfile::TempDir,
}

impl TestApp {
    async fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&StoreOptions::new(DatabaseTarget::Sqlite(
            dir.path().join("app.db"),
        )))
        .await
        .unwrap();
        let app = App::new(store);
        app.seed_code_tables(&actor()).await.unwrap();
        Self { app, dir }
    }

    fn file(&self, name: &str, contents: &str) -> std::path::PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }

    async fn events(&self) -> i64 {
        self.app.store().event_count().await.unwrap()
    }
}

fn actor() -> Actor {
    Actor::system("app-test")
}

#[tokio::test]
async fn the_demo_seeds_a_whole_bureau_with_the_one_two_three_pairing() {
    let t = TestApp::new().await;
    let summary = t.app.seed_demo(&actor(), 7, &|_, _| {}).await.unwrap();
    assert!(
        summary.stations >= 3 && summary.communities >= 12 && summary.grids >= 40,
        "{summary:?}"
    );
    assert!(summary.staff >= 60 && summary.partners >= 5, "{summary:?}");
    assert_eq!(summary.accounts.len(), Role::ALL.len());

    let store = t.app.store();
    let nodes = store.nodes(&Scope::All).await.unwrap();
    let grids: Vec<_> = nodes.iter().filter(|n| n.level == "grid").collect();
    assert!(grids.len() >= 40);
    assert!(
        grids
            .iter()
            .all(|g| g.boundary.as_deref().is_some_and(|b| b.contains("Polygon")))
    );
    // Every community has exactly one officer, two auxiliaries and three grid workers.
    let staff = store.staff(&Scope::All).await.unwrap();
    let mut pairing: HashMap<&str, Vec<&str>> = HashMap::new();
    for member in &staff {
        for (node, duty) in &member.assignments {
            pairing
                .entry(node.as_str())
                .or_default()
                .push(duty.as_str());
        }
    }
    for community in nodes.iter().filter(|n| n.level == "community") {
        let mut duties = pairing
            .get(community.id.as_str())
            .cloned()
            .unwrap_or_default();
        duties.sort_unstable();
        assert_eq!(
            duties,
            [
                "auxiliary",
                "auxiliary",
                "grid_worker",
                "grid_worker",
                "grid_worker",
                "officer"
            ],
            "{}",
            community.name
        );
    }
    let roles: HashSet<&str> = staff
        .iter()
        .flat_map(|s| s.roles.iter().map(String::as_str))
        .collect();
    for role in [
        "dispatcher",
        "case_officer",
        "community_officer",
        "auxiliary",
        "grid_worker",
        "volunteer",
        "station_chief",
    ] {
        assert!(roles.contains(role), "no staff with role {role}");
    }
    assert!(store.verify_log(&[]).await.unwrap().is_intact());
}

#[tokio::test]
async fn the_same_seed_gives_the_same_bureau_and_another_seed_another() {
    let (a, b, c) = (
        TestApp::new().await,
        TestApp::new().await,
        TestApp::new().await,
    );
    a.app.seed_demo(&actor(), 42, &|_, _| {}).await.unwrap();
    b.app.seed_demo(&actor(), 42, &|_, _| {}).await.unwrap();
    c.app.seed_demo(&actor(), 43, &|_, _| {}).await.unwrap();
    let (na, nb, nc) = (
        a.app.store().nodes(&Scope::All).await.unwrap(),
        b.app.store().nodes(&Scope::All).await.unwrap(),
        c.app.store().nodes(&Scope::All).await.unwrap(),
    );
    assert_eq!(na, nb);
    assert_ne!(na, nc);
    assert_eq!(
        a.app.store().staff(&Scope::All).await.unwrap(),
        b.app.store().staff(&Scope::All).await.unwrap()
    );
}

#[tokio::test]
async fn the_demo_refuses_a_database_that_already_has_an_organisation() {
    let t = TestApp::new().await;
    t.app.seed_demo(&actor(), 1, &|_, _| {}).await.unwrap();
    let before = t.events().await;
    let err = t.app.seed_demo(&actor(), 1, &|_, _| {}).await.unwrap_err();
    assert!(
        err.to_string().contains("only seeds an empty database"),
        "{err}"
    );
    assert_eq!(t.events().await, before);
}

#[tokio::test]
async fn a_grid_cannot_hang_directly_under_a_station() {
    let t = TestApp::new().await;
    let bureau = t
        .app
        .create_node(
            &actor(),
            NewNode {
                parent_id: None,
                level: NodeLevel::Bureau,
                code: "B".into(),
                name: "分局".into(),
                boundary: None,
            },
        )
        .await
        .unwrap();
    let station = t
        .app
        .create_node(
            &actor(),
            NewNode {
                parent_id: Some(bureau),
                level: NodeLevel::Station,
                code: "S".into(),
                name: "所".into(),
                boundary: None,
            },
        )
        .await
        .unwrap();
    let err = t
        .app
        .create_node(
            &actor(),
            NewNode {
                parent_id: Some(station),
                level: NodeLevel::Grid,
                code: "G".into(),
                name: "网格".into(),
                boundary: None,
            },
        )
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("needs community as parent"),
        "{err}"
    );
    let err = t
        .app
        .create_unit(&actor(), new_id(), station, "space_force", "太空队")
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("not an active entry of unit_kind"),
        "{err}"
    );
}

#[tokio::test]
async fn code_tables_round_trip_through_csv_and_reimport_changes_nothing() {
    let t = TestApp::new().await;
    let path = t.dir.path().join("codes.csv");
    let exported = t.app.export_code_tables(&path, &[]).await.unwrap();
    assert!(exported > 50);
    let before = t.events().await;
    let summary = t.app.import_code_tables(&actor(), &path).await.unwrap();
    assert_eq!(
        summary,
        ImportSummary {
            rows: exported,
            changed: 0,
            unchanged: exported
        }
    );
    assert_eq!(t.events().await, before);

    // Edit one name and add one subclass: exactly two events.
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace(",婚姻纠纷,", ",婚姻家庭纠纷,")
        + "incident_category,elderly_care,养老服务纠纷,Elderly care,economic,999,1\n";
    let edited = t.file("edited.csv", &text);
    let summary = t.app.import_code_tables(&actor(), &edited).await.unwrap();
    assert_eq!((summary.changed, t.events().await), (2, before + 2));
    let categories = t
        .app
        .store()
        .code_entries(CodeTable::IncidentCategory)
        .await
        .unwrap();
    assert!(categories.iter().any(|e| e.name == "婚姻家庭纠纷"));
    assert!(
        categories
            .iter()
            .any(|e| e.code == "elderly_care" && e.parent.as_deref() == Some("economic"))
    );
}

#[tokio::test]
async fn code_tables_round_trip_through_xlsx() {
    let t = TestApp::new().await;
    let path = t.dir.path().join("codes.xlsx");
    let exported = t
        .app
        .export_code_tables(&path, &[CodeTable::Severity, CodeTable::IncidentCategory])
        .await
        .unwrap();
    let summary = t.app.import_code_tables(&actor(), &path).await.unwrap();
    assert_eq!((summary.rows, summary.changed), (exported, 0));
}

#[tokio::test]
async fn a_bad_import_names_every_bad_row_and_writes_nothing() {
    let t = TestApp::new().await;
    let before = t.events().await;
    let path = t.file(
        "bad.csv",
        "table,code,name,name_en,parent,sort_order,active\n\
         severity,tiny,微小,Tiny,,60,1\n\
         weather,rain,雨,,,1,1\n\
         severity,bad code!,坏,,,1,1\n\
         incident_category,orphan,孤儿,,no_such_parent,1,1\n\
         risk_level,level4,四级,,,abc,maybe\n\
         severity,tiny,又微小,,,61,1\n",
    );
    let err = t.app.import_code_tables(&actor(), &path).await.unwrap_err();
    let AppError::Import(rows) = err else {
        panic!("expected an import error, got {err}")
    };
    let described: Vec<String> = rows.iter().map(ToString::to_string).collect();
    let has = |row: usize, column: &str| {
        rows.iter()
            .any(|r| r.row == row && r.column.as_deref() == Some(column))
    };
    assert!(has(3, "table"), "{described:#?}");
    assert!(has(4, "code"), "{described:#?}");
    assert!(has(6, "sort_order") && has(6, "active"), "{described:#?}");
    assert!(
        rows.iter()
            .any(|r| r.row == 5 && r.message.contains("no_such_parent")),
        "{described:#?}"
    );
    assert!(
        rows.iter()
            .any(|r| r.row == 7 && r.message.contains("duplicate")),
        "{described:#?}"
    );
    assert!(described[0].contains("bad.csv, row"), "{described:#?}");
    assert_eq!(t.events().await, before, "nothing may be written");
    assert!(
        !t.app
            .store()
            .code_entries(CodeTable::Severity)
            .await
            .unwrap()
            .iter()
            .any(|e| e.code == "tiny")
    );
}

#[tokio::test]
async fn a_file_with_the_wrong_header_is_refused_at_row_one() {
    let t = TestApp::new().await;
    let path = t.file("wrong.csv", "代码,名称\nx,y\n");
    let err = t.app.import_code_tables(&actor(), &path).await.unwrap_err();
    assert!(err.to_string().contains("row 1"), "{err}");
}

#[tokio::test]
async fn a_new_user_must_change_the_password_and_the_hash_stays_out_of_the_log() {
    let t = TestApp::new().await;
    t.app.seed_demo(&actor(), 3, &|_, _| {}).await.unwrap();
    let new = NewUser {
        username: "li.wei".into(),
        display_name: "李伟".into(),
        staff_id: None,
        partner_id: None,
        roles: vec![Role::Dispatcher],
        jurisdiction_codes: vec!["QX-01".into()],
        must_change_password: true,
    };
    let weak = t
        .app
        .add_user(&actor(), new.clone(), "password")
        .await
        .unwrap_err();
    assert!(weak.to_string().contains("12 characters"), "{weak}");
    let id = t
        .app
        .add_user(&actor(), new, "Qingxi-Station-01")
        .await
        .unwrap();
    let users = t.app.store().users(&Scope::All).await.unwrap();
    let user = users.iter().find(|u| u.username == "li.wei").unwrap();
    assert!(user.must_change_password);
    let hash = t
        .app
        .store()
        .password_hash("li.wei")
        .await
        .unwrap()
        .unwrap();
    assert!(hash.starts_with("$argon2id$"));
    let timeline = t
        .app
        .store()
        .timeline(&fengqiao_domain::StreamRef::new("user", id))
        .await
        .unwrap();
    assert_eq!(timeline.len(), 1);
    assert!(
        !timeline[0].payload.contains("argon2"),
        "{}",
        timeline[0].payload
    );
}

#[tokio::test]
async fn an_upgrade_grants_new_permissions_by_default_and_keeps_an_administrators_removal() {
    use fengqiao_domain::DomainEvent;
    use fengqiao_domain::policy::{Permission, default_permissions};
    let t = TestApp::new().await;
    // A role table as an older version seeded it: without the transfer permissions.
    let older = [Permission::TransferAnswer, Permission::TransferSupervise];
    for role in Role::ALL {
        let event = DomainEvent::RolePermissionsSet {
            role: *role,
            permissions: default_permissions(*role)
                .iter()
                .copied()
                .filter(|p| !older.contains(p))
                .collect(),
        };
        t.app
            .store()
            .commit(
                &actor(),
                &[fengqiao_store::Commit::now(
                    event.stream(),
                    fengqiao_store::ExpectedVersion::Any,
                    vec![event],
                )],
                &[],
            )
            .await
            .unwrap();
    }
    let holds = |table: &[(String, String)], role: Role, p: Permission| {
        table
            .iter()
            .any(|(r, q)| r == role.as_str() && q == p.as_str())
    };
    let changed = t.app.seed_role_permissions(&actor()).await.unwrap();
    assert_eq!(changed, 2, "the partner and the station chief");
    let table = t.app.store().role_permissions().await.unwrap();
    assert!(holds(&table, Role::Partner, Permission::TransferAnswer));
    assert!(holds(&table, Role::Partner, Permission::CodesView));
    assert!(holds(
        &table,
        Role::StationChief,
        Permission::TransferSupervise
    ));
    assert!(!holds(&table, Role::Dispatcher, Permission::TransferAnswer));
    // An administrator takes it away again: the next start leaves it so.
    let event = DomainEvent::RolePermissionsSet {
        role: Role::Partner,
        permissions: vec![Permission::CodesView],
    };
    t.app
        .store()
        .commit(
            &actor(),
            &[fengqiao_store::Commit::now(
                event.stream(),
                fengqiao_store::ExpectedVersion::Any,
                vec![event],
            )],
            &[],
        )
        .await
        .unwrap();
    assert_eq!(t.app.seed_role_permissions(&actor()).await.unwrap(), 0);
    let table = t.app.store().role_permissions().await.unwrap();
    assert!(!holds(&table, Role::Partner, Permission::TransferAnswer));
}
