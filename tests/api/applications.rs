use certbody::auth::Role;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, Response, TestApp, User};

pub(crate) const SMS: &str = "std-iso-iec-20000-1-2018";
const QMS: &str = "std-iso-9001-2015";

fn site(name: &str, headcount: i64, is_central: bool) -> Value {
    json!({"name": name, "street": "Hauptstraße 1", "city": "Berlin", "postcode": "10115", "country": "DE",
        "headcount": headcount, "is_central": is_central})
}

/// An application with `sites` sites (the first central) and `personnel` people.
pub(crate) fn application(standard_id: &str, personnel: i64, sites: usize) -> Value {
    let sites: Vec<Value> = (0..sites)
        .map(|i| site(&format!("Site {i}"), 10 + i as i64, i == 0))
        .collect();
    json!({
        "standard_id": standard_id,
        "scope_statement": "Managed hosting and service desk for business customers",
        "total_personnel": personnel,
        "sites": sites,
        "services_in_scope": ["Managed hosting", "Service desk"],
        "other_party_processes": [{"process": "8.1", "party": "Data centre facilities provider", "kind": "external_supplier"}],
        "consultancy": [],
    })
}

/// An app with an admin, a client, and `standard`'s audit-time table confirmed by the admin.
pub(crate) async fn with_confirmed_table(standard: &str) -> (TestApp, User, User) {
    with_confirmed_table_for(standard, "Acme").await
}

/// An admin, a client organisation named `client` (its user `quality@acme.example`), and
/// the standard's audit-time table confirmed.
pub(crate) async fn with_confirmed_table_for(
    standard: &str,
    client: &str,
) -> (TestApp, User, User) {
    let app = spawn_app().await;
    let admin = app.staff(Role::Admin, "admin@cb.example").await;
    let acme = app.register_applicant("quality@acme.example", client).await;
    let confirmed = app
        .post(
            &format!("/api/v1/standards/{standard}/audit-time/confirm"),
            Some(&admin.token),
            &json!({}),
        )
        .await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.body);
    (app, admin, acme)
}

pub(crate) async fn step(app: &TestApp, user: &User, id: &str, action: &str) -> Response {
    app.post(
        &format!("/api/v1/applications/{id}/{action}"),
        Some(&user.token),
        &json!({}),
    )
    .await
}

async fn step_with(app: &TestApp, user: &User, id: &str, action: &str, message: &str) -> Response {
    app.post(
        &format!("/api/v1/applications/{id}/{action}"),
        Some(&user.token),
        &json!({"message": message}),
    )
    .await
}

pub(crate) async fn review(app: &TestApp, admin: &User, id: &str, body: Value) -> Response {
    app.request(
        "PUT",
        &format!("/api/v1/applications/{id}/review"),
        Some(&admin.token),
        Some(&body),
    )
    .await
}

pub(crate) fn review_body(adjustments: Value, threats_addressed: bool) -> Value {
    json!({"information_sufficient": true, "scope_clear": true, "competence_available": true,
        "threats_addressed": threats_addressed, "notes": "German-speaking team", "adjustments": adjustments})
}

async fn draft(app: &TestApp, applicant: &User, body: &Value) -> String {
    let created = app
        .post("/api/v1/applications", Some(&applicant.token), body)
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["state"], "draft");
    created.body["id"].as_str().unwrap().to_owned()
}

/// Draft → submitted → under review, ready for the review.
pub(crate) async fn under_review(
    app: &TestApp,
    applicant: &User,
    admin: &User,
    body: &Value,
) -> String {
    let id = draft(app, applicant, body).await;
    let submitted = step(app, applicant, &id, "submit").await;
    assert_eq!(submitted.body["state"], "submitted", "{}", submitted.body);
    assert_eq!(
        step(app, admin, &id, "start-review").await.body["state"],
        "under_review"
    );
    id
}

