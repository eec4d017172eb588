//! Intake benchmark: the real server, the real HTTP intake, against the raw rate of the
//! database at the same durability.
//!
//! `cargo bench -p fengqiao-web --bench intake [-- --postgres URL] [--clients C]
//! [--seconds S] [--rate R]` seeds the demo into a fresh database (SQLite in WAL mode with
//! synchronous=FULL, or a fresh schema on PostgreSQL), serves the router on a local TCP
//! port and posts incidents to `POST /api/v1/incidents` with a service account's API
//! token: messy variants of the demo's addresses and realistic narratives. Phase (a)
//! runs C closed-loop clients as fast as they go; phase (b) sends R incidents a second
//! on a fixed schedule (open loop: a request's latency counts from when it was due, so
//! a stall is not hidden). The raw rate is one incident-shaped row inserted per
//! transaction, one writer, into a separate database with the same settings. Prints
//! figures; asserts nothing.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use fengqiao_app::App;
use fengqiao_app::users::NewUser;
use fengqiao_domain::Actor;
use fengqiao_domain::org::Role;
use fengqiao_store::{AddressFilter, DatabaseTarget, Scope, Store, StoreOptions};
use fengqiao_web::AppState;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const NARRATIVES: &[&str] = &[
    "报警人称邻居家装修噪音太大，多次沟通无果，双方在楼道发生口角，请求民警到场处理。",
    "报警人称其停在楼下的电动车被盗，车辆为白色雅迪，昨晚十点停放，今早发现不见。",
    "报警人称在菜市场门口与摊主因找零发生争执，对方推搡了报警人，无人受伤。",
    "报警人称家中老人走失，七十八岁，穿灰色外套，有轻度老年痴呆，今天上午出门未归。",
    "报警人称有人在村口路边打架斗殴，约有四五个人，其中一人头部流血。",
    "报警人称两车在路口发生刮擦，对方司机不愿协商赔偿，双方争吵，请求处理。",
    "报警人称接到自称公安局的电话，要求其转账到安全账户，已转账两万元，怀疑被骗。",
    "报警人称工地老板拖欠工资三个月，十几名工人聚集在工地门口讨薪。",
    "报警人称与邻居因宅基地边界发生纠纷，对方砌墙占用了其家的通道。",
    "报警人称楼下饭店油烟和噪音扰民，晚上十一点还在营业，请求处理。",
    "报警人称其家中门锁被撬，屋内被翻乱，丢失现金约三千元和一部手机。",
    "报警人称小区内有一名可疑男子挨家挨户敲门，自称推销，形迹可疑。",
];

struct Options {
    postgres: Option<String>,
    clients: usize,
    seconds: f64,
    rate: f64,
}

fn options() -> Options {
    let mut o = Options {
        postgres: None,
        clients: 64,
        seconds: 10.0,
        rate: 1000.0,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().expect("a value after the option");
        match arg.as_str() {
            "--postgres" => o.postgres = Some(value()),
            "--clients" => o.clients = value().parse().expect("--clients N"),
            "--seconds" => o.seconds = value().parse().expect("--seconds S"),
            "--rate" => o.rate = value().parse().expect("--rate R"),
            // cargo bench passes --bench; anything else is a filter we do not use.
            _ => {}
        }
    }
    o
}

fn main() {
    let options = options();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(run(options));
}

