//! The service runs as a database role that does not own its tables (README, Operations):
//! the owner migrates, the service reads and writes through its grants only, and cannot
//! drop a table or rewrite the audit trail even if it were compromised. PostgreSQL only.

use certbody::auth::Role;
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use serde_json::json;

use crate::applications::{application, SMS};
use crate::helpers::{postgres_url, spawn_app_with};

/// The grants README gives the service's role, on the database at `owner_url`.
fn grant_service_role(owner_url: &str, role: &str) {
    let mut owner = PgConnection::establish(owner_url).expect("the owner connects");
    owner
        .batch_execute(&format!(
            "CREATE ROLE {role} LOGIN PASSWORD 'service-password';
             REVOKE CREATE ON SCHEMA public FROM PUBLIC;
             GRANT USAGE ON SCHEMA public TO {role};
             GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role};
             GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role};"
        ))
        .expect("the grants apply");
}

#[actix_rt::test]
async fn the_service_works_through_grants_alone_and_cannot_drop_or_rewrite() {
    let Some(server) = postgres_url() else {
        return; // SQLite has no roles; the suite's PostgreSQL run covers this.
    };
    let role = format!("certbody_service_{}", uuid::Uuid::new_v4().simple());
    let mut service_url = String::new();
    let app = spawn_app_with(|config| {
        grant_service_role(&config.database_url, &role);
        let (_, rest) = config.database_url.split_once("://").unwrap();
        let database = rest.rsplit_once('/').unwrap().1;
        let host = server
            .split_once('@')
            .map_or_else(|| server.split_once("://").unwrap().1, |(_, host)| host);
        let host = host.split('/').next().unwrap();
        service_url = format!("postgres://{role}:service-password@{host}/{database}");
        config.database_url = service_url.clone();
    })
    .await;

    // The happy path of an application, through the service running as that role.
    let admin = app.staff(Role::Admin, "admin@cb.example").await;
    let acme = app.register_applicant("quality@acme.example", "Acme").await;
    let created = app
        .post(
            "/api/v1/applications",
            Some(&acme.token),
            &application(SMS, 30, 2),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["id"].as_str().unwrap();
    let submitted = app
        .post(
            &format!("/api/v1/applications/{id}/submit"),
            Some(&acme.token),
            &json!({}),
        )
        .await;
    assert_eq!(submitted.body["state"], "submitted", "{}", submitted.body);
    let review = app
        .post(
            &format!("/api/v1/applications/{id}/start-review"),
            Some(&admin.token),
            &json!({}),
        )
        .await;
    assert_eq!(review.body["state"], "under_review", "{}", review.body);
    let trail = app
        .get("/api/v1/audit-events?limit=1", Some(&admin.token))
        .await;
    assert!(trail.body["total"].as_i64().unwrap() >= 4, "{}", trail.body);

    // What the role cannot do, whoever gets hold of it.
    let mut service = PgConnection::establish(&service_url).expect("the service role connects");
    let dropped = service.batch_execute("DROP TABLE users");
    assert!(dropped.unwrap_err().to_string().contains("must be owner"));
    // The trail's triggers refuse every update; only an owner could switch them off.
    let unguarded = service.batch_execute("ALTER TABLE audit_events DISABLE TRIGGER ALL");
    assert!(unguarded.unwrap_err().to_string().contains("must be owner"));
    let created = service.batch_execute("CREATE TABLE shadow (id INT)");
    assert!(created
        .unwrap_err()
        .to_string()
        .contains("permission denied"));
    drop(service);
    drop(app); // drops the test database and with it the role's grants
    let mut server_conn = PgConnection::establish(&server).unwrap();
    server_conn
        .batch_execute(&format!("DROP ROLE {role}"))
        .expect("the role goes with the test");
}