#[actix_rt::test]
async fn an_application_goes_from_draft_through_review_to_an_accepted_programme() {
    let app = spawn_app().await;
    let admin = app.staff(Role::Admin, "admin@cb.example").await;
    let acme = app
        .register_applicant("quality@acme.example", "Acme IT Services GmbH")
        .await;

    let standards = app.get("/api/v1/standards", Some(&acme.token)).await;
    let designations: Vec<&str> = standards
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["designation"].as_str().unwrap())
        .collect();
    assert!(
        designations.contains(&"ISO/IEC 20000-1:2018") && designations.contains(&"ISO 9001:2015"),
        "{designations:?}"
    );

    // Consultancy a year ago is a threat to impartiality the review must address.
    let mut body = application(SMS, 30, 3);
    let last_year = (chrono::Utc::now().date_naive() - chrono::Days::new(365)).to_string();
    body["consultancy"] = json!([{"provider": "ITSM Consult GmbH", "kind": "independent", "ended_on": last_year, "description": "SMS set-up"}]);
    let id = draft(&app, &acme, &body).await;
    body["scope_statement"] =
        json!("Managed hosting, service desk and backup services for business customers");
    let edited = app
        .request(
            "PUT",
            &format!("/api/v1/applications/{id}"),
            Some(&acme.token),
            Some(&body),
        )
        .await;
    assert_eq!(edited.status, 200, "{}", edited.body);
    assert!(edited.body["scope_statement"]
        .as_str()
        .unwrap()
        .contains("backup"));

    assert_eq!(
        step(&app, &acme, &id, "submit").await.body["state"],
        "submitted"
    );
    // The CB hears of the submission by mail, queued with the change.
    let outbox = app.get("/api/v1/admin/outbox", Some(&admin.token)).await;
    let mail = outbox.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["template"] == "application_state_changed")
        .cloned();
    let mail = mail.expect("submission mail queued");
    assert_eq!(mail["recipient"], "admin@cb.example");
    assert!(
        mail["subject"].as_str().unwrap().contains("submitted"),
        "{mail}"
    );

    assert_eq!(
        step(&app, &admin, &id, "start-review").await.body["state"],
        "under_review"
    );
    let refused = step(&app, &admin, &id, "accept").await;
    assert!(refused.assert_problem(409)["detail"]
        .as_str()
        .unwrap()
        .contains("no review has been recorded"));

    // 30 people → 4 days in the table; −10% justified → 3.6 → 3.5 days; floor 2.8 → 3.0.
    let adjustments =
        json!([{"percent": -10.0, "justification": "Mature, highly automated processes"}]);
    let recorded = review(&app, &admin, &id, review_body(adjustments.clone(), false)).await;
    assert_eq!(recorded.status, 200, "{}", recorded.body);
    let time = &recorded.body["audit_time"];
    assert_eq!(
        (
            time["table_initial_days"].as_f64(),
            time["initial_days"].as_f64(),
            time["minimum_initial_days"].as_f64()
        ),
        (Some(4.0), Some(3.5), Some(3.0))
    );
    assert_eq!(
        time["stage1_days"].as_f64().unwrap() + time["stage2_days"].as_f64().unwrap(),
        3.5
    );
    // Three sites: the central function plus ⌈√2⌉ = 2 others, i.e. all of them.
    assert_eq!(recorded.body["sample"]["size"], 3);
    let central = edited.body["sites"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["is_central"] == true)
        .unwrap()["id"]
        .clone();
    assert_eq!(recorded.body["sample"]["site_ids"][0], central);
    let threats = recorded.body["impartiality_threats"].as_array().unwrap();
    assert!(
        threats[0].as_str().unwrap().contains("ITSM Consult GmbH"),
        "{threats:?}"
    );
    let unconfirmed = "the standard's audit-time table has not been confirmed against its source \
                       (an admin confirms it in the catalogue)";
    assert_eq!(
        recorded.body["acceptance_blockers"],
        json!([
            "the impartiality threats have not been addressed",
            unconfirmed
        ])
    );
    let refused = step(&app, &admin, &id, "accept").await;
    assert!(refused.assert_problem(409)["detail"]
        .as_str()
        .unwrap()
        .contains("impartiality"));
    // The seeded ISO/IEC 20000-1 table is a placeholder until the CB confirms it against
    // ISO/IEC 20000-6: an admin does, once; the review shows the blocker gone.
    let confirm = format!("/api/v1/standards/{SMS}/audit-time/confirm");
    let confirmed = app.post(&confirm, Some(&admin.token), &json!({})).await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.body);
    assert_eq!(
        confirmed.body["audit_time_confirmed"]["by"],
        admin.id.as_str()
    );
    assert!(confirmed.body["audit_time_source"]
        .as_str()
        .unwrap()
        .contains("ISO/IEC 20000-6"));
    app.post(&confirm, Some(&admin.token), &json!({}))
        .await
        .assert_problem(409);
    app.post(&confirm, Some(&acme.token), &json!({}))
        .await
        .assert_problem(403);
    assert_eq!(
        app.get(
            &format!("/api/v1/applications/{id}/review"),
            Some(&admin.token)
        )
        .await
        .body["acceptance_blockers"],
        json!(["the impartiality threats have not been addressed"])
    );

    // More information, an edit, resubmission, a second review with the threat addressed.
    let returned = step_with(
        &app,
        &admin,
        &id,
        "request-information",
        "Please list the outsourced processes in detail.",
    )
    .await;
    assert_eq!(returned.body["state"], "information_requested");
    let seen = app
        .get(&format!("/api/v1/applications/{id}"), Some(&acme.token))
        .await;
    assert_eq!(
        seen.body["state_note"],
        "Please list the outsourced processes in detail."
    );
    body["other_party_processes"] = json!([
        {"process": "8.1", "party": "Data centre facilities (Equinix FR5)", "kind": "external_supplier"},
        {"process": "8.1", "party": "Group service desk", "kind": "internal_supplier"}
    ]);
    assert_eq!(
        app.request(
            "PUT",
            &format!("/api/v1/applications/{id}"),
            Some(&acme.token),
            Some(&body)
        )
        .await
        .status,
        200
    );
    assert_eq!(
        step(&app, &acme, &id, "submit").await.body["state"],
        "submitted"
    );
    assert_eq!(
        step(&app, &admin, &id, "start-review").await.body["state"],
        "under_review"
    );
    // The edit discarded the old review: the changed content must be reviewed again.
    let stale = step(&app, &admin, &id, "accept").await;
    assert!(stale.assert_problem(409)["detail"]
        .as_str()
        .unwrap()
        .contains("no review has been recorded"));
    // Only admins review.
    let auditor = app.staff(Role::Auditor, "auditor@cb.example").await;
    review(&app, &auditor, &id, review_body(adjustments.clone(), true))
        .await
        .assert_problem(403);
    assert_eq!(
        review(&app, &admin, &id, review_body(adjustments, true))
            .await
            .body["acceptance_blockers"],
        json!([])
    );
    let accepted = step(&app, &admin, &id, "accept").await;
    assert_eq!(accepted.body["state"], "accepted", "{}", accepted.body);
    step(&app, &admin, &id, "accept").await.assert_problem(409);

    // The programme: stage 1 and 2 from the review, surveillance provisional until the decision.
    let programme = app
        .get(
            &format!("/api/v1/applications/{id}/programme"),
            Some(&acme.token),
        )
        .await;
    assert_eq!(programme.status, 200, "{}", programme.body);
    let audits = programme.body["audits"].as_array().unwrap();
    let kinds: Vec<&str> = audits.iter().map(|a| a["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "stage1",
            "stage2",
            "surveillance1",
            "surveillance2",
            "recertification"
        ]
    );
    assert_eq!(
        audits[0]["planned_days"].as_f64().unwrap() + audits[1]["planned_days"].as_f64().unwrap(),
        3.5
    );
    assert_eq!(
        (
            audits[0]["provisional"].as_bool(),
            audits[2]["provisional"].as_bool()
        ),
        (Some(false), Some(true))
    );
    assert!(audits[2]["window_start"].as_str() < audits[2]["window_end"].as_str());
    assert_eq!(programme.body["decision_date"], Value::Null);

    // The client sees neither the CB's internal review nor its events; the CB sees everything.
    app.get(
        &format!("/api/v1/applications/{id}/review"),
        Some(&acme.token),
    )
    .await
    .assert_problem(403);
    let trail_path = format!("/api/v1/audit-events?entity_type=application&entity_id={id}");
    let actions = |events: Response| -> Vec<String> {
        events.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        actions(app.get(&trail_path, Some(&acme.token)).await),
        [
            "drafted",
            "edited",
            "submitted",
            "review_started",
            "information_requested",
            "edited",
            "submitted",
            "review_started",
            "accepted",
        ]
    );
    assert_eq!(
        actions(app.get(&trail_path, Some(&admin.token)).await),
        [
            "drafted",
            "edited",
            "submitted",
            "review_started",
            "reviewed",
            "information_requested",
            "edited",
            "submitted",
            "review_started",
            "reviewed",
            "accepted",
        ]
    );
    // The applicant was told of each of the CB's steps.
    let to_client = app
        .get("/api/v1/admin/outbox?limit=200", Some(&admin.token))
        .await;
    let client_mails = to_client.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| {
            m["recipient"] == "quality@acme.example" && m["template"] == "application_state_changed"
        })
        .count();
    assert_eq!(
        client_mails, 4,
        "review started ×2, information requested, accepted"
    );
}

