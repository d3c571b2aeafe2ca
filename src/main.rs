//! The `certbody` command line: parse, then hand over to the library.

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use rand::distr::{Alphanumeric, SampleString};

use certbody::accounts::{create_account, domain::AccountFields};
use certbody::auth::Role;
use certbody::config::Config;
use certbody::db::{Backend, Db};
use certbody::error::AppError;
use certbody::notify::Notifier;
use certbody::startup::Application;
use certbody::trail::domain::ChainBreak;
use certbody::trail::{check_anchor, verify_chain, Actor, Verification};
use certbody::workflow::Service;

/// certbody: the workflow of a management-system certification body (ISO/IEC 17021-1).
///
/// Every option can also be set by the environment variable shown with it.
#[derive(Parser)]
#[command(name = "certbody", version, propagate_version = true)]
struct Cli {
    #[command(flatten)]
    config: Config,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP service (the default). Applies pending migrations first.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        action: UserCommand,
    },
    /// Work with the audit trail.
    Audit {
        #[command(subcommand)]
        action: AuditCommand,
    },
    /// The certificate register.
    Register {
        #[command(subcommand)]
        action: RegisterCommand,
    },
    /// Load a realistic sample into an empty database, to try the service: staff and client
    /// accounts, applications in every state, audits with nonconformities, certificates
    /// active, suspended, withdrawn and expired, complaints, an appeal and watchers.
    Demo,
    /// Copy a SQLite database online into one consistent file and check the copy's audit
    /// trail (PostgreSQL: use pg_dump, see README).
    Backup {
        /// The file to write; it must not exist yet.
        #[arg(long)]
        to: std::path::PathBuf,
    },
}

#[derive(Subcommand)]
enum RegisterCommand {
    /// Print every certificate in the IAF CertSearch upload shape (IAF MD 28).
    Export {
        #[arg(long, value_enum, default_value = "json")]
        format: ExportFormat,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ExportFormat {
    Json,
    Csv,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Walk the hash chain; exits non-zero and names the first broken event if any.
    Verify {
        /// A `SEQ:HASH` printed by an earlier verify and kept outside the database: also
        /// checks that this event still exists unchanged (catches a cut-back or rewritten tail).
        #[arg(long)]
        anchor: Option<String>,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account. The password is read from standard input (one line) when it is
    /// not a terminal, otherwise prompted for twice.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long, value_enum)]
        role: Role,
        /// Client organisation (id or client id); required for `applicant`, not allowed for staff.
        #[arg(long)]
        org: Option<String>,
        /// Full name (defaults to the part of the email before @).
        #[arg(long)]
        name: Option<String>,
        /// Generate a random password and print it (the only case that prints a secret).
        #[arg(long)]
        generate_password: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The demo's own server would log every request of its story over the summary.
    let default_level = match cli.command {
        Some(Command::Demo) => "warn",
        _ => "info",
    };
    certbody::telemetry::init(cli.config.log_format, default_level);
    let result = actix_web::rt::System::new().block_on(run(cli));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    let config = cli.config;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let app = Application::build(config.clone()).map_err(|e| e.to_string())?;
            tracing::info!(
                "certbody listening on http://{} (public URL {}); API docs at /docs",
                config.bind,
                config.public_url
            );
            app.run_until_stopped().await.map_err(|e| e.to_string())
        }
        Command::Migrate => {
            let applied = open_database(&config)?.1;
            println!("{} migration(s) applied", applied.len());
            for version in applied {
                println!("  {version}");
            }
            Ok(())
        }
        Command::User {
            action:
                UserCommand::Create {
                    email,
                    role,
                    org,
                    name,
                    generate_password,
                },
        } => {
            let (db, _) = open_database(&config)?;
            let password = if generate_password {
                Alphanumeric.sample_string(&mut rand::rng(), 24)
            } else {
                read_password().map_err(|e| format!("cannot read the password: {e}"))?
            };
            let full_name =
                name.unwrap_or_else(|| email.split('@').next().unwrap_or(&email).to_owned());
            let fields = AccountFields {
                email: &email,
                full_name: &full_name,
                role,
                organisation_id: org.as_deref(),
                password: &password,
            };
            let service = Service::new(db, Notifier::new(&config.public_url));
            let user = create_account(&service, Actor::operator(), fields)
                .await
                .map_err(describe)?;
            println!(
                "created {} account {} (id {})",
                user.role, user.email, user.id
            );
            if generate_password {
                println!("password: {password}");
            }
            Ok(())
        }
        Command::Register {
            action: RegisterCommand::Export { format },
        } => {
            let (db, _) = existing_database(&config)?;
            let cb = config.rules().cb;
            let records = db
                .run(move |conn| certbody::certificates::register::records(conn, &cb))
                .await
                .map_err(describe)?;
            match format {
                ExportFormat::Json => println!(
                    "{}",
                    serde_json::to_string_pretty(&records).map_err(|e| e.to_string())?
                ),
                ExportFormat::Csv => {
                    print!("{}", certbody::certificates::register::to_csv(&records))
                }
            }
            Ok(())
        }
        Command::Backup { to } => backup(&config, &to).await,
        Command::Demo => {
            let sample = certbody::demo::load(&config).await?;
            println!(
                "Demo sample loaded. Every account's password: {}",
                sample.password
            );
            println!("\nAccounts:");
            for (email, role, what) in &sample.accounts {
                println!("  {email:<28} {:<18} {what}", role.to_string());
            }
            println!(
                "\nCertificates (open {}/verify/NUMBER):",
                config.public_url.trim_end_matches('/')
            );
            for (number, status, holder) in &sample.certificates {
                println!("  {number:<18} {status:<10} {holder}");
            }
            let (reference, secret) = &sample.complaint;
            println!("\nA complaint just filed: reference {reference}, secret {secret}");
            println!("\nStart the service with `certbody serve` and the same settings.");
            Ok(())
        }
        Command::Audit {
            action: AuditCommand::Verify { anchor },
        } => {
            let anchor = anchor.map(|text| parse_anchor(&text)).transpose()?;
            let (db, _) = existing_database(&config)?;
            let (events, last_hash) = match db.run(verify_chain).await.map_err(describe)? {
                Verification::Intact { events, last_hash } => (events, last_hash),
                Verification::Broken(ChainBreak::Altered { seq }) => {
                    return Err(format!("audit trail broken at event {seq}: its content does not match its hash"))
                }
                Verification::Broken(ChainBreak::Unlinked { seq }) => {
                    return Err(format!(
                        "audit trail broken at event {seq}: it does not follow the event before it (removed or reordered)"
                    ))
                }
            };
            if let Some((seq, hash)) = anchor {
                let checked = db
                    .run(move |conn| check_anchor(conn, seq, &hash))
                    .await
                    .map_err(describe)?;
                checked.map_err(|problem| format!("audit trail: {problem}"))?;
            }
            println!("audit trail intact: {events} event(s)");
            if let Some(hash) = last_hash {
                println!("anchor: {events}:{hash}  (keep it outside the database; check later with --anchor)");
            }
            Ok(())
        }
    }
}

/// Copies the SQLite database to `to` without touching it otherwise (no migration): into a
/// new owner-only file beside the target, verified, then linked into place, which fails
/// rather than overwrite; nothing is left behind when a step fails.
async fn backup(config: &Config, to: &std::path::Path) -> Result<(), String> {
    use std::os::unix::fs::OpenOptionsExt;
    if Backend::from_url(&config.database_url) != Backend::Sqlite {
        return Err(
            "a PostgreSQL database is backed up with pg_dump (see README, Operations)".into(),
        );
    }
    let target = std::path::absolute(to).map_err(|e| e.to_string())?;
    if target.exists() {
        return Err(format!(
            "{} exists already: name a new file",
            target.display()
        ));
    }
    let partial = std::path::PathBuf::from(format!("{}.partial", target.display()));
    // Owner-only: the copy holds password hashes, reporters' data and webhook secrets.
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&partial)
        .map_err(|e| format!("{}: {e}", partial.display()))?;
    let written = copy_and_verify(config, &partial).await;
    let placed = written.and_then(|events| {
        std::fs::hard_link(&partial, &target)
            .map(|()| events)
            .map_err(|e| format!("{}: {e}", target.display()))
    });
    for leftover in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{leftover}", partial.display()));
    }
    let events = placed?;
    let bytes = std::fs::metadata(&target).map_err(|e| e.to_string())?.len();
    println!(
        "backup written to {} ({bytes} bytes); its audit trail is intact: {events} event(s)",
        target.display()
    );
    Ok(())
}

