//! Complaints through the HTTP API: filed by anyone, read back only with the secret,
//! handled by someone not involved, decided with its actions, closed with formal notice.

use certbody::auth::Role;
use chrono::TimeDelta;
use serde_json::{json, Value};

use crate::audits::days;
use crate::helpers::Response;
use crate::verification::certified;

async fn file(cb: &crate::audits::Cb, complaint: Value) -> Response {
    cb.app
        .post("/api/v1/public/complaints", None, &complaint)
        .await
}

async fn status(cb: &crate::audits::Cb, reference: &str, secret: Option<&str>) -> Response {
    let path = format!("/api/v1/public/complaints/{reference}");
    match secret {
        Some(secret) => {
            cb.app
                .get_with(&path, &[("Complaint-Secret", secret)])
                .await
        }
        None => cb.app.get(&path, None).await,
    }
}

#[actix_rt::test]
async fn a_false_claim_goes_from_filing_to_closure_with_its_mails_and_a_public_notice() {
    let (cb, _, _) = certified("Acme").await;
    let handler = cb
        .app
        .staff(Role::ComplaintHandler, "handler@cb.example")
        .await;
    let other_handler = cb
        .app
        .staff(Role::ComplaintHandler, "other-handler@cb.example")
        .await;

    // Anyone files, without an account; the reporter keeps a reference and a secret.
    let filed = file(&cb, json!({"kind": "false_claim", "organisation_name": "Initech Hosting Ltd",
        "certificate_number": "CB-0000-0000-X", "description": "Their website shows your ISO/IEC 20000-1 logo.",
        "reporter_name": "Rita Reporter", "reporter_email": "Rita@Reporter.example"})).await;
    assert_eq!(filed.status, 201, "{}", filed.body);
    let reference = filed.body["reference"].as_str().unwrap().to_owned();
    let secret = filed.body["secret"].as_str().unwrap().to_owned();
    assert!(reference.starts_with("C-") && secret.len() == 20);
    assert_eq!(filed.body["acknowledge_by"], days(5));
    let to_handler = cb.app.mail_to("handler@cb.example").await;
    assert!(
        to_handler.last().unwrap().0.contains(&reference),
        "{to_handler:?}"
    );
    let invalid = file(
        &cb,
        json!({"kind": "false_claim", "organisation_name": " ", "description": "x",
        "reporter_email": "not-an-address"}),
    )
    .await;
    assert_eq!(
        invalid.invalid_fields(),
        ["organisation_name", "reporter_email"]
    );

    // Only the secret reads it back; a wrong one answers as an unknown reference.
    status(&cb, &reference, None).await.assert_problem(422);
    status(&cb, &reference, Some("WRONGSECRETWRONGSECR"))
        .await
        .assert_problem(404);
    status(&cb, "C-ZZZZ-ZZZZ", Some(&secret))
        .await
        .assert_problem(404);
    let seen = status(&cb, &reference.to_lowercase(), Some(&secret.to_lowercase())).await;
    assert_eq!(seen.status, 200, "{}", seen.body);
    assert_eq!(seen.body["state"], "received");
    for private in [
        "description",
        "reporter_email",
        "reporter_name",
        "handler_id",
        "id",
    ] {
        assert!(
            seen.body.get(private).is_none(),
            "{private} is shown publicly"
        );
    }

    // The reporter attaches evidence with the secret; its type is checked by content.
    let evidence_path = format!("/api/v1/public/complaints/{reference}/evidence");
    let photo = b"\x89PNG\r\n\x1a\n a screenshot of their website";
    let attached = cb
        .app
        .upload_with(
            &evidence_path,
            ("Complaint-Secret", &secret),
            ("website.png", "image/png"),
            photo,
        )
        .await;
    assert_eq!(attached.status, 201, "{}", attached.body);
    let wrong = cb
        .app
        .upload_with(
            &evidence_path,
            ("Complaint-Secret", "WRONGSECRETWRONGSECR"),
            ("website.png", "image/png"),
            photo,
        )
        .await;
    assert_eq!(wrong.status, 404);
    let fake = cb
        .app
        .upload_with(
            &evidence_path,
            ("Complaint-Secret", &secret),
            ("website.pdf", "application/pdf"),
            photo,
        )
        .await;
    assert_eq!(fake.status, 415);

    // Client users, auditors and decision makers do not reach complaints.
    let complaint = cb.get(&cb.admin, "/api/v1/complaints?state=received").await;
    assert_eq!(complaint.body["total"], 1, "{}", complaint.body);
    let id = complaint.body["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        complaint.body["items"][0]["reporter_email"],
        "rita@reporter.example"
    );
    assert_eq!(
        complaint.body["items"][0]["certificate_id"],
        Value::Null,
        "not one of our numbers"
    );
    let files = cb
        .get(&cb.admin, &format!("/api/v1/complaints/{id}/evidence"))
        .await;
    assert_eq!(files.body.as_array().unwrap().len(), 1, "{}", files.body);
    let file_id = files.body[0]["id"].as_str().unwrap();
    let file = cb
        .get(
            &cb.admin,
            &format!("/api/v1/complaints/{id}/evidence/{file_id}"),
        )
        .await;
    assert_eq!(file.bytes, photo.to_vec());
    cb.get(
        &cb.acme,
        &format!("/api/v1/complaints/{id}/evidence/{file_id}"),
    )
    .await
    .assert_problem(403);
    for outsider in [&cb.acme, &cb.lead] {
        cb.get(outsider, "/api/v1/complaints")
            .await
            .assert_problem(403);
        cb.get(outsider, &format!("/api/v1/complaints/{id}"))
            .await
            .assert_problem(403);
    }

    // In order: acknowledged (the reporter is mailed), assigned, decided, closed.
    let path = format!("/api/v1/complaints/{id}");
    cb.post(
        &handler,
        &format!("{path}/decide"),
        json!({"outcome": "substantiated", "public_outcome": "x"}),
    )
    .await
    .assert_problem(409);
    let acknowledged = cb
        .post(
            &handler,
            &format!("{path}/acknowledge"),
            json!({"note": "It concerns a claim of certification by us."}),
        )
        .await;
    assert_eq!(
        acknowledged.body["state"], "acknowledged",
        "{}",
        acknowledged.body
    );
    let to_reporter = cb.app.mail_to("rita@reporter.example").await;
    assert_eq!(to_reporter.len(), 1);
    assert!(
        to_reporter[0].0.contains(&reference)
            && to_reporter[0].1.contains("claim of certification by us")
    );
    cb.post(
        &handler,
        &format!("{path}/assign"),
        json!({"handler_id": cb.lead.id}),
    )
    .await
    .assert_problem(422);
    let assigned = cb
        .post(
            &cb.admin,
            &format!("{path}/assign"),
            json!({"handler_id": handler.id}),
        )
        .await;
    assert_eq!(
        (&assigned.body["state"], &assigned.body["handler_id"]),
        (&json!("investigating"), &json!(handler.id))
    );
    let decision = json!({"outcome": "substantiated", "public_notice": true,
        "public_outcome": "Initech holds no certificate from us; we published a notice."});
    cb.post(&other_handler, &format!("{path}/decide"), decision.clone())
        .await
        .assert_problem(403);
    let decided = cb.post(&handler, &format!("{path}/decide"), decision).await;
    assert_eq!(decided.body["state"], "decided", "{}", decided.body);
    assert_eq!(
        decided.body["actions"],
        json!({"suspension_requested": false, "public_notice": true})
    );
    let closed = cb
        .post(
            &cb.admin,
            &format!("{path}/close"),
            json!({"note": "Thank you."}),
        )
        .await;
    assert_eq!(closed.body["state"], "closed", "{}", closed.body);
    cb.post(&handler, &format!("{path}/close"), json!({}))
        .await
        .assert_problem(409);
    let late = cb
        .app
        .upload_with(
            &evidence_path,
            ("Complaint-Secret", &secret),
            ("more.png", "image/png"),
            photo,
        )
        .await;
    assert_eq!(late.status, 409, "no evidence once decided: {}", late.body);

    // The reporter: told of acknowledgement, outcome and the end; reads the outcome back.
    let to_reporter = cb.app.mail_to("rita@reporter.example").await;
    assert_eq!(to_reporter.len(), 3);
    assert!(to_reporter[1].1.contains("we published a notice"));
    assert!(to_reporter[2].0.contains("closed") && to_reporter[2].1.contains("formal notice"));
    let seen = status(&cb, &reference, Some(&secret)).await.body;
    assert_eq!(
        (&seen["state"], &seen["outcome"]),
        (&json!("closed"), &json!("substantiated"))
    );
    assert_eq!(
        seen["public_outcome"],
        "Initech holds no certificate from us; we published a notice."
    );

    // The public notice: the organisation as claimed, the date, nothing about the reporter.
    let notices = cb.app.get("/api/v1/public/notices", None).await;
    assert_eq!(notices.body["total"], 1, "{}", notices.body);
    let notice = &notices.body["items"][0];
    assert_eq!(notice["organisation_name"], "Initech Hosting Ltd");
    assert_eq!(notice["published_on"], days(0));
    assert!(notice["statement"]
        .as_str()
        .unwrap()
        .contains("does not hold"));
    assert!(!notices.body.to_string().contains("Rita"));

    // An admin withdraws the notice, with the reason; it leaves the public list, not the trail.
    let withdraw = format!("{path}/notice/withdraw");
    cb.post(&handler, &withdraw, json!({"note": "x"}))
        .await
        .assert_problem(403);
    assert_eq!(
        cb.post(&cb.admin, &withdraw, json!({}))
            .await
            .invalid_fields(),
        ["note"]
    );
    let withdrawn = cb
        .post(
            &cb.admin,
            &withdraw,
            json!({"note": "Initech Hosting was confused with Initech Services, which we certify."}),
        )
        .await;
    assert_eq!(withdrawn.status, 200, "{}", withdrawn.body);
    assert_eq!(
        cb.app.get("/api/v1/public/notices", None).await.body["total"],
        0
    );
    cb.post(&cb.admin, &withdraw, json!({"note": "again"}))
        .await
        .assert_problem(409);
    let notice_trail = cb
        .get(&cb.admin, "/api/v1/audit-events?entity_type=public_notice")
        .await;
    assert!(
        notice_trail
            .body
            .to_string()
            .contains("confused with Initech Services"),
        "{}",
        notice_trail.body
    );

    // Every step is in the trail.
    let trail = cb
        .get(
            &cb.admin,
            &format!("/api/v1/audit-events?entity_type=complaint&entity_id={id}"),
        )
        .await;
    let actions: Vec<&str> = trail.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "received",
            "evidence_added",
            "acknowledged",
            "assigned",
            "decided",
            "closed"
        ]
    );
}