#[actix_rt::test]
async fn illegal_transitions_and_other_organisations_are_refused() {
    let app = spawn_app().await;
    let admin = app.staff(Role::Admin, "admin@cb.example").await;
    let auditor = app.staff(Role::Auditor, "auditor@cb.example").await;
    let acme = app.register_applicant("quality@acme.example", "Acme").await;
    let globex = app.register_applicant("iso@globex.example", "Globex").await;
    let id = draft(&app, &acme, &application(QMS, 20, 1)).await;

    // Another organisation cannot tell the application exists.
    let path = format!("/api/v1/applications/{id}");
    app.get(&path, Some(&globex.token))
        .await
        .assert_problem(404);
    app.request(
        "PUT",
        &path,
        Some(&globex.token),
        Some(&application(QMS, 20, 1)),
    )
    .await
    .assert_problem(404);
    step(&app, &globex, &id, "submit").await.assert_problem(404);
    step_with(&app, &globex, &id, "withdraw", "not ours")
        .await
        .assert_problem(404);
    app.get(&format!("{path}/programme"), Some(&globex.token))
        .await
        .assert_problem(404);
    assert_eq!(
        app.get("/api/v1/applications", Some(&globex.token))
            .await
            .body["total"],
        0
    );
    let foreign = app
        .get(
            &format!(
                "/api/v1/applications?organisation_id={}",
                acme.organisation_id.clone().unwrap()
            ),
            Some(&globex.token),
        )
        .await;
    assert_eq!(
        foreign.body["total"], 0,
        "a client's filter cannot reach another organisation"
    );
    assert_eq!(
        app.get("/api/v1/applications", Some(&acme.token))
            .await
            .body["total"],
        1
    );

    // Each side takes only its own steps.
    step(&app, &acme, &id, "start-review")
        .await
        .assert_problem(403);
    step(&app, &admin, &id, "submit").await.assert_problem(403);
    app.get("/api/v1/applications", Some(&auditor.token))
        .await
        .assert_problem(403);

    // From draft only submit and withdraw are possible.
    step(&app, &admin, &id, "start-review")
        .await
        .assert_problem(409);
    step(&app, &admin, &id, "accept").await.assert_problem(409);
    step_with(&app, &admin, &id, "reject", "no")
        .await
        .assert_problem(409);
    step_with(&app, &admin, &id, "request-information", "more")
        .await
        .assert_problem(409);
    review(&app, &admin, &id, review_body(json!([]), true))
        .await
        .assert_problem(409);
    assert_eq!(
        step(&app, &acme, &id, "submit").await.body["state"],
        "submitted"
    );
    // Submitted: no editing, no second submission, no decision before review.
    step(&app, &acme, &id, "submit").await.assert_problem(409);
    app.request(
        "PUT",
        &path,
        Some(&acme.token),
        Some(&application(QMS, 20, 1)),
    )
    .await
    .assert_problem(409);
    step(&app, &admin, &id, "accept").await.assert_problem(409);
    assert_eq!(
        step(&app, &admin, &id, "start-review").await.body["state"],
        "under_review"
    );
    assert_eq!(
        step_with(&app, &admin, &id, "reject", "")
            .await
            .invalid_fields(),
        ["message"]
    );
    let withdrawn = step_with(
        &app,
        &acme,
        &id,
        "withdraw",
        "We chose another certification body.",
    )
    .await;
    assert_eq!(withdrawn.body["state"], "withdrawn");
    // Withdrawn is final.
    for action in ["submit", "start-review", "accept"] {
        step(
            &app,
            if action == "submit" { &acme } else { &admin },
            &id,
            action,
        )
        .await
        .assert_problem(409);
    }
    step_with(&app, &acme, &id, "withdraw", "again")
        .await
        .assert_problem(409);

    // Rejection is final too, and a rejected application has no programme.
    let other = under_review(&app, &acme, &admin, &application(QMS, 20, 1)).await;
    assert_eq!(
        step_with(
            &app,
            &admin,
            &other,
            "reject",
            "Outside our accreditation scope"
        )
        .await
        .body["state"],
        "rejected"
    );
    step(&app, &acme, &other, "submit")
        .await
        .assert_problem(409);
    app.get(
        &format!("/api/v1/applications/{other}/programme"),
        Some(&acme.token),
    )
    .await
    .assert_problem(404);

    // Admin filters.
    let withdrawn = app
        .get("/api/v1/applications?state=withdrawn", Some(&admin.token))
        .await;
    assert_eq!(withdrawn.body["total"], 1);
    assert_eq!(
        app.get(
            &format!("/api/v1/applications?standard_id={SMS}"),
            Some(&admin.token)
        )
        .await
        .body["total"],
        0
    );
    let today = chrono::Utc::now().date_naive();
    let dated = app
        .get(
            &format!("/api/v1/applications?created_from={today}&created_to={today}"),
            Some(&admin.token),
        )
        .await;
    assert_eq!(dated.body["total"], 2);
    let backwards = app
        .get(
            &format!("/api/v1/applications?created_from={today}&created_to=2020-01-01"),
            Some(&admin.token),
        )
        .await;
    assert_eq!(backwards.invalid_fields(), ["created_from"]);
}

#[actix_rt::test]
async fn invalid_applications_name_every_bad_field() {
    let app = spawn_app().await;
    let acme = app.register_applicant("quality@acme.example", "Acme").await;
    let mut body = application(SMS, 0, 2);
    body["sites"][0]["is_central"] = json!(false);
    body["sites"][1]["country"] = json!("Germany");
    body["services_in_scope"] = json!([]);
    body["consultancy"] =
        json!([{"provider": "", "kind": "cb_personnel", "ended_on": "2999-01-01"}]);
    body["sector_codes"] = json!([33, 40]);
    body["current_certification"] = json!({"certification_body": "Other CB", "certificate_number": "X-1", "expires_on": "2020-01-01"});
    let fields = app
        .post("/api/v1/applications", Some(&acme.token), &body)
        .await
        .invalid_fields();
    assert_eq!(
        fields,
        [
            "total_personnel",
            "sector_codes",
            "sites",
            "sites[1].country",
            "services_in_scope",
            "consultancy[0].provider",
            "consultancy[0].ended_on",
            "consultancy[0].person",
            "current_certification.expires_on"
        ]
    );
    let mut unknown = application("std-no-such", 10, 1);
    unknown["scope_statement"] = json!(" ");
    assert_eq!(
        app.post("/api/v1/applications", Some(&acme.token), &unknown)
            .await
            .invalid_fields(),
        ["standard_id", "scope_statement"]
    );
    // Services in scope are required for ISO/IEC 20000-1 only.
    let mut quality = application(QMS, 10, 1);
    quality["services_in_scope"] = json!([]);
    assert_eq!(
        app.post("/api/v1/applications", Some(&acme.token), &quality)
            .await
            .status,
        201
    );
    let admin = app.staff(Role::Admin, "admin@cb.example").await;
    app.post("/api/v1/applications", Some(&admin.token), &quality)
        .await
        .assert_problem(403);
}

#[actix_rt::test]
async fn audit_time_and_sampling_follow_the_catalogue_at_its_boundaries() {
    let app = spawn_app().await;
    let admin = app.staff(Role::Admin, "admin@cb.example").await;
    let acme = app.register_applicant("quality@acme.example", "Acme").await;
    let days = |response: &Response| response.body["audit_time"]["initial_days"].as_f64();

    // ISO 9001 table: 16–25 people 3 days, 26–45 people 4 days.
    // Sample: the central function + ⌈√(n−1)⌉ of the other sites.
    for (personnel, sites, expected_days, expected_sample) in [
        (25, 4, 3.0, 3),
        (26, 5, 4.0, 3),
        (1, 1, 1.5, 1),
        (9000, 17, 22.0, 5),
        (30, 18, 4.0, 6),
    ] {
        let id = under_review(&app, &acme, &admin, &application(QMS, personnel, sites)).await;
        let recorded = review(&app, &admin, &id, review_body(json!([]), true)).await;
        assert_eq!(days(&recorded), Some(expected_days), "{personnel} people");
        assert_eq!(
            recorded.body["sample"]["size"], expected_sample,
            "{sites} sites"
        );
        assert_eq!(
            recorded.body["sample"]["site_ids"]
                .as_array()
                .unwrap()
                .len(),
            expected_sample
        );
    }

    // The floor: 30% under the table's 3 days is 2.1, planned as 2.5; 31% is refused.
    let id = under_review(&app, &acme, &admin, &application(QMS, 20, 1)).await;
    let cut =
        |percent: f64| json!([{"percent": percent, "justification": "Low-risk office processes"}]);
    let floor = review(&app, &admin, &id, review_body(cut(-30.0), true)).await;
    assert_eq!(days(&floor), Some(2.5));
    let time = &floor.body["audit_time"];
    assert_eq!(
        (
            time["surveillance_days"].as_f64(),
            time["recertification_days"].as_f64()
        ),
        (Some(1.0), Some(1.5))
    );
    assert_eq!(
        review(&app, &admin, &id, review_body(cut(-31.0), true))
            .await
            .invalid_fields(),
        ["adjustments"]
    );
    let unjustified = json!([{"percent": 10.0, "justification": " "}]);
    assert_eq!(
        review(&app, &admin, &id, review_body(unjustified, true))
            .await
            .invalid_fields(),
        ["adjustments[0].justification"]
    );

    // An admin edits the table; the next review uses it. Broken tables are refused.
    let gap = json!({"max_reduction_percent": 30, "source": "our own table", "bands": [
        {"min_personnel": 1, "max_personnel": 10, "initial_days": 2, "surveillance_days": 1, "recertification_days": 1.5},
        {"min_personnel": 12, "max_personnel": 100, "initial_days": 5, "surveillance_days": 2, "recertification_days": 3.5}]});
    let table_path = format!("/api/v1/standards/{QMS}/audit-time");
    let refused = app
        .request("PUT", &table_path, Some(&admin.token), Some(&gap))
        .await;
    assert_eq!(refused.invalid_fields(), ["bands"]);
    let table = json!({"max_reduction_percent": 20, "source": "our own table", "bands": [
        {"min_personnel": 1, "max_personnel": 10, "initial_days": 2, "surveillance_days": 1, "recertification_days": 1.5},
        {"min_personnel": 11, "max_personnel": 100, "initial_days": 5, "surveillance_days": 2, "recertification_days": 3.5}]});
    assert_eq!(
        app.request("PUT", &table_path, Some(&admin.token), Some(&table))
            .await
            .status,
        200
    );
    assert_eq!(
        days(&review(&app, &admin, &id, review_body(json!([]), true)).await),
        Some(5.0)
    );
    assert_eq!(
        review(&app, &admin, &id, review_body(cut(-25.0), true))
            .await
            .invalid_fields(),
        ["adjustments"]
    );
    app.request(
        "PUT",
        &format!("/api/v1/standards/{QMS}/audit-time"),
        Some(&acme.token),
        Some(&table),
    )
    .await
    .assert_problem(403);
}

