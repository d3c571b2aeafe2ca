//! Backups and restores: a copy taken while the service runs restores into a database
//! that holds the data and whose audit trail verifies with `certbody audit verify`.
//! SQLite with `certbody backup`; PostgreSQL with pg_dump and pg_restore, as README shows.

use std::path::Path;
use std::process::Command;

use certbody::auth::Role;
use certbody::db::schema::users;
use certbody::db::Db;
use diesel::{QueryDsl, RunQueryDsl};

use crate::helpers::{postgres_url, spawn_app, with_database_name};

/// Runs a program; its success and what it printed.
fn run(program: &str, args: &[&str], database_url: Option<&str>) -> (bool, String) {
    let mut command = Command::new(program);
    command.args(args);
    if let Some(url) = database_url {
        command.env("DATABASE_URL", url);
    }
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), printed)
}

const CERTBODY: &str = env!("CARGO_BIN_EXE_certbody");

#[actix_rt::test]
async fn a_backup_taken_while_serving_restores_and_its_audit_trail_verifies() {
    let app = spawn_app().await;
    let admin = app.staff(Role::Admin, "admin@cb.example").await;
    app.register_applicant("quality@acme.example", "Acme").await;
    let events = app
        .get("/api/v1/audit-events?limit=1", Some(&admin.token))
        .await
        .body["total"]
        .as_i64()
        .unwrap();
    assert!(events >= 2);
    let folder =
        std::env::temp_dir().join(format!("certbody-backup-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&folder).unwrap();
    let dump = folder.join("backup");
    let dump = dump.to_str().unwrap();

    let (restored, drop_restored) = match postgres_url() {
        Some(server) => {
            let (ok, printed) = run(
                "pg_dump",
                &["--format=custom", "--file", dump, &app.database_url],
                None,
            );
            assert!(ok, "{printed}");
            let name = format!("certbody_restored_{}", uuid::Uuid::new_v4().simple());
            let (ok, printed) = run(
                "psql",
                &[&server, "-qc", &format!("CREATE DATABASE {name}")],
                None,
            );
            assert!(ok, "{printed}");
            let url = with_database_name(&server, &name);
            let (ok, printed) = run("pg_restore", &["--no-owner", "--dbname", &url, dump], None);
            assert!(ok, "{printed}");
            (url, Some((server, name)))
        }
        None => {
            // Taken from another process while the service holds the database open.
            let (ok, printed) = run(CERTBODY, &["backup", "--to", dump], Some(&app.database_url));
            assert!(ok, "{printed}");
            assert!(
                printed.contains(&format!("audit trail is intact: {events} event(s)")),
                "{printed}"
            );
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dump).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "the copy is the owner's alone");
            assert!(!Path::new(&format!("{dump}.partial")).exists());
            let (again, printed) =
                run(CERTBODY, &["backup", "--to", dump], Some(&app.database_url));
            assert!(!again && printed.contains("exists already"), "{printed}");
            // Restoring is copying the file where the service expects its database.
            let restored = folder.join("restored.db");
            std::fs::copy(dump, &restored).unwrap();
            (restored.display().to_string(), None)
        }
    };

    let (ok, printed) = run(CERTBODY, &["audit", "verify"], Some(&restored));
    assert!(
        ok && printed.contains(&format!("audit trail intact: {events} event(s)")),
        "{printed}"
    );
    let copy = Db::connect(&restored, 1).unwrap();
    let accounts: i64 = copy
        .run(|conn| Ok(users::table.count().get_result(conn)?))
        .await
        .unwrap();
    assert_eq!(
        accounts, 2,
        "the admin and the applicant are in the restored database"
    );
    drop(copy);
    if let Some((server, name)) = drop_restored {
        run(
            "psql",
            &[
                &server,
                "-qc",
                &format!("DROP DATABASE {name} WITH (FORCE)"),
            ],
            None,
        );
    }
    let _ = std::fs::remove_dir_all(Path::new(&folder));
}