#[actix_rt::test]
async fn a_complaint_about_a_client_needs_an_uninvolved_handler_and_may_ask_for_suspension() {
    let (cb, certificate, number) = certified("Acme").await;
    let handler = cb
        .app
        .staff(Role::ComplaintHandler, "handler@cb.example")
        .await;
    let conflicted = cb
        .app
        .staff(Role::ComplaintHandler, "conflicted@cb.example")
        .await;
    let declared = cb.post(&cb.admin, &format!("/api/v1/auditors/{}/conflicts", conflicted.id),
        json!({"organisation_id": cb.acme.organisation_id, "reason": "Former employee", "valid_from": days(-30)})).await;
    assert_eq!(declared.status, 201, "{}", declared.body);

    // The number as the reporter typed it ties the complaint to the certificate.
    let filed = file(
        &cb,
        json!({"kind": "misuse", "organisation_name": "Acme",
        "certificate_number": number.to_lowercase().replace('-', " "),
        "description": "Acme claims data-centre services the certificate does not cover."}),
    )
    .await;
    assert_eq!(filed.status, 201, "{}", filed.body);
    let id = cb.get(&cb.admin, "/api/v1/complaints").await.body["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/complaints/{id}");
    let complaint = cb.get(&handler, &path).await.body;
    assert_eq!(complaint["certificate_id"], certificate.as_str());
    assert_eq!(complaint["organisation_id"], json!(cb.acme.organisation_id));
    cb.post(&handler, &format!("{path}/acknowledge"), json!({}))
        .await;

    // Independence: the conflicted handler is refused, naming why.
    let refused = cb
        .post(
            &cb.admin,
            &format!("{path}/assign"),
            json!({"handler_id": conflicted.id}),
        )
        .await;
    assert_eq!(refused.invalid_fields(), ["handler_id"]);
    assert!(
        refused.body.to_string().contains("Former employee"),
        "{}",
        refused.body
    );
    cb.post(
        &cb.admin,
        &format!("{path}/assign"),
        json!({"handler_id": handler.id}),
    )
    .await;

    // A public notice is for organisations we do not certify; a suspension request needs a
    // substantiated complaint.
    let notice = cb
        .post(
            &handler,
            &format!("{path}/decide"),
            json!({"outcome": "substantiated",
        "public_outcome": "x", "public_notice": true}),
        )
        .await;
    assert_eq!(notice.invalid_fields(), ["public_notice"]);
    let unfounded = cb
        .post(
            &handler,
            &format!("{path}/decide"),
            json!({"outcome": "not_substantiated",
        "public_outcome": "x", "request_suspension": true}),
        )
        .await;
    assert_eq!(unfounded.invalid_fields(), ["request_suspension"]);
    let decided = cb.post(&handler, &format!("{path}/decide"), json!({"outcome": "substantiated",
        "public_outcome": "We asked our decision makers to consider suspension.", "request_suspension": true})).await;
    assert_eq!(decided.status, 200, "{}", decided.body);
    assert!(cb
        .app
        .mail_to("decider@cb.example")
        .await
        .iter()
        .any(|(subject, body)| subject.contains("consider suspending") && body.contains(&number)));
    let trail = cb
        .get(
            &cb.admin,
            &format!("/api/v1/audit-events?entity_type=certificate&entity_id={certificate}"),
        )
        .await;
    assert!(trail.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["action"] == "suspension_requested"));
    // The client does not read it in its trail.
    let own = cb
        .get(
            &cb.acme,
            &format!("/api/v1/audit-events?entity_type=certificate&entity_id={certificate}"),
        )
        .await;
    assert_eq!(own.status, 200, "{}", own.body);
    assert!(!own.body.to_string().contains("suspension_requested"));
    // The client hears of the complaint about it once decided (9.8), not who made it.
    let referred = cb.app.mail_to("quality@acme.example").await;
    let referral = referred
        .iter()
        .find(|(subject, _)| subject.contains("Complaint"))
        .expect("the complaint is referred to the client");
    assert!(referral.1.contains("consider suspension") && !referral.1.contains("@"));
}