#[actix_rt::test]
async fn admins_keep_the_standards_catalogue() {
    let app = spawn_app().await;
    let admin = app.staff(Role::Admin, "admin@cb.example").await;
    let acme = app.register_applicant("quality@acme.example", "Acme").await;

    let sms = app
        .get(&format!("/api/v1/standards/{SMS}"), Some(&acme.token))
        .await;
    assert_eq!(sms.body["designation"], "ISO/IEC 20000-1:2018");
    let clauses: Vec<&str> = sms.body["clauses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["clause"].as_str().unwrap())
        .collect();
    for expected in [
        "4", "8", "8.1", "8.2", "8.3", "8.4", "8.5", "8.6", "8.7", "9.4", "10.2",
    ] {
        assert!(clauses.contains(&expected), "clause {expected} missing");
    }
    // Every table ends where its source does (IAF MD 5's last row is 8501-10700 people).
    assert_eq!(
        sms.body["audit_time"].as_array().unwrap().last().unwrap()["max_personnel"],
        10700
    );
    assert!(sms.body["audit_time_confirmed"].is_null());

    let new_standard = json!({"code": "ISO 22301", "edition": "2019", "title": "Business continuity management systems",
        "clauses": [{"clause": "4", "title": "Context"}, {"clause": "8.4", "title": "Business continuity plans"}],
        "audit_time": [{"min_personnel": 1, "max_personnel": 5000, "initial_days": 3, "surveillance_days": 1, "recertification_days": 2}],
        "audit_time_source": "ISO 22301 audit-time chart of our scheme, edition 2024"});
    app.post("/api/v1/standards", Some(&acme.token), &new_standard)
        .await
        .assert_problem(403);
    let created = app
        .post("/api/v1/standards", Some(&admin.token), &new_standard)
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(
        (
            created.body["designation"].as_str(),
            created.body["max_reduction_percent"].as_f64()
        ),
        (Some("ISO 22301:2019"), Some(30.0))
    );
    app.post("/api/v1/standards", Some(&admin.token), &new_standard)
        .await
        .assert_problem(409);

    let bad = json!({"clauses": [{"clause": "4", "title": "Context"}, {"clause": "8..4", "title": "Plans"}, {"clause": "4", "title": "Again"}]});
    let id = created.body["id"].as_str().unwrap();
    let refused = app
        .request(
            "PUT",
            &format!("/api/v1/standards/{id}/clauses"),
            Some(&admin.token),
            Some(&bad),
        )
        .await;
    assert_eq!(
        refused.invalid_fields(),
        ["clauses[1].clause", "clauses[2].clause"]
    );
    let events = app
        .get(
            &format!("/api/v1/audit-events?entity_type=standard&entity_id={id}"),
            Some(&admin.token),
        )
        .await;
    assert_eq!(events.body["items"][0]["action"], "created");
    app.get("/api/v1/standards/std-unknown", Some(&acme.token))
        .await
        .assert_problem(404);
}

#[actix_rt::test]
async fn ongoing_consultancy_transfers_and_site_scopes_are_recorded() {
    let app = spawn_app().await;
    let admin = app.staff(Role::Admin, "admin@cb.example").await;
    let acme = app.register_applicant("quality@acme.example", "Acme").await;
    let mut body = application(SMS, 40, 2);
    body["consultancy"] = json!([{"provider": "Still Consulting Ltd", "kind": "independent"}]);
    body["sector_codes"] = json!([33]);
    body["sites"][1]["scope"] = json!("Data centre operations only");
    let next_year = (chrono::Utc::now().date_naive() + chrono::Days::new(365)).to_string();
    body["current_certification"] = json!({"certification_body": "Other CB", "certificate_number": "OC-2024-17", "expires_on": next_year});
    let id = under_review(&app, &acme, &admin, &body).await;
    let seen = app
        .get(&format!("/api/v1/applications/{id}"), Some(&acme.token))
        .await;
    assert_eq!(seen.body["sector_codes"], json!([33]));
    assert_eq!(
        seen.body["sites"][1]["scope"],
        "Data centre operations only"
    );
    assert_eq!(
        seen.body["current_certification"]["certificate_number"],
        "OC-2024-17"
    );
    let recorded = review(&app, &admin, &id, review_body(json!([]), false)).await;
    assert_eq!(
        recorded.body["impartiality_threats"],
        json!(["management-system consultancy by Still Consulting Ltd is ongoing"])
    );
    // Returned for information, the applicant may still withdraw.
    step_with(
        &app,
        &admin,
        &id,
        "request-information",
        "Who at Still Consulting advises you?",
    )
    .await;
    assert_eq!(
        step_with(
            &app,
            &acme,
            &id,
            "withdraw",
            "We will apply after the consultancy ends."
        )
        .await
        .body["state"],
        "withdrawn"
    );
    let bad_dates = app
        .get(
            "/api/v1/applications?created_from=%2B200000-01-01",
            Some(&admin.token),
        )
        .await;
    assert!(matches!(bad_dates.status, 400 | 422), "{}", bad_dates.body);
}

/// The hot read path prepares its statements once per connection, through the two-backend
/// connection: reading the same application again prepares nothing new.
#[actix_rt::test]
async fn reading_an_application_again_reuses_its_prepared_statements() {
    use std::sync::{Arc, Mutex};

    use certbody::accounts::{OrganisationId, UserId};
    use certbody::applications::{service, ApplicationId};
    use certbody::auth::Caller;
    use diesel::connection::{Connection, InstrumentationEvent};

    let app = spawn_app().await;
    let applicant = app.register_applicant("reader@acme.example", "Acme").await;
    let id = draft(&app, &applicant, &application(SMS, 60, 3)).await;
    let caller = Caller {
        user_id: UserId::from_text(applicant.id.as_str()),
        role: Role::Applicant,
        organisation_id: applicant
            .organisation_id
            .as_deref()
            .map(OrganisationId::from_text),
        request_id: None,
    };
    let (queries, prepared) = app
        .db
        .run(move |conn| {
            let events = Arc::new(Mutex::new((0, 0)));
            let seen = events.clone();
            conn.set_instrumentation(move |event: InstrumentationEvent<'_>| {
                let mut seen = seen.lock().unwrap();
                match event {
                    InstrumentationEvent::StartQuery { .. } => seen.0 += 1,
                    InstrumentationEvent::CacheQuery { .. } => seen.1 += 1,
                    _ => {}
                }
            });
            let id = ApplicationId::from_text(id);
            let mut counts = Vec::new();
            for _ in 0..3 {
                let view = service::get(conn, &caller, &id)?;
                assert_eq!(view.sites.len(), 3);
                counts.push(*events.lock().unwrap());
            }
            Ok(counts)
        })
        .await
        .unwrap()
        .into_iter()
        .fold(
            (Vec::new(), Vec::new()),
            |(mut q, mut p), (queries, prepared)| {
                q.push(queries);
                p.push(prepared);
                (q, p)
            },
        );
    assert!(
        queries[0] >= 2 && queries[2] == 3 * queries[0],
        "{queries:?}"
    );
    assert!(
        prepared[0] >= 2,
        "the first read prepares and caches its statements"
    );
    assert_eq!(
        prepared[2], prepared[0],
        "later reads prepare nothing: {prepared:?}"
    );
}

