//! `certbody demo`: the sample a newcomer tries the service with.

use serde_json::{json, Value};

use crate::helpers::spawn_app;
use crate::operations::cli;

/// The number printed on the demo's line for a certificate in `status`.
fn number_in(output: &str, status: &str) -> String {
    output
        .lines()
        .map(str::split_whitespace)
        .filter_map(|mut words| Some((words.next()?, words.next()?)))
        .find(|(_, second)| *second == status)
        .map(|(number, _)| number.to_owned())
        .unwrap_or_else(|| panic!("no {status} certificate in:\n{output}"))
}

#[actix_rt::test]
async fn the_demo_loads_every_state_through_the_workflow_and_only_into_an_empty_database() {
    let app = spawn_app().await;
    let (loaded, output) = cli(&app.database_url, &["demo"], "");
    assert!(loaded, "{output}");

    // Certificates in every status, as the public sees them.
    for status in ["active", "suspended", "withdrawn", "expired"] {
        let number = number_in(&output, status);
        let public = app
            .get(&format!("/api/v1/public/certificates/{number}"), None)
            .await;
        assert_eq!(public.body["status"], status, "{number}: {}", public.body);
    }

    // Every printed account signs in with the printed password.
    let password = output
        .lines()
        .find_map(|line| line.strip_prefix("Demo sample loaded. Every account's password: "))
        .expect("the password is printed");
    let token = |email: &'static str| {
        let app = &app;
        async move {
            let login = app.login(email, password).await;
            assert_eq!(login.status, 200, "{email}: {}", login.body);
            login.body["access_token"].as_str().unwrap().to_owned()
        }
    };
    let admin = token("admin@cb.example").await;
    for state in [
        "draft",
        "submitted",
        "under_review",
        "information_requested",
        "accepted",
        "rejected",
        "withdrawn",
    ] {
        let listed = app
            .get(&format!("/api/v1/applications?state={state}"), Some(&admin))
            .await;
        assert!(
            listed.body["total"].as_i64() >= Some(1),
            "{state}: {}",
            listed.body
        );
    }
    let findings = app
        .get("/api/v1/nonconformities?state=verified", Some(&admin))
        .await;
    assert_eq!(findings.body["total"], 4, "{}", findings.body);

    // A client sees its own: Globex its open appeal, Hooli only its draft.
    let globex = token("quality@globex.example").await;
    let appeals = app.get("/api/v1/appeals", Some(&globex)).await.body;
    assert_eq!(
        (&appeals["total"], &appeals["items"][0]["state"]),
        (&json!(1), &json!("reviewing"))
    );
    let hooli = token("quality@hooli.example").await;
    let own = app.get("/api/v1/applications", Some(&hooli)).await.body;
    assert_eq!(own["total"], 1);

    // The complaint printed reads back with its secret; the false claim left a notice.
    let complaint = output
        .lines()
        .find_map(|line| line.strip_prefix("A complaint just filed: reference "))
        .expect("the complaint is printed");
    let (reference, secret) = complaint.split_once(", secret ").unwrap();
    let seen = app
        .get_with(
            &format!("/api/v1/public/complaints/{reference}"),
            &[("Complaint-Secret", secret)],
        )
        .await;
    assert_eq!(seen.body["state"], "received", "{}", seen.body);
    // A step's optional note: a body that is there must be JSON of its shape (never
    // silently ignored); `null` is no note.
    let handler = token("handler@cb.example").await;
    let queue = app
        .get("/api/v1/complaints?state=received", Some(&handler))
        .await;
    let acknowledge = format!(
        "/api/v1/complaints/{}/acknowledge",
        queue.body["items"][0]["id"].as_str().unwrap()
    );
    let garbage = app
        .post_raw_as(
            &acknowledge,
            Some(&handler),
            "application/json",
            b"\xff\x00garbage".to_vec(),
        )
        .await;
    garbage.assert_problem(400);
    let wrong = app
        .post_raw_as(
            &acknowledge,
            Some(&handler),
            "application/json",
            b"-263131".to_vec(),
        )
        .await;
    assert_eq!(wrong.invalid_fields(), ["body"]);
    let acknowledged = app
        .post_raw_as(
            &acknowledge,
            Some(&handler),
            "application/json",
            b"null".to_vec(),
        )
        .await;
    assert_eq!(
        acknowledged.body["state"], "acknowledged",
        "{}",
        acknowledged.body
    );

    let notices: Value = app.get("/api/v1/public/notices", None).await.body;
    assert_eq!(notices["total"], 1, "{notices}");
    let buyer = token("buyer@procurement.example").await;
    let watched = app.get("/api/v1/watch/certificates", Some(&buyer)).await;
    assert_eq!(watched.body["total"], 2, "{}", watched.body);

    // Everything went through the audit trail; a second run changes nothing.
    let (intact, report) = cli(&app.database_url, &["audit", "verify"], "");
    assert!(intact, "{report}");
    let (again, refusal) = cli(&app.database_url, &["demo"], "");
    assert!(
        !again && refusal.contains("only into an empty one"),
        "{refusal}"
    );
}