#[actix_rt::test]
async fn someone_elses_number_does_not_make_a_complaint_about_our_client() {
    let (cb, _, number) = certified("Acme").await;
    let handler = cb
        .app
        .staff(Role::ComplaintHandler, "handler@cb.example")
        .await;
    let conflicted = cb
        .app
        .staff(Role::ComplaintHandler, "conflicted@cb.example")
        .await;
    cb.post(&cb.admin, &format!("/api/v1/auditors/{}/conflicts", conflicted.id),
        json!({"organisation_id": cb.acme.organisation_id, "reason": "Former employee", "valid_from": days(-30)})).await;
    // Initech shows Acme's real number: a false claim by Initech, not a complaint about Acme.
    file(
        &cb,
        json!({"kind": "false_claim", "organisation_name": "Initech Hosting Ltd",
        "certificate_number": number, "description": "Shows certificate number on its site."}),
    )
    .await;
    let listed = cb.get(&cb.admin, "/api/v1/complaints").await.body;
    let id = listed["items"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        listed["items"][0]["certificate_id"],
        Value::Null,
        "{listed}"
    );
    assert_eq!(listed["items"][0]["organisation_id"], Value::Null);
    let path = format!("/api/v1/complaints/{id}");
    cb.post(&handler, &format!("{path}/acknowledge"), json!({}))
        .await;
    cb.post(
        &cb.admin,
        &format!("{path}/assign"),
        json!({"handler_id": handler.id}),
    )
    .await;
    let decided = cb
        .post(
            &handler,
            &format!("{path}/decide"),
            json!({"outcome": "substantiated",
        "public_outcome": "A notice is published.", "public_notice": true}),
        )
        .await;
    assert_eq!(decided.status, 200, "{}", decided.body);

    // A complaint about a client without its number: staff link the client at assignment,
    // and its involvement checks apply.
    file(
        &cb,
        json!({"kind": "certified_client", "organisation_name": "Acme",
        "description": "Their service desk ignored our incident for a week.\nTwice."}),
    )
    .await;
    let listed = cb
        .get(&cb.admin, "/api/v1/complaints?state=received")
        .await
        .body;
    let id = listed["items"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        listed["items"][0]["description"],
        "Their service desk ignored our incident for a week.\nTwice."
    );
    let path = format!("/api/v1/complaints/{id}");
    cb.post(&handler, &format!("{path}/acknowledge"), json!({}))
        .await;
    let refused = cb
        .post(
            &cb.admin,
            &format!("{path}/assign"),
            json!({"handler_id": conflicted.id, "organisation_id": cb.acme.organisation_id}),
        )
        .await;
    assert_eq!(refused.invalid_fields(), ["handler_id"], "{}", refused.body);
    let assigned = cb
        .post(
            &cb.admin,
            &format!("{path}/assign"),
            json!({"handler_id": handler.id, "organisation_id": cb.acme.organisation_id}),
        )
        .await;
    assert_eq!(
        assigned.body["organisation_id"],
        json!(cb.acme.organisation_id),
        "{}",
        assigned.body
    );
    // Only an admin reassigns a complaint under investigation.
    cb.post(
        &handler,
        &format!("{path}/assign"),
        json!({"handler_id": handler.id}),
    )
    .await
    .assert_problem(403);
}