async fn run(options: Options) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let schema = format!("bench_intake_{}", std::process::id());
    let target = match &options.postgres {
        Some(url) => DatabaseTarget::Postgres {
            url: url.clone(),
            schema: Some(schema.clone()),
        },
        None => DatabaseTarget::Sqlite(dir.path().join("intake.sqlite")),
    };
    let backend = if options.postgres.is_some() {
        "PostgreSQL"
    } else {
        "SQLite (WAL, synchronous=FULL)"
    };
    println!("intake benchmark on {backend}");
    let store = Store::open(&StoreOptions::new(target))
        .await
        .expect("the database opens");
    let app = App::new(store.clone());
    let started = Instant::now();
    app.seed_demo(&Actor::system("bench"), 7, &|_, _| {})
        .await
        .expect("the demo seeds");
    app.seed_role_permissions(&Actor::system("bench"))
        .await
        .expect("the role table");
    let mut addresses = Vec::new();
    loop {
        let (page, _) = store
            .addresses(
                &Scope::All,
                &AddressFilter {
                    text: None,
                    under: None,
                    ids: Vec::new(),
                    limit: 1000,
                    offset: addresses.len() as i64,
                },
            )
            .await
            .expect("addresses");
        let last = page.len() < 1000;
        addresses.extend(page);
        if last {
            break;
        }
    }
    println!(
        "seeded the demo ({} standard addresses) in {:.1} s",
        addresses.len(),
        started.elapsed().as_secs_f64()
    );
    let token = service_token(&app).await;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a local port");
    let addr = listener.local_addr().expect("the port");
    let state = AppState::new(app.clone());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(fengqiao_web::serve(listener, state, async move {
        let _ = stopped.await;
    }));

    let mut rng = ChaCha8Rng::seed_from_u64(2026);
    let bodies: Arc<Vec<String>> = Arc::new(
        (0..4096)
            .map(|_| {
                let address = &addresses[rng.random_range(0..addresses.len())].text;
                let messy = fengqiao_app::demo_base::messy_variant(address, &mut rng);
                let narrative = NARRATIVES[rng.random_range(0..NARRATIVES.len())];
                let phone = format!("13{:09}", rng.random_range(0..1_000_000_000u64));
                serde_json::json!({
                    "source": "call_110",
                    "caller_name": "张先生",
                    "caller_phone": phone,
                    "address_text": messy,
                    "narrative": narrative,
                })
                .to_string()
            })
            .collect(),
    );
    let client = Client {
        addr,
        token: Arc::new(token),
        bodies,
        next: Arc::new(AtomicUsize::new(0)),
    };
    // Warm up: the address index and the repeat engine are built on first use.
    let mut warm = client.connect().await;
    for _ in 0..20 {
        client.post(&mut warm).await;
    }

    let (fast_rate, fast) = closed_loop(&client, options.clients, options.seconds).await;
    let (open_rate, open) = open_loop(&client, options.rate, options.seconds).await;
    let _ = stop.send(());
    let _ = server.await;
    store.close().await;

    let raw = match &options.postgres {
        Some(url) => {
            raw_postgres(
                url,
                &format!("bench_raw_{}", std::process::id()),
                options.seconds,
            )
            .await
        }
        None => raw_sqlite(&dir.path().join("raw.sqlite"), options.seconds).await,
    };
    if let Some(url) = &options.postgres {
        drop_schemas(url, &[schema, format!("bench_raw_{}", std::process::id())]).await;
    }

    println!();
    println!("raw insert, one row per transaction, one writer: {raw:.0} rows/s");
    println!(
        "(a) as fast as possible, {} clients: {fast_rate:.0} incidents/s, ratio intake/raw {:.2}",
        options.clients,
        fast_rate / raw
    );
    print_latencies("    latency", &fast);
    println!(
        "(b) open loop at {:.0}/s: {open_rate:.0} incidents/s done",
        options.rate
    );
    print_latencies("    latency from when due", &open);
}

fn print_latencies(label: &str, samples: &[Duration]) {
    let mut sorted = samples.to_vec();
    sorted.sort();
    let at = |q: f64| {
        let i = ((sorted.len() as f64 - 1.0) * q).round() as usize;
        sorted[i].as_secs_f64() * 1000.0
    };
    println!(
        "{label}: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} requests)",
        at(0.5),
        at(0.9),
        at(0.99),
        at(1.0),
        sorted.len()
    );
}