/// Stored JSON is read tolerantly (a row written by an older version, with a field since
/// dropped and an optional one missing, still loads), while a stored value of the wrong shape
/// is an error at load, never silently defaulted. (Unknown states cannot even be stored: the
/// columns carry CHECK constraints.)
#[actix_rt::test]
async fn rows_in_an_older_shape_load_and_malformed_values_are_errors() {
    let app = spawn_app().await;
    let applicant = app.register_applicant("old@acme.example", "Acme").await;
    let id = draft(&app, &applicant, &application(SMS, 60, 3)).await;
    let older = format!(
        "UPDATE applications SET \
           consultancy = '[{{\"provider\": \"Old Co\", \"ended_on\": \"2025-01-31\", \"fee_eur\": 1200}}]', \
           current_certification = '{{\"certification_body\": \"Other CB\", \"certificate_number\": \"X-1\", \
             \"expires_on\": \"2030-01-01\", \"accreditation\": \"UKAS\"}}' \
         WHERE id = '{id}'"
    );
    let read = rewrite_and_read(&app, &applicant, &id, older).await;
    assert_eq!(read.status, 200, "{}", read.body);
    assert_eq!(read.body["consultancy"][0]["provider"], "Old Co");
    assert_eq!(read.body["consultancy"][0]["description"], Value::Null);
    assert!(read.body["consultancy"][0].get("fee_eur").is_none());
    assert_eq!(
        read.body["current_certification"]["certificate_number"],
        "X-1"
    );

    let corrupt = format!(
        "UPDATE applications SET sector_codes = '{{\"approved-ish\": 1}}' WHERE id = '{id}'"
    );
    let read = rewrite_and_read(&app, &applicant, &id, corrupt).await;
    read.assert_problem(500);
    assert!(
        !read.body.to_string().contains("approved-ish"),
        "internals stay in the log"
    );
}

/// Changes the stored row behind the service's back, then reads it through the API.
async fn rewrite_and_read(app: &TestApp, applicant: &User, id: &str, sql: String) -> Response {
    use diesel::connection::SimpleConnection;
    app.db
        .run(move |conn| Ok(conn.batch_execute(&sql)?))
        .await
        .unwrap();
    app.get(
        &format!("/api/v1/applications/{id}"),
        Some(&applicant.token),
    )
    .await
}

