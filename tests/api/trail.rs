use std::process::Command;

use certbody::auth::Role;
use certbody::db::Backend;
use diesel::connection::SimpleConnection;
use serde_json::json;

use crate::helpers::{spawn_app, TestApp, PASSWORD};

fn verify(app: &TestApp, anchor: Option<&str>) -> (bool, String) {
    let mut args = vec!["audit", "verify"];
    args.extend(
        anchor
            .map(|anchor| ["--anchor", anchor])
            .into_iter()
            .flatten(),
    );
    let output = Command::new(env!("CARGO_BIN_EXE_certbody"))
        .args(args)
        .env("DATABASE_URL", &app.database_url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("certbody runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

async fn execute(app: &TestApp, sql: &'static str) -> Result<(), String> {
    app.db
        .run(move |conn| {
            conn.batch_execute(sql)
                .map_err(certbody::error::AppError::internal)
        })
        .await
        .map_err(|e| e.to_string())
}

#[actix_rt::test]
async fn every_change_is_recorded_and_visible_only_to_those_concerned() {
    let app = spawn_app().await;
    let admin = app.staff(Role::Admin, "admin@cb.example").await;
    let acme = app.register_applicant("quality@acme.example", "Acme").await;
    let globex = app.register_applicant("iso@globex.example", "Globex").await;
    let body = json!({"email": "ada@cb.example", "full_name": "Ada", "role": "auditor", "password": PASSWORD});
    let auditor_id = app
        .post("/api/v1/admin/users", Some(&admin.token), &body)
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for action in ["deactivate", "reactivate"] {
        let response = app
            .post(
                &format!("/api/v1/admin/users/{auditor_id}/{action}"),
                Some(&admin.token),
                &json!({}),
            )
            .await;
        assert_eq!(response.status, 200);
    }
    // A refused transition records nothing.
    app.post(
        &format!("/api/v1/admin/users/{auditor_id}/reactivate"),
        Some(&admin.token),
        &json!({}),
    )
    .await
    .assert_problem(409);

    let history = app
        .get(
            &format!("/api/v1/audit-events?entity_type=user&entity_id={auditor_id}"),
            Some(&admin.token),
        )
        .await;
    let actions: Vec<_> = history.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["created", "deactivated", "reactivated"],
        "{}",
        history.body
    );
    let deactivated = &history.body["items"][1];
    assert_eq!(deactivated["actor_id"], admin.id.as_str());
    assert_eq!(deactivated["actor_role"], "admin");
    assert_eq!(
        (
            deactivated["before"]["active"].as_bool(),
            deactivated["after"]["active"].as_bool()
        ),
        (Some(true), Some(false))
    );
    assert_eq!(deactivated["request_id"].as_str().map(str::len), Some(36));
    assert_eq!(
        history.body["items"][2]["prev_hash"],
        history.body["items"][1]["hash"]
    );

    // All of it: admin's own account (operator), two registrations, created + 2 state changes.
    let everything = app.get("/api/v1/audit-events", Some(&admin.token)).await;
    assert_eq!(everything.body["total"], 6);
    assert_eq!(everything.body["items"][0]["actor_role"], "operator");

    // A client sees its own organisation's events only, whatever it asks for.
    let own = app.get("/api/v1/audit-events", Some(&acme.token)).await;
    assert_eq!(own.body["total"], 1, "{}", own.body);
    assert_eq!(own.body["items"][0]["action"], "registered");
    assert_eq!(
        own.body["items"][0]["entity_id"],
        acme.organisation_id.clone().unwrap().as_str()
    );
    let other = app
        .get(
            &format!(
                "/api/v1/audit-events?entity_id={}",
                globex.organisation_id.unwrap()
            ),
            Some(&acme.token),
        )
        .await;
    assert_eq!(other.body["total"], 0);
    let auditor_token = app.token("ada@cb.example").await;
    app.get("/api/v1/audit-events", Some(&auditor_token))
        .await
        .assert_problem(403);
    app.get("/api/v1/audit-events", None)
        .await
        .assert_problem(401);
}

#[actix_rt::test]
async fn the_chain_stays_linear_under_concurrent_writers_and_verify_finds_a_tampered_row() {
    let app = spawn_app().await;
    let admin = app.staff(Role::Admin, "admin@cb.example").await;
    let creations = (0..12).map(|i| {
        let body = json!({"email": format!("staff{i}@cb.example"), "full_name": "S", "role": "auditor", "password": PASSWORD});
        let (app, token) = (&app, admin.token.clone());
        async move { app.post("/api/v1/admin/users", Some(&token), &body).await.status }
    });
    let statuses = futures_util::future::join_all(creations).await;
    assert!(statuses.iter().all(|status| *status == 201), "{statuses:?}");
    let (ok, out) = verify(&app, None);
    assert!(ok && out.contains("intact: 13 event(s)"), "{out}");

    let anchor = out
        .lines()
        .find_map(|line| line.strip_prefix("anchor: "))
        .expect("an anchor is printed");
    let anchor = anchor.split_whitespace().next().unwrap().to_owned();
    assert!(anchor.starts_with("13:"), "{anchor}");

    // The database itself refuses to change history...
    assert!(execute(
        &app,
        "UPDATE audit_events SET action = 'nothing' WHERE seq = 5"
    )
    .await
    .is_err());
    assert!(execute(&app, "DELETE FROM audit_events WHERE seq = 13")
        .await
        .is_err());
    if app.db.backend() == Backend::Postgresql {
        assert!(execute(&app, "TRUNCATE audit_events").await.is_err());
    }
    // ...and someone who gets past that (dropping the guards) is caught.
    let drop_guards = match app.db.backend() {
        Backend::Sqlite => {
            "DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete;"
        }
        Backend::Postgresql => "DROP TRIGGER audit_events_no_update ON audit_events",
    };
    execute(&app, drop_guards).await.unwrap();
    // Cutting off the newest event leaves a valid-looking chain; the anchor kept outside shows it.
    execute(&app, "DELETE FROM audit_events WHERE seq = 13")
        .await
        .unwrap();
    let (ok, out) = verify(&app, None);
    assert!(ok && out.contains("intact: 12 event(s)"), "{out}");
    let (ok, out) = verify(&app, Some(&anchor));
    assert!(!ok && out.contains("event 13 is gone"), "{out}");
    // Editing an event in place breaks the chain at that event.
    execute(
        &app,
        "UPDATE audit_events SET after_state = '{\"role\":\"admin\"}' WHERE seq = 5",
    )
    .await
    .unwrap();
    let (ok, out) = verify(&app, None);
    assert!(!ok, "verify must fail: {out}");
    assert!(out.contains("broken at event 5"), "{out}");
}