/// `VACUUM INTO` the (empty) file `into`, then walk the copy's audit chain: its event count.
async fn copy_and_verify(config: &Config, into: &std::path::Path) -> Result<i64, String> {
    let source = Db::connect(&config.database_url, 1).map_err(describe)?;
    let path = into.display().to_string();
    source
        .run(move |conn| certbody::db::backup::sqlite_copy(conn, &path))
        .await
        .map_err(describe)?;
    let copy = Db::connect(&into.display().to_string(), 1).map_err(describe)?;
    match copy.run(verify_chain).await.map_err(describe)? {
        Verification::Intact { events, .. } => Ok(events),
        Verification::Broken(_) => {
            Err("the copy's audit trail does not verify: the database is left as it was".into())
        }
    }
}

fn parse_anchor(text: &str) -> Result<(i64, String), String> {
    match text
        .split_once(':')
        .map(|(seq, hash)| (seq.parse::<i64>(), hash))
    {
        Some((Ok(seq), hash)) if seq > 0 && hash.len() == 64 => Ok((seq, hash.to_owned())),
        _ => Err(format!(
            "--anchor {text:?}: expected SEQ:HASH as printed by audit verify"
        )),
    }
}

/// For commands that only read: a SQLite file that is not there is an error (opening it
/// would create an empty database, and an empty audit trail "verifies").
fn existing_database(config: &Config) -> Result<(Db, Vec<String>), String> {
    let path = config
        .database_url
        .strip_prefix("sqlite://")
        .unwrap_or(&config.database_url);
    if Backend::from_url(&config.database_url) == Backend::Sqlite
        && !std::path::Path::new(path).exists()
    {
        return Err(format!("no database at {path} (DATABASE_URL)"));
    }
    open_database(config)
}

fn open_database(config: &Config) -> Result<(Db, Vec<String>), String> {
    let db = Db::connect(&config.database_url, 2).map_err(describe)?;
    let applied = db.migrate().map_err(describe)?;
    Ok((db, applied))
}

fn read_password() -> std::io::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ")?;
        let second = rpassword::prompt_password("Repeat password: ")?;
        if first != second {
            return Err(std::io::Error::other("the passwords do not match"));
        }
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }
}

/// Validation problems listed field by field, as an operator at a terminal wants them.
fn describe(err: AppError) -> String {
    match err {
        AppError::Validation(errors) => errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}