/// IAF MD 5 to the letter: reductions are capped on their own sum (an increase does not make
/// room for a bigger cut), no table is open-ended, and beyond the last band the reviewer
/// enters the days — justified, never fewer than the last band's.
#[actix_rt::test]
async fn audit_time_caps_the_sum_of_reductions_and_needs_entered_days_beyond_the_table() {
    let app = spawn_app().await;
    let admin = app.staff(Role::Admin, "admin@cb.example").await;
    let acme = app.register_applicant("quality@acme.example", "Acme").await;

    // 40 % off offset by 20 % on top is refused; the reductions alone may reach 30 %.
    let id = under_review(&app, &acme, &admin, &application(QMS, 60, 2)).await;
    let offset = json!([{"percent": -40, "justification": "mature processes"},
        {"percent": 20, "justification": "complex sites"}]);
    assert_eq!(
        review(&app, &admin, &id, review_body(offset, true))
            .await
            .invalid_fields(),
        ["adjustments"]
    );
    let within = json!([{"percent": -20, "justification": "mature processes"},
        {"percent": -10, "justification": "low risk"}, {"percent": 15, "justification": "complex sites"}]);
    assert_eq!(
        review(&app, &admin, &id, review_body(within, true))
            .await
            .status,
        200
    );
    // No table may allow more than 30 %, or leave its last band open.
    let table = |reduction: f64, last_max: Value| {
        json!({"max_reduction_percent": reduction, "source": "IAF MD 5:2019 Table QMS 1",
        "bands": [{"min_personnel": 1, "max_personnel": 10, "initial_days": 2, "surveillance_days": 1, "recertification_days": 1.5},
            {"min_personnel": 11, "max_personnel": last_max, "initial_days": 5, "surveillance_days": 2, "recertification_days": 3.5}]})
    };
    let path = format!("/api/v1/standards/{QMS}/audit-time");
    let refused = app
        .request(
            "PUT",
            &path,
            Some(&admin.token),
            Some(&table(40.0, json!(100))),
        )
        .await;
    assert_eq!(refused.invalid_fields(), ["max_reduction_percent"]);
    let refused = app
        .request(
            "PUT",
            &path,
            Some(&admin.token),
            Some(&table(30.0, Value::Null)),
        )
        .await;
    assert_eq!(refused.invalid_fields(), ["bands"]);

    // 40,000 people: the seeded table ends at 10,700 (22 days), so the reviewer enters days.
    let big = under_review(&app, &acme, &admin, &application(QMS, 40_000, 2)).await;
    let with_beyond = |beyond: Value| {
        let mut body = review_body(json!([]), true);
        body["beyond_table"] = beyond;
        body
    };
    let missing = review(&app, &admin, &big, review_body(json!([]), true)).await;
    assert_eq!(missing.invalid_fields(), ["beyond_table"]);
    assert!(missing.body["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("10700"));
    let too_few = with_beyond(json!({"initial_days": 15, "justification": "progression"}));
    assert_eq!(
        review(&app, &admin, &big, too_few).await.invalid_fields(),
        ["beyond_table"]
    );
    let unjustified = with_beyond(json!({"initial_days": 30, "justification": " "}));
    assert_eq!(
        review(&app, &admin, &big, unjustified)
            .await
            .invalid_fields(),
        ["beyond_table.justification"]
    );
    let entered = with_beyond(
        json!({"initial_days": 30, "justification": "MD 5 progression: +2 days per 2,500 people"}),
    );
    let recorded = review(&app, &admin, &big, entered).await;
    assert_eq!(recorded.status, 200, "{}", recorded.body);
    let time = &recorded.body["audit_time"];
    assert_eq!(
        (
            time["table_initial_days"].as_f64(),
            time["surveillance_days"].as_f64(),
            time["recertification_days"].as_f64()
        ),
        (Some(30.0), Some(10.0), Some(20.0))
    );
    assert_eq!(recorded.body["beyond_table"]["initial_days"], 30.0);
    // Inside the table, entered days are refused rather than silently ignored.
    let inside = with_beyond(json!({"initial_days": 30, "justification": "why not"}));
    assert_eq!(
        review(&app, &admin, &id, inside).await.invalid_fields(),
        ["beyond_table"]
    );
}

/// An applicant who edits a transfer into an initial certification clears the certificate
/// held elsewhere: the stored row, not only the audit trail, loses it.
#[actix_rt::test]
async fn removing_an_optional_field_in_an_edit_clears_it() {
    let app = spawn_app().await;
    let acme = app.register_applicant("quality@acme.example", "Acme").await;
    let mut body = application(SMS, 40, 1);
    let next_year = (chrono::Utc::now().date_naive() + chrono::Days::new(365)).to_string();
    body["current_certification"] = json!({"certification_body": "Other CB",
        "certificate_number": "OC-1", "expires_on": next_year});
    let id = draft(&app, &acme, &body).await;
    body["current_certification"] = Value::Null;
    let edited = app
        .request(
            "PUT",
            &format!("/api/v1/applications/{id}"),
            Some(&acme.token),
            Some(&body),
        )
        .await;
    assert_eq!(edited.status, 200, "{}", edited.body);
    let read = app
        .get(&format!("/api/v1/applications/{id}"), Some(&acme.token))
        .await;
    assert!(
        read.body["current_certification"].is_null(),
        "{}",
        read.body
    );
}

/// ISO/IEC 17021-1 5.2: who gave the consultancy decides what it means. A body related to
/// the CB blocks certification for two years (5.2.7), whatever the review says; a person now
/// on the CB's staff is a threat to address (kept off the team, 5.2.10).
#[actix_rt::test]
async fn consultancy_by_a_related_body_blocks_acceptance_and_by_cb_staff_is_a_threat() {
    let (app, admin, acme) = with_confirmed_table(QMS).await;
    let last_year = (chrono::Utc::now().date_naive() - chrono::Days::new(365)).to_string();
    let mut body = application(QMS, 30, 1);
    body["consultancy"] = json!([
        {"provider": "CB Consulting Services GmbH", "kind": "related_body", "ended_on": last_year},
        {"provider": "Freelance", "kind": "cb_personnel", "person": "Jo Lead", "ended_on": last_year}]);
    let id = under_review(&app, &acme, &admin, &body).await;
    let recorded = review(&app, &admin, &id, review_body(json!([]), true)).await;
    assert_eq!(recorded.status, 200, "{}", recorded.body);
    let threats = recorded.body["impartiality_threats"].as_array().unwrap();
    assert_eq!(threats.len(), 1, "{threats:?}");
    assert!(threats[0].as_str().unwrap().contains("Jo Lead"));
    let blockers = recorded.body["acceptance_blockers"].as_array().unwrap();
    assert_eq!(blockers.len(), 1, "{blockers:?}");
    assert!(blockers[0].as_str().unwrap().contains("5.2.7"));
    let refused = step(&app, &admin, &id, "accept").await;
    assert!(refused.assert_problem(409)["detail"]
        .as_str()
        .unwrap()
        .contains("CB Consulting Services GmbH"));

    // Naming a person is for cb_personnel only, and required there.
    let mut body = application(QMS, 30, 1);
    body["consultancy"] = json!([
        {"provider": "Freelance", "kind": "cb_personnel", "ended_on": last_year},
        {"provider": "Other Co", "kind": "independent", "person": "Someone", "ended_on": last_year}]);
    let refused = app
        .post("/api/v1/applications", Some(&acme.token), &body)
        .await;
    assert_eq!(
        refused.invalid_fields(),
        ["consultancy[0].person", "consultancy[1].person"]
    );
}

/// IAF MD 1:2018 per audit of the programme: the central function every time, ⌈√x⌉ of the
/// x other sites at stage 2, ⌈0.6·√x⌉ at surveillance, ⌈0.8·√x⌉ at recertification, a quarter
/// of each drawn at random (seed recorded), and surveillance visiting sites not seen yet.
#[actix_rt::test]
async fn the_programme_samples_each_audit_of_a_multi_site_organisation() {
    let (app, admin, acme) = with_confirmed_table(QMS).await;
    let id = under_review(&app, &acme, &admin, &application(QMS, 400, 17)).await;
    // The review scores three small sites as high risk; they lead the non-random part.
    let sites = app
        .get(&format!("/api/v1/applications/{id}"), Some(&acme.token))
        .await
        .body["sites"]
        .as_array()
        .unwrap()
        .clone();
    let risky: Vec<String> = sites[1..4]
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect();
    let mut body = review_body(json!([]), true);
    body["site_risks"] = json!([{"site_id": "nope", "score": 9, "reason": ""}]);
    assert_eq!(
        review(&app, &admin, &id, body.clone())
            .await
            .invalid_fields(),
        [
            "site_risks[0].site_id",
            "site_risks[0].score",
            "site_risks[0].reason"
        ]
    );
    body["site_risks"] = json!(risky
        .iter()
        .map(|site| json!({"site_id": site, "score": 5, "reason": "hazardous chemicals stored"}))
        .collect::<Vec<_>>());
    let recorded = review(&app, &admin, &id, body).await;
    assert_eq!(recorded.status, 200, "{}", recorded.body);
    assert_eq!(recorded.body["site_risks"].as_array().unwrap().len(), 3);
    let shown = app
        .get(&format!("/api/v1/applications/{id}"), Some(&acme.token))
        .await;
    assert!(
        shown.body["sites"][1].get("risk_score").is_none(),
        "risk stays internal"
    );
    assert_eq!(step(&app, &admin, &id, "accept").await.status, 200);
    let programme = app
        .get(
            &format!("/api/v1/applications/{id}/programme"),
            Some(&acme.token),
        )
        .await;
    assert_eq!(programme.status, 200, "{}", programme.body);
    assert!(programme.body["sample_seed"].is_i64());
    assert_eq!(programme.body["cycle"], 1);
    let audits = programme.body["audits"].as_array().unwrap();
    let expires = programme.body["certificate_expires_on"].as_str().unwrap();
    assert!(
        audits[4]["window_end"].as_str().unwrap() < expires,
        "recertification before expiry"
    );
    let sample = |i: usize| -> (Vec<String>, Vec<String>) {
        let ids = |key: &str| {
            audits[i]["sample"][key]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        };
        (ids("site_ids"), ids("random_site_ids"))
    };
    // 16 sites besides the central one: stage 1 at the central function, then 4, 3, 3, 4.
    let sizes: Vec<(usize, usize)> = (0..5)
        .map(|i| {
            let (all, random) = sample(i);
            (all.len(), random.len())
        })
        .collect();
    assert_eq!(sizes, [(1, 0), (5, 1), (4, 1), (4, 1), (5, 1)]);
    // The client sees the quote it agrees to (IAF MD 5: audit time and its justification) and
    // agrees (17021-1 5.1.2): once, and only the client's own users.
    assert_eq!(programme.body["state"], "proposed");
    assert!(
        programme.body["quote"]["audit_time"]["initial_days"]
            .as_f64()
            .unwrap()
            > 0.0
    );
    assert!(
        programme.body["quote"].get("notes").is_none(),
        "internal review notes stay internal"
    );
    let agree = format!("/api/v1/applications/{id}/programme/agree");
    app.post(&agree, Some(&admin.token), &json!({}))
        .await
        .assert_problem(403);
    let globex = app.register_applicant("iso@globex.example", "Globex").await;
    app.post(&agree, Some(&globex.token), &json!({}))
        .await
        .assert_problem(404);
    let agreed = app.post(&agree, Some(&acme.token), &json!({})).await;
    assert_eq!(agreed.status, 200, "{}", agreed.body);
    assert_eq!(
        (
            agreed.body["state"].as_str(),
            agreed.body["agreed_by"].as_str()
        ),
        (Some("agreed"), Some(acme.id.as_str()))
    );
    app.post(&agree, Some(&acme.token), &json!({}))
        .await
        .assert_problem(409);
    let stage2 = sample(1).0;
    assert!(
        risky.iter().all(|site| stage2.contains(site)),
        "high-risk sites first"
    );
    let central = sample(0).0[0].clone();
    let mut seen = std::collections::HashSet::new();
    for i in 1..4 {
        let (all, random) = sample(i);
        assert_eq!(all[0], central);
        assert!(random.iter().all(|id| all.contains(id)));
        for site in &all[1..] {
            assert!(
                seen.insert(site.clone()),
                "stage 2 and surveillance visit new sites"
            );
        }
    }
}

/// ISO/IEC 20000-1:2018 8.2.3 and 1.2: other-party processes are structured and checked
/// against the clause tree; a scope whose every service other parties provide cannot be
/// certified, and every service must be named in the scope statement.
#[actix_rt::test]
async fn an_sms_scope_run_entirely_by_other_parties_cannot_be_accepted() {
    let (app, admin, acme) = with_confirmed_table(SMS).await;

    let mut bad = application(SMS, 40, 2);
    bad["services_by_other_parties"] = json!(["Printing"]);
    bad["other_party_processes"] = json!([
        {"process": "8.99", "party": "Somebody", "kind": "external_supplier"},
        {"process": "8.7.1", "party": " ", "kind": "customer_as_supplier"}]);
    assert_eq!(
        app.post("/api/v1/applications", Some(&acme.token), &bad)
            .await
            .invalid_fields(),
        [
            "services_by_other_parties[0]",
            "other_party_processes[0].process",
            "other_party_processes[1].party"
        ]
    );

    let mut body = application(SMS, 40, 2);
    body["scope_statement"] = json!("Managed hosting for business customers");
    body["services_by_other_parties"] = json!(["Managed hosting", "Service desk"]);
    body["other_party_processes"] = json!([
        {"process": "8.7.1", "party": "Helpdesk Partner Ltd", "kind": "external_supplier"},
        {"process": "8.5.3", "party": "Group IT", "kind": "internal_supplier"}]);
    let id = under_review(&app, &acme, &admin, &body).await;
    let shown = app
        .get(&format!("/api/v1/applications/{id}"), Some(&acme.token))
        .await;
    assert_eq!(
        shown.body["other_party_processes"][1]["kind"],
        "internal_supplier"
    );
    assert_eq!(
        shown.body["services_by_other_parties"],
        json!(["Managed hosting", "Service desk"])
    );
    let recorded = review(&app, &admin, &id, review_body(json!([]), true)).await;
    let blockers = recorded.body["acceptance_blockers"].as_array().unwrap();
    assert_eq!(blockers.len(), 2, "{blockers:?}");
    assert!(blockers[0].as_str().unwrap().contains("8.2.3"));
    assert!(blockers[1].as_str().unwrap().contains("Service desk"));
    step(&app, &admin, &id, "accept").await.assert_problem(409);
}

/// A transfer (IAF MD 2) of an accredited ISO/IEC 20000-1 certificate of a multi-site
/// organisation with other-party processes: the pre-transfer review is required, and the
/// programme continues the certificate's cycle instead of starting with stage 1. Certificates
/// that are not accredited by an IAF MLA signatory are handled as a new client; suspended
/// ones are refused.
#[actix_rt::test]
async fn a_transfer_needs_its_pre_transfer_review_and_continues_the_cycle() {
    let (app, admin, acme) = with_confirmed_table(SMS).await;
    let expires = (chrono::Utc::now().date_naive() + chrono::Days::new(500)).to_string();
    let mut body = application(SMS, 120, 5);
    body["other_party_processes"] = json!([
        {"process": "8.7.1", "party": "Helpdesk Partner Ltd", "kind": "external_supplier"}]);
    body["current_certification"] = json!({"certification_body": "Previous CB GmbH",
        "certificate_number": "PCB-20000-77", "expires_on": expires,
        "accreditation_body": "DAkkS", "iaf_mla_signatory": true, "suspended": true});
    assert_eq!(
        app.post("/api/v1/applications", Some(&acme.token), &body)
            .await
            .invalid_fields(),
        ["current_certification.suspended"]
    );
    body["current_certification"]["suspended"] = json!(false);
    let id = under_review(&app, &acme, &admin, &body).await;

    let recorded = review(&app, &admin, &id, review_body(json!([]), true)).await;
    assert!(recorded.body["acceptance_blockers"][0]
        .as_str()
        .unwrap()
        .contains("pre-transfer review"));
    let mut with_transfer = review_body(json!([]), true);
    with_transfer["transfer"] = json!({"open_nonconformities": "One minor (8.7.1), plan accepted",
        "last_audit_report": "Surveillance 1 of 2026-03-10, read in full", "complaints": "None",
        "cycle_position": "after_surveillance1"});
    let recorded = review(&app, &admin, &id, with_transfer.clone()).await;
    assert_eq!(recorded.status, 200, "{}", recorded.body);
    assert_eq!(recorded.body["acceptance_blockers"], json!([]));
    assert_eq!(
        recorded.body["transfer"]["cycle_position"],
        "after_surveillance1"
    );
    assert_eq!(step(&app, &admin, &id, "accept").await.status, 200);
    let programme = app
        .get(
            &format!("/api/v1/applications/{id}/programme"),
            Some(&acme.token),
        )
        .await;
    let kinds: Vec<&str> = programme.body["audits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["surveillance2", "recertification"]);
    assert_eq!(programme.body["certificate_expires_on"], expires.as_str());
    let agreed = app
        .post(
            &format!("/api/v1/applications/{id}/programme/agree"),
            Some(&acme.token),
            &json!({}),
        )
        .await;
    assert_eq!(agreed.body["state"], "agreed", "{}", agreed.body);

    // Not accredited by an IAF MLA signatory: a new client, no pre-transfer review.
    let mut other = application(SMS, 40, 1);
    other["current_certification"] = json!({"certification_body": "Some CB",
        "certificate_number": "X-1", "expires_on": expires, "accreditation_body": "Local AB"});
    let new_client = under_review(&app, &acme, &admin, &other).await;
    assert_eq!(
        review(&app, &admin, &new_client, with_transfer)
            .await
            .invalid_fields(),
        ["transfer"]
    );
    assert_eq!(
        review(&app, &admin, &new_client, review_body(json!([]), true))
            .await
            .body["acceptance_blockers"],
        json!([])
    );
    assert_eq!(step(&app, &admin, &new_client, "accept").await.status, 200);
    let programme = app
        .get(
            &format!("/api/v1/applications/{new_client}/programme"),
            Some(&acme.token),
        )
        .await;
    assert_eq!(programme.body["audits"][0]["kind"], "stage1");
}

/// IAF MD 5 2.3: the audit time is read for effective personnel — part-time staff by their
/// hours, a justified reduction for shifts or repetitive work — and sites' headcounts that do
/// not add up to the total are named for the reviewer.
#[actix_rt::test]
async fn audit_time_is_read_for_effective_personnel() {
    let app = spawn_app().await;
    let admin = app.staff(Role::Admin, "admin@cb.example").await;
    let acme = app.register_applicant("quality@acme.example", "Acme").await;
    let id = under_review(&app, &acme, &admin, &application(QMS, 60, 2)).await;
    let days = |response: &Response| response.body["audit_time"]["table_initial_days"].as_f64();
    let full_time = review(&app, &admin, &id, review_body(json!([]), true)).await;
    assert_eq!(days(&full_time), Some(5.0), "46-65 people");
    assert!(full_time.body["personnel_findings"][0]
        .as_str()
        .unwrap()
        .contains("add up to 21"));
    assert!(full_time.body["personnel_findings"][1]
        .as_str()
        .unwrap()
        .contains("IAF MD 1:2018 7.3"));
    let with_personnel = |personnel: Value| {
        let mut body = review_body(json!([]), true);
        body["personnel"] = personnel;
        body
    };
    // 40 of the 60 work 10 of 40 hours: 20 + 10 = 30 effective, the 26-45 band.
    let part_time = review(
        &app,
        &admin,
        &id,
        with_personnel(json!({"part_time_people": 40, "part_time_hours_per_week": 10, "full_time_hours_per_week": 40})),
    )
    .await;
    assert_eq!(part_time.status, 200, "{}", part_time.body);
    assert_eq!(days(&part_time), Some(4.0));
    assert_eq!(part_time.body["personnel"]["effective"], 30);
    let unjustified = with_personnel(json!({"full_time_hours_per_week": 40, "reduced_to": 20}));
    assert_eq!(
        review(&app, &admin, &id, unjustified)
            .await
            .invalid_fields(),
        ["personnel.justification"]
    );
    let too_high = with_personnel(
        json!({"full_time_hours_per_week": 40, "reduced_to": 61, "justification": "shifts"}),
    );
    assert_eq!(
        review(&app, &admin, &id, too_high).await.invalid_fields(),
        ["personnel"]
    );
    let reduced = with_personnel(json!({"full_time_hours_per_week": 40, "reduced_to": 20,
        "justification": "three identical shifts of 20 operators"}));
    assert_eq!(days(&review(&app, &admin, &id, reduced).await), Some(3.0));
}

/// IAF MD 4: the review records the planned remote share, and refuses one that leaves less
/// on site than the minimum the CB set for the standard.
#[actix_rt::test]
async fn the_remote_share_keeps_the_on_site_minimum_of_the_standard() {
    let app = spawn_app().await;
    let admin = app.staff(Role::Admin, "admin@cb.example").await;
    let acme = app.register_applicant("quality@acme.example", "Acme").await;
    let table = |on_site: f64| {
        json!({"max_reduction_percent": 30, "min_on_site_percent": on_site, "source": "IAF MD 5:2019 Table QMS 1",
            "bands": [{"min_personnel": 1, "max_personnel": 10700, "initial_days": 4, "surveillance_days": 1.5, "recertification_days": 2.5}]})
    };
    let path = format!("/api/v1/standards/{QMS}/audit-time");
    assert_eq!(
        app.request("PUT", &path, Some(&admin.token), Some(&table(120.0)))
            .await
            .invalid_fields(),
        ["min_on_site_percent"]
    );
    let set = app
        .request("PUT", &path, Some(&admin.token), Some(&table(70.0)))
        .await;
    assert_eq!(set.body["min_on_site_percent"], 70.0);
    let id = under_review(&app, &acme, &admin, &application(QMS, 30, 1)).await;
    let remote = |percent: f64| {
        let mut body = review_body(json!([]), true);
        body["remote_percent"] = json!(percent);
        body
    };
    let refused = review(&app, &admin, &id, remote(40.0)).await;
    assert_eq!(refused.invalid_fields(), ["remote_percent"]);
    let recorded = review(&app, &admin, &id, remote(30.0)).await;
    assert_eq!(recorded.body["audit_time"]["remote_percent"], 30.0);
}

/// IAF MD 5:2019 Table EMS 1: ISO 14001's audit time depends on the complexity category the
/// review chooses and justifies; standards without categories refuse one.
#[actix_rt::test]
async fn ems_audit_time_follows_the_complexity_category_chosen_in_the_review() {
    const EMS: &str = "std-iso-14001-2015";
    let app = spawn_app().await;
    let admin = app.staff(Role::Admin, "admin@cb.example").await;
    let acme = app.register_applicant("quality@acme.example", "Acme").await;
    let id = under_review(&app, &acme, &admin, &application(EMS, 1000, 1)).await;
    let with_complexity = |complexity: Value| {
        let mut body = review_body(json!([]), true);
        body["complexity"] = complexity;
        body
    };
    let days = |response: &Response| response.body["audit_time"]["table_initial_days"].as_f64();
    let missing = review(&app, &admin, &id, review_body(json!([]), true)).await;
    assert_eq!(missing.invalid_fields(), ["complexity"]);
    let unjustified = with_complexity(json!({"category": "medium", "justification": ""}));
    assert_eq!(
        review(&app, &admin, &id, unjustified)
            .await
            .invalid_fields(),
        ["complexity.justification"]
    );
    // 876-1175 people: high 19, medium 15, low 11, limited 7 days.
    for (category, expected) in [
        ("high", 19.0),
        ("medium", 15.0),
        ("low", 11.0),
        ("limited", 7.0),
    ] {
        let chosen = with_complexity(
            json!({"category": category, "justification": "significant environmental aspects"}),
        );
        let recorded = review(&app, &admin, &id, chosen).await;
        assert_eq!(
            days(&recorded),
            Some(expected),
            "{category}: {}",
            recorded.body
        );
        assert_eq!(recorded.body["complexity"]["category"], category);
    }
    let standard = app
        .get(&format!("/api/v1/standards/{EMS}"), Some(&acme.token))
        .await;
    assert_eq!(
        standard.body["audit_time"].as_array().unwrap().len(),
        4 * 23
    );

    let qms = under_review(&app, &acme, &admin, &application(QMS, 30, 1)).await;
    let refused = with_complexity(json!({"category": "high", "justification": "why"}));
    assert_eq!(
        review(&app, &admin, &qms, refused).await.invalid_fields(),
        ["complexity"]
    );
}

/// PostgreSQL plans reads once per statement and connection, but plans writes and list pages
/// (filtered by values such as a status) for their values on every run, and the setting does
/// not outlive either transaction.
#[actix_rt::test]
async fn postgres_plans_reads_once_and_writes_and_list_pages_per_run() {
    use certbody::db::{in_write_transaction, planned_for_values, Backend, DbConnection};
    use diesel::prelude::*;
    use diesel::sql_types::Text;

    let app = spawn_app().await;
    if app.db.backend() != Backend::Postgresql {
        return;
    }
    fn mode(conn: &mut DbConnection) -> String {
        let DbConnection::Postgres(pg) = conn else {
            unreachable!("checked above")
        };
        diesel::select(diesel::dsl::sql::<Text>(
            "current_setting('plan_cache_mode') || ' ' || current_setting('max_parallel_workers_per_gather')",
        ))
        .get_result(pg)
        .unwrap()
    }
    let modes = app
        .db
        .run(|conn| {
            let read = mode(conn);
            let write = in_write_transaction(conn, |conn| Ok(mode(conn)))?;
            let page = planned_for_values(conn, |conn| Ok(mode(conn)))?;
            Ok((read, write, page, mode(conn)))
        })
        .await
        .unwrap();
    assert_eq!(
        modes,
        (
            "force_generic_plan 0".to_owned(),
            "auto 0".to_owned(),
            "auto 0".to_owned(),
            "force_generic_plan 0".to_owned()
        )
    );
}