#[actix_rt::test]
async fn overdue_complaints_are_listed_and_mailed_once() {
    let (cb, _, _) = certified("Acme").await;
    cb.app
        .staff(Role::ComplaintHandler, "handler@cb.example")
        .await;
    file(
        &cb,
        json!({"kind": "certification_body", "organisation_name": "Example Certification GmbH",
        "description": "Nobody answered my phone calls."}),
    )
    .await;
    assert_eq!(
        cb.get(&cb.admin, "/api/v1/complaints?overdue=true")
            .await
            .body["total"],
        0
    );
    cb.app.config.clock.advance(TimeDelta::days(6));
    assert_eq!(
        cb.get(&cb.admin, "/api/v1/complaints?overdue=true")
            .await
            .body["total"],
        1
    );
    assert_eq!(cb.run_job("complaint-deadlines").await, 1);
    assert_eq!(
        cb.run_job("complaint-deadlines").await,
        0,
        "once per deadline"
    );
    assert!(cb
        .app
        .mail_to("admin@cb.example")
        .await
        .iter()
        .any(|(subject, _)| subject.contains("not acknowledged in time")));
}

/// The text between `label` and the next tag in an HTML page.
fn after<'a>(html: &'a str, label: &str) -> &'a str {
    let start = html
        .find(label)
        .unwrap_or_else(|| panic!("{label} in {html}"))
        + label.len();
    let rest = &html[start..];
    let value = rest
        .trim_start_matches(|c| c != '>')
        .trim_start_matches('>');
    &value[..value.find('<').unwrap()]
}