/// A service account with the dispatcher role over the whole bureau, and its token.
async fn service_token(app: &App) -> String {
    let actor = Actor::system("bench");
    let users = app.store().users(&Scope::All).await.expect("users");
    let admin = users
        .iter()
        .find(|u| u.username == "admin")
        .expect("the demo's admin");
    let admin = app
        .principal(&admin.id)
        .await
        .expect("a principal")
        .expect("the admin is active");
    let service = app
        .add_user_with_hash(
            &actor,
            fengqiao_domain::org::new_id(),
            NewUser {
                username: "bench-110".into(),
                display_name: "110 对接（压测）".into(),
                staff_id: None,
                partner_id: None,
                roles: vec![Role::Dispatcher],
                jurisdiction_codes: vec!["QX".into()],
                must_change_password: false,
            },
            None,
            true,
        )
        .await
        .expect("the service account");
    let (_, secret) = app
        .issue_api_token(&admin, &service.to_string(), "压测", None)
        .await
        .expect("a token");
    secret
}

#[derive(Clone)]
struct Client {
    addr: std::net::SocketAddr,
    token: Arc<String>,
    bodies: Arc<Vec<String>>,
    next: Arc<AtomicUsize>,
}

type Conn = BufReader<TcpStream>;

impl Client {
    async fn connect(&self) -> Conn {
        let stream = TcpStream::connect(self.addr).await.expect("the server");
        stream.set_nodelay(true).expect("nodelay");
        BufReader::new(stream)
    }

    /// Posts one incident on a kept-alive HTTP/1.1 connection; panics unless 201.
    async fn post(&self, conn: &mut Conn) {
        let i = self.next.fetch_add(1, Ordering::Relaxed);
        let body = &self.bodies[i % self.bodies.len()];
        let request = format!(
            "POST /api/v1/incidents HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            self.addr,
            self.token,
            body.len()
        );
        conn.get_mut()
            .write_all(request.as_bytes())
            .await
            .expect("a request sent");
        let mut line = String::new();
        conn.read_line(&mut line).await.expect("a status line");
        let status = line.split(' ').nth(1).unwrap_or("").to_owned();
        let mut length = 0;
        loop {
            line.clear();
            conn.read_line(&mut line).await.expect("a header");
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().expect("a length");
            }
        }
        let mut answer = vec![0; length];
        conn.read_exact(&mut answer).await.expect("the body");
        assert_eq!(status, "201", "{}", String::from_utf8_lossy(&answer));
    }
}

async fn closed_loop(client: &Client, clients: usize, seconds: f64) -> (f64, Vec<Duration>) {
    let start = Instant::now();
    let end = start + Duration::from_secs_f64(seconds);
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            let mut conn = client.connect().await;
            let mut samples = Vec::new();
            while Instant::now() < end {
                let t = Instant::now();
                client.post(&mut conn).await;
                samples.push(t.elapsed());
            }
            samples
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.expect("a client"));
    }
    let rate = all.len() as f64 / start.elapsed().as_secs_f64();
    (rate, all)
}

/// Sends `rate` requests a second on a fixed schedule over a pool of connections; a
/// request waiting for a free connection is late, and its latency shows it.
async fn open_loop(client: &Client, rate: f64, seconds: f64) -> (f64, Vec<Duration>) {
    let total = (rate * seconds) as usize;
    let start = Instant::now() + Duration::from_millis(50);
    let (send, receive) = tokio::sync::mpsc::unbounded_channel::<Instant>();
    let receive = Arc::new(tokio::sync::Mutex::new(receive));
    let mut tasks = Vec::new();
    for _ in 0..256 {
        let client = client.clone();
        let receive = receive.clone();
        tasks.push(tokio::spawn(async move {
            let mut conn = client.connect().await;
            let mut samples = Vec::new();
            loop {
                let due = receive.lock().await.recv().await;
                let Some(due) = due else { break };
                client.post(&mut conn).await;
                samples.push(due.elapsed());
            }
            samples
        }));
    }
    for i in 0..total {
        let due = start + Duration::from_secs_f64(i as f64 / rate);
        tokio::time::sleep_until(due.into()).await;
        send.send(due).expect("the pool");
    }
    drop(send);
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.expect("a sender"));
    }
    let rate = all.len() as f64 / start.elapsed().as_secs_f64();
    (rate, all)
}

