//! Command-line options, in plain words for `--help`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// fengqiao — the platform of a Fengqiao-style police station (枫桥式派出所):
/// incidents, disputes, the base registry and analysis, on your own intranet.
#[derive(Debug, Parser)]
#[command(name = "fengqiao", version, about, long_about = None)]
pub struct Cli {
    /// SQLite database file (created if missing).
    #[arg(
        long,
        global = true,
        default_value = "./data/fengqiao.db",
        value_name = "PATH"
    )]
    pub db: PathBuf,

    /// Use PostgreSQL instead of SQLite, e.g. postgres://fengqiao@127.0.0.1/fengqiao.
    #[arg(
        long,
        global = true,
        env = "FENGQIAO_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub database_url: Option<String>,

    /// Log format: readable lines, or one JSON object per line for log collectors.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Human)]
    pub log_format: LogFormat,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Log output formats.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LogFormat {
    /// Readable lines.
    Human,
    /// JSON lines.
    Json,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server.
    Serve(ServeArgs),
    /// Bring the database schema up to date, then exit.
    Migrate(MigrateArgs),
    /// Fill an empty database with a fictional demo bureau.
    Demo(DemoArgs),
    /// Check the tamper-evident event log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Import and export code tables (categories, kinds, grades …).
    #[command(subcommand)]
    Codes(CodesCommand),
    /// Import standard addresses (标准地址) into the base.
    #[command(subcommand)]
    Addresses(AddressesCommand),
    /// Import 110 exports (接警数据) into the incidents.
    #[command(subcommand)]
    Incidents(IncidentsCommand),
    /// Statistics on a CSV file (Knox, Gi*, kernel density); no database needed.
    #[command(subcommand)]
    Analyze(crate::commands::analyze::AnalyzeCommand),
    /// Parse free-text addresses and match them against a registry of standard addresses.
    #[command(subcommand)]
    Address(crate::commands::address::AddressCommand),
    /// Tools for testing the platform itself.
    #[command(subcommand, hide = true)]
    Debug(DebugCommand),
    /// Suggest the category of incident narratives (警情分类建议), one per line on
    /// standard input, as JSON lines; no database needed.
    Classify(crate::commands::classify::ClassifyArgs),
}

/// Options of `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Seed the demo bureau first if the database is empty, and print the demo sign-ins.
    #[arg(long)]
    pub demo: bool,
    /// Seed for the demo data (the same seed gives the same bureau).
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// Ordinary calls a day in the demo's year of incidents (0: no incidents).
    #[arg(long, default_value_t = 85, value_name = "N")]
    pub incidents_per_day: u32,
    /// The server is reached over HTTPS (a TLS-terminating proxy in front): session
    /// cookies become Secure with the `__Host-` prefix. Without it they cannot be Secure,
    /// because browsers drop Secure cookies sent over plain HTTP.
    #[arg(long, env = "FENGQIAO_BEHIND_TLS")]
    pub behind_tls: bool,
    /// Extra category-suggestion rules (the format of `fengqiao classify --rules`),
    /// added to the embedded ones for every intake. A bad rule stops the server before
    /// it listens, naming its line.
    #[arg(long, env = "FENGQIAO_CLASSIFY_RULES", value_name = "EXTRA.toml")]
    pub classify_rules: Option<std::path::PathBuf>,
}

/// Options of `migrate`.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// PostgreSQL: after migrating, let this login role run the server without owning
    /// the schema (it may only read and append to the event log). Repeat after upgrades.
    #[arg(long, value_name = "ROLE")]
    pub grant_app_role: Option<String>,
}

/// Options of `demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Seed for the demo data (the same seed gives the same bureau).
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// Ordinary calls a day in the demo's year of incidents (0: no incidents).
    #[arg(long, default_value_t = 85, value_name = "N")]
    pub incidents_per_day: u32,
    /// Instead of seeding: a helper for demo accounts.
    #[command(subcommand)]
    pub action: Option<DemoAction>,
}