#[actix_rt::test]
async fn people_file_and_follow_a_complaint_with_the_pages_and_spam_is_limited() {
    let app = crate::helpers::spawn_app_with(|config| config.public_filings_per_hour = 2).await;
    let form = app.get("/verify/report?number=CB-7K2M-9QXA-Y", None).await;
    assert_eq!(form.status, 200);
    let page = form.body.as_str().unwrap();
    assert!(
        page.contains(r#"name="organisation_name""#) && page.contains(r#"value="CB-7K2M-9QXA-Y""#)
    );

    // A mistake comes back with the form refilled and the field named.
    let wrong = app
        .post_form(
            "/verify/report",
            &[
                ("kind", "misuse"),
                ("organisation_name", "Initech"),
                ("description", "Logo on their trucks"),
                ("reporter_email", "nope"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 422);
    let page = wrong.body.as_str().unwrap();
    assert!(
        page.contains("reporter email: must be an email address")
            && page.contains("Logo on their trucks")
    );

    // Filed: the reference and the secret, shown once and never cached.
    let filed = app
        .post_form(
            "/verify/report",
            &[
                ("kind", "false_claim"),
                ("organisation_name", "Initech"),
                ("certificate_number", ""),
                ("description", "Logo on their trucks & website"),
                ("reporter_name", ""),
            ],
        )
        .await;
    assert_eq!(filed.status, 201, "{}", filed.body);
    assert_eq!(filed.header("cache-control"), Some("private, no-store"));
    let page = filed.body.as_str().unwrap().to_owned();
    let (reference, secret) = (
        after(&page, "<dt>Reference</dt>"),
        after(&page, "<dt>Secret</dt>"),
    );
    assert!(reference.starts_with("C-") && secret.len() == 20, "{page}");

    // The third filing within the hour from this address is refused.
    let third = app
        .post_form(
            "/verify/report",
            &[
                ("kind", "false_claim"),
                ("organisation_name", "X"),
                ("description", "y"),
            ],
        )
        .await;
    assert_eq!(third.status, 429);
    assert!(third.header("retry-after").is_some());

    // Reading it back needs the secret.
    let shown = app
        .post_form(
            "/verify/complaint",
            &[("reference", reference), ("secret", secret)],
        )
        .await;
    assert_eq!(shown.status, 200);
    assert!(shown.body.as_str().unwrap().contains("received"));

    // The page takes evidence as a browser sends it: the form's fields and the file.
    assert!(shown
        .body
        .as_str()
        .unwrap()
        .contains(r#"action="/verify/complaint/evidence""#));
    let form = |secret: &str, content: &[u8]| {
        let mut body = Vec::new();
        for (name, value) in [("reference", reference), ("secret", secret)] {
            body.extend(
                format!(
                    "--B\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .bytes(),
            );
        }
        body.extend(b"--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"site.png\"\r\nContent-Type: image/png\r\n\r\n");
        body.extend(content);
        body.extend(b"\r\n--B--\r\n");
        body
    };
    let attached = app
        .post_raw(
            "/verify/complaint/evidence",
            "multipart/form-data; boundary=B",
            form(secret, b"\x89PNG\r\n\x1a\n a screenshot"),
        )
        .await;
    assert_eq!(attached.status, 200, "{}", attached.body);
    let page = attached.body.as_str().unwrap();
    assert!(page.contains("We received site.png"), "{page}");
    assert_eq!(attached.header("cache-control"), Some("private, no-store"));
    let wrong_type = app
        .post_raw(
            "/verify/complaint/evidence",
            "multipart/form-data; boundary=B",
            form(secret, b"not a picture"),
        )
        .await;
    assert!(
        wrong_type
            .body
            .as_str()
            .unwrap()
            .contains("not a image/png file"),
        "{}",
        wrong_type.body
    );
    let no_secret = app
        .post_raw(
            "/verify/complaint/evidence",
            "multipart/form-data; boundary=B",
            form("WRONG", b"\x89PNG\r\n\x1a\n"),
        )
        .await;
    assert_eq!(no_secret.status, 404);
    let refused = app
        .post_form(
            "/verify/complaint",
            &[("reference", reference), ("secret", "WRONG")],
        )
        .await;
    assert_eq!(refused.status, 404);
    assert!(refused
        .body
        .as_str()
        .unwrap()
        .contains("no complaint has this reference and secret"));
    assert!(!refused.body.as_str().unwrap().contains("received"));
    assert_eq!(app.get("/verify/notices", None).await.status, 200);
}