const RAW_TABLE: &str = "CREATE TABLE raw_incidents (
    id TEXT PRIMARY KEY, number TEXT NOT NULL UNIQUE, external_number TEXT UNIQUE,
    source TEXT NOT NULL, called_at TEXT NOT NULL, received_at TEXT NOT NULL,
    caller_name TEXT, caller_phone TEXT, caller_id_number TEXT, address_text TEXT NOT NULL,
    narrative TEXT NOT NULL, category_initial TEXT, category TEXT, address_id TEXT,
    node_id TEXT NOT NULL, match_score DOUBLE PRECISION, lng DOUBLE PRECISION,
    lat DOUBLE PRECISION, state TEXT NOT NULL, repeat_person INTEGER NOT NULL,
    repeat_place INTEGER NOT NULL, repeat_category INTEGER NOT NULL, updated_at TEXT NOT NULL)";

const RAW_INSERT: &str =
    "INSERT INTO raw_incidents (id, number, external_number, source, called_at,
    received_at, caller_name, caller_phone, caller_id_number, address_text, narrative,
    category_initial, category, address_id, node_id, match_score, lng, lat, state,
    repeat_person, repeat_place, repeat_category, updated_at)
    VALUES ($1, $2, NULL, 'call_110', $3, $3, '张先生', '13800000000', NULL, $4, $5, NULL, NULL,
    $6, $7, 0.9, 120.2, 29.6, 'received', 0, 0, 0, $3)";

/// Inserts rows one per transaction for `seconds`; rows per second.
async fn raw_insert(pool: &sqlx::AnyPool, seconds: f64) -> f64 {
    let start = Instant::now();
    let mut n = 0_u64;
    while start.elapsed().as_secs_f64() < seconds {
        let mut tx = pool.begin().await.expect("a transaction");
        sqlx::query(RAW_INSERT)
            .bind(uuid::Uuid::now_v7().to_string())
            .bind(format!("J20261202-{n:06}"))
            .bind("2026-12-02T10:55:13.000000Z")
            .bind("诸暨市枫桥镇枫溪村3组12号门口")
            .bind(NARRATIVES[n as usize % NARRATIVES.len()])
            .bind(uuid::Uuid::now_v7().to_string())
            .bind(uuid::Uuid::now_v7().to_string())
            .execute(&mut *tx)
            .await
            .expect("a row");
        tx.commit().await.expect("a commit");
        n += 1;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

async fn raw_sqlite(path: &std::path::Path, seconds: f64) -> f64 {
    use sqlx::Executor;
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .after_connect(|conn, _| {
            Box::pin(async move {
                for pragma in [
                    "PRAGMA journal_mode = WAL",
                    "PRAGMA synchronous = FULL",
                    "PRAGMA foreign_keys = ON",
                    "PRAGMA busy_timeout = 15000",
                ] {
                    conn.execute(pragma).await?;
                }
                Ok(())
            })
        })
        .connect(&url)
        .await
        .expect("the raw database");
    pool.execute(RAW_TABLE).await.expect("the raw table");
    let rate = raw_insert(&pool, seconds).await;
    pool.close().await;
    rate
}

async fn raw_postgres(url: &str, schema: &str, seconds: f64) -> f64 {
    use sqlx::Executor;
    sqlx::any::install_default_drivers();
    let search_path = format!("SET search_path TO {schema}");
    let setup = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .expect("PostgreSQL");
    setup
        .execute(format!("CREATE SCHEMA {schema}").as_str())
        .await
        .expect("the raw schema");
    setup.close().await;
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .after_connect(move |conn, _| {
            let sql = search_path.clone();
            Box::pin(async move {
                conn.execute(sql.as_str()).await?;
                Ok(())
            })
        })
        .connect(url)
        .await
        .expect("PostgreSQL");
    pool.execute(RAW_TABLE).await.expect("the raw table");
    let rate = raw_insert(&pool, seconds).await;
    pool.close().await;
    rate
}

async fn drop_schemas(url: &str, schemas: &[String]) {
    use sqlx::Executor;
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .expect("PostgreSQL");
    for schema in schemas {
        let _ = pool
            .execute(format!("DROP SCHEMA IF EXISTS {schema} CASCADE").as_str())
            .await;
    }
    pool.close().await;
}