/// Helpers for the demo accounts.
#[derive(Debug, Subcommand)]
pub enum DemoAction {
    /// Print the current TOTP code of a demo account (only accounts the demo created).
    Totp {
        /// The demo account, e.g. admin.
        #[arg(long)]
        user: String,
    },
}

/// `audit` subcommands.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute the SM3 hash chain and name the first broken link, if any.
    Verify {
        /// Files of checkpoints exported earlier by `audit head` (JSON lines); a log cut
        /// short after a checkpoint is caught only with such a copy.
        #[arg(long = "checkpoint", value_name = "FILE")]
        checkpoints: Vec<PathBuf>,
    },
    /// Sign off the current head of the log and print it as one JSON line: keep that line
    /// somewhere other than this machine.
    Head {
        /// Who signs it off (name or badge number).
        #[arg(long)]
        signed_by: String,
    },
}

/// `user` subcommands.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account. The password is asked for (or read from standard input when
    /// it is not a terminal) and must be changed at first sign-in.
    Add {
        /// Login name.
        #[arg(long)]
        username: String,
        /// Name shown in the interface.
        #[arg(long)]
        display_name: String,
        /// Role (repeat for several): dispatcher, case_officer, community_officer,
        /// auxiliary, grid_worker, volunteer, partner, station_chief, bureau_viewer, admin.
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// Code of a jurisdiction node the user works in (repeat for several).
        #[arg(long = "jurisdiction", required = true)]
        jurisdiction: Vec<String>,
    },
    /// List accounts.
    List,
}

/// `codes` subcommands.
#[derive(Debug, Subcommand)]
pub enum CodesCommand {
    /// Write code tables to a .csv or .xlsx file.
    Export {
        /// The file to write; its extension picks the format.
        #[arg(long)]
        out: PathBuf,
        /// Only these tables (repeat); all when omitted.
        #[arg(long = "table")]
        tables: Vec<String>,
    },
    /// Read code tables from a .csv or .xlsx file: everything or nothing.
    Import {
        /// The file to read.
        file: PathBuf,
    },
}

/// `addresses` subcommands.
#[derive(Debug, Subcommand)]
pub enum AddressesCommand {
    /// Read standard addresses from a .csv or .xlsx file with the columns code, address,
    /// grid (the grid's or community's code) and optionally lng, lat: everything or
    /// nothing; rows update by code, so importing the same file again changes nothing.
    Import {
        /// The file to read.
        file: PathBuf,
    },
}

/// `incidents` subcommands.
#[derive(Debug, Subcommand)]
pub enum IncidentsCommand {
    /// Receive the incidents of a 110 export (.csv or .xlsx; the pinyin schema JJDBH,
    /// BJSJ, BJDH, BJRXM, BJNR, JQDZ, JQLBDM/JQLXDM, GXDWDM or the platform's names) as
    /// a user of the platform: everything or nothing, keyed by the external number.
    Import {
        /// The file to read.
        file: PathBuf,
        /// The command-room user the incidents are received as (recorded as the actor).
        #[arg(long = "as", value_name = "USERNAME")]
        user: String,
    },
}

/// `debug` subcommands.
#[derive(Debug, Subcommand)]
pub enum DebugCommand {
    /// Append probe events one transaction at a time, printing `ack <seq> <hash>` after
    /// each commit; used by the durability test (kill -9 while writing). Refuses a
    /// database that holds anything but probe events.
    AppendLoad {
        /// How many events to append.
        #[arg(long, default_value_t = 1_000_000)]
        count: u64,
    },
}

/// Sets up tracing: human lines or JSON, level from `RUST_LOG` (default `info` for the
/// server, `warn` for one-shot commands so their output stays clean).
pub fn init_logging(format: LogFormat, server: bool) {
    let default = if server { "info" } else { "warn" };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Human => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}
