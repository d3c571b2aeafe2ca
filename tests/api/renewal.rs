//! Recertification and transfer-in: the certificate's later lives, through the HTTP API.

use certbody::auth::Role;
use chrono::{Months, NaiveDate, TimeDelta, Utc};
use serde_json::{json, Value};

use crate::applications::{
    application, review, review_body, step, under_review, with_confirmed_table, SMS,
};
use crate::audits::{certification_body, days, Cb};
use crate::certification::{decide, granted, poppler};
use crate::helpers::User;

fn date(value: &Value) -> NaiveDate {
    value.as_str().unwrap().parse().unwrap()
}

/// The prior expiry plus three years (17021-1 9.6.3.2).
fn three_years_on(expires_on: NaiveDate) -> NaiveDate {
    (expires_on + TimeDelta::days(1))
        .checked_add_months(Months::new(36))
        .unwrap()
        - TimeDelta::days(1)
}

/// The programme's entry of `kind` in `cycle`.
async fn entry(cb: &Cb, cycle: i64, kind: &str) -> String {
    let application = cb.programme["application_id"].as_str().unwrap();
    let programme = cb
        .get(
            &cb.acme,
            &format!("/api/v1/applications/{application}/programme"),
        )
        .await;
    programme.body["audits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["cycle"] == cycle && a["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in cycle {cycle}: {}", programme.body))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Plans, holds and completes the recertification audit of `cycle` with `team`, today by
/// the service's clock.
async fn recertification_audit(cb: &Cb, cycle: i64, team: Value) {
    let start = (cb.app.config.clock.today() - Utc::now().date_naive()).num_days();
    let planned = cb
        .plan(&entry(cb, cycle, "recertification").await, start, team)
        .await;
    assert_eq!(planned.status, 201, "{}", planned.body);
    assert_eq!(planned.body["kind"], "recertification");
    let audit = planned.body["id"].as_str().unwrap();
    cb.hold(
        audit,
        json!({"conclusion": "The SMS remains effective", "recommendation": "grant"}),
    )
    .await;
}

fn move_clock_to(cb: &Cb, day: NaiveDate) {
    let clock = &cb.app.config.clock;
    clock.advance(day - clock.today());
}

/// Recertification (ISO/IEC 17021-1 9.6.3.2): decided after the cycle's recertification
/// audit and before expiry, it renews the certificate to the prior expiry plus three years
/// and starts the next cycle's audits; decided within 6 months after expiry, it restores
/// the expired certificate; later than that, it is refused.
#[actix_rt::test]
async fn recertification_renews_the_certificate_and_restores_it_within_six_months_of_expiry() {
    let cb = certification_body(json!([])).await;
    let decider = cb
        .app
        .staff(Role::DecisionMaker, "decider@cb.example")
        .await;
    // The lead auditor stays qualified through the three cycles.
    let qualified = cb
        .qualify(&cb.lead, "lead_auditor", json!([33]), &days(4000))
        .await;
    assert_eq!(qualified.status, 201, "{}", qualified.body);
    let id = granted(&cb, &decider).await;
    let path = format!("/api/v1/certificates/{id}");
    let issued = cb.get(&cb.acme, &path).await.body;
    let first_expiry = date(&issued["expires_on"]);
    let today = Utc::now().date_naive();

    // Once certified, the next decision waits for this cycle's recertification audit.
    let early = decide(&cb, &decider, "grant").await;
    assert!(early.assert_problem(409)["detail"]
        .as_str()
        .unwrap()
        .contains("recertification audit is not completed"));
    let refusal = decide(&cb, &decider, "refuse").await;
    assert!(refusal.assert_problem(409)["detail"]
        .as_str()
        .unwrap()
        .contains("act on its certificate instead"));

    // A decision maker who observed this cycle's recertification audit does not decide it.
    let observer = cb
        .app
        .staff(Role::DecisionMaker, "observer-2@cb.example")
        .await;
    let team = json!([{"user_id": cb.lead.id, "role": "lead_auditor"},
        {"user_id": observer.id, "role": "observer"}]);
    recertification_audit(&cb, 1, team).await;
    assert!(
        decide(&cb, &observer, "grant").await.assert_problem(403)["detail"]
            .as_str()
            .unwrap()
            .contains("9.5.1.2")
    );
    let renewed = decide(&cb, &decider, "grant").await;
    assert_eq!(renewed.status, 201, "{}", renewed.body);
    assert_eq!(renewed.body["cycle"], 2);
    assert_eq!(renewed.body["certificate_id"], id.as_str());
    let certificate = cb.get(&cb.acme, &path).await.body;
    let second_expiry = three_years_on(first_expiry);
    assert_eq!(certificate["status"], "active");
    assert_eq!(certificate["number"], issued["number"]);
    assert_eq!(certificate["revision"], 2);
    assert_eq!(date(&certificate["expires_on"]), second_expiry);
    assert_eq!(date(&certificate["issued_on"]), today);
    assert_eq!(
        certificate["original_grant_on"],
        issued["original_grant_on"]
    );
    assert_eq!(
        certificate["content"]["certification_type"],
        "recertification"
    );
    assert_eq!(
        certificate["revisions"][0]["superseded_on"],
        today.to_string()
    );
    let text = String::from_utf8(poppler(
        &cb.get(&cb.acme, &format!("{path}/document.pdf"))
            .await
            .bytes,
        "pdftotext",
        &["-layout", "-", "-"],
    ))
    .unwrap();
    assert!(
        text.contains("recertification") && text.contains(&second_expiry.to_string()),
        "{text}"
    );
    // The next cycle's audits hang off the day after the prior expiry.
    let application = cb.programme["application_id"].as_str().unwrap();
    let programme = cb
        .get(
            &cb.acme,
            &format!("/api/v1/applications/{application}/programme"),
        )
        .await
        .body;
    assert_eq!(programme["cycle"], 2);
    assert_eq!(date(&programme["certificate_expires_on"]), second_expiry);
    let next: Vec<&Value> = programme["audits"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["cycle"] == 2)
        .collect();
    let kinds: Vec<&str> = next.iter().map(|a| a["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["surveillance1", "surveillance2", "recertification"]);
    assert!(date(&next[0]["window_start"]) > first_expiry);
    assert!(date(&next[0]["window_end"]) < first_expiry + TimeDelta::days(366));
    assert!(date(&next[2]["window_end"]) < second_expiry);
    let outbox = cb
        .get(&cb.admin, "/api/v1/admin/outbox?limit=200")
        .await
        .body;
    assert!(outbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["recipient"] == "quality@acme.example"
            && m["subject"]
                .as_str()
                .unwrap()
                .contains("recertification granted")));
    // Cycle 2 needs its own recertification audit; cycle 1's audits are done with.
    let again = decide(&cb, &decider, "grant").await;
    assert!(again.assert_problem(409)["detail"]
        .as_str()
        .unwrap()
        .contains("recertification audit is not completed"));
    let old_entry = entry(&cb, 1, "surveillance2").await;
    let stale = cb.plan(&old_entry, 1, cb.lead_only()).await;
    assert!(stale.assert_problem(409)["detail"]
        .as_str()
        .unwrap()
        .contains("belongs to cycle 1"));

    // Past its expiry the certificate expires; a recertification within 6 months restores
    // it, still valid to the prior cycle's expiry plus three years.
    move_clock_to(&cb, second_expiry + TimeDelta::days(20));
    assert_eq!(cb.run_job("certificate-expiry").await, 1);
    assert_eq!(cb.get(&cb.acme, &path).await.body["status"], "expired");
    recertification_audit(&cb, 2, cb.lead_only()).await;
    // The observer of the previous cycle may decide this one.
    let restored = decide(&cb, &observer, "grant").await;
    assert_eq!(restored.status, 201, "{}", restored.body);
    let certificate = cb.get(&cb.acme, &path).await.body;
    let third_expiry = three_years_on(second_expiry);
    assert_eq!(certificate["status"], "active");
    assert_eq!(date(&certificate["expires_on"]), third_expiry);
    let history = certificate["history"].as_array().unwrap();
    let last = history.last().unwrap();
    assert_eq!(
        (&last["from_status"], &last["to_status"]),
        (&json!("expired"), &json!("active"))
    );
    assert!(last["reason"].as_str().unwrap().contains("9.6.3.2"));

    // More than 6 months after expiry, recertification no longer restores it.
    move_clock_to(&cb, third_expiry + TimeDelta::days(200));
    assert_eq!(cb.run_job("certificate-expiry").await, 1);
    recertification_audit(&cb, 3, cb.lead_only()).await;
    let late = decide(&cb, &decider, "grant").await;
    assert!(late.assert_problem(409)["detail"]
        .as_str()
        .unwrap()
        .contains("more than 6 months ago"));
    assert_eq!(cb.get(&cb.acme, &path).await.body["status"], "expired");
}

/// An accepted, agreed transfer of certificate PCB-20000-77 expiring on `expires`; its
/// application's id.
async fn transfer(expires: NaiveDate) -> (crate::helpers::TestApp, User, String) {
    let (app, admin, acme) = with_confirmed_table(SMS).await;
    let mut body = application(SMS, 120, 2);
    body["current_certification"] = json!({"certification_body": "Previous CB GmbH",
        "certificate_number": "PCB-20000-77", "expires_on": expires,
        "accreditation_body": "DAkkS", "iaf_mla_signatory": true, "suspended": false});
    let id = under_review(&app, &acme, &admin, &body).await;
    let mut with_transfer = review_body(json!([]), true);
    with_transfer["transfer"] = json!({"open_nonconformities": "None",
        "last_audit_report": "Surveillance 1 of 2026-03-10, read in full", "complaints": "None",
        "cycle_position": "after_surveillance1"});
    assert_eq!(review(&app, &admin, &id, with_transfer).await.status, 200);
    assert_eq!(step(&app, &admin, &id, "accept").await.status, 200);
    let programme = app
        .post(
            &format!("/api/v1/applications/{id}/programme/agree"),
            Some(&acme.token),
            &json!({}),
        )
        .await;
    assert_eq!(programme.body["state"], "agreed", "{}", programme.body);
    (app, acme, id)
}

/// A transfer (IAF MD 2) is decided on the pre-transfer review, without an audit of ours:
/// the certificate continues the transferred one's cycle and expiry and names where it came
/// from; an expired certificate is not transferred.
#[actix_rt::test]
async fn a_transfer_issues_a_certificate_that_continues_the_transferred_cycle() {
    let expires = Utc::now().date_naive() + TimeDelta::days(500);
    let (app, acme, application) = transfer(expires).await;
    let decider = app.staff(Role::DecisionMaker, "decider@cb.example").await;
    let planned = app
        .get(
            &format!("/api/v1/applications/{application}/programme"),
            Some(&acme.token),
        )
        .await
        .body;
    let decision = json!({"programme_id": planned["id"], "outcome": "grant",
        "rationale": "Pre-transfer review complete; no open nonconformities"});

    app.config.clock.advance(TimeDelta::days(501));
    let late = app
        .post("/api/v1/decisions", Some(&decider.token), &decision)
        .await;
    assert!(late.assert_problem(409)["detail"]
        .as_str()
        .unwrap()
        .contains("only a valid certificate is transferred"));
    app.config.clock.advance(TimeDelta::days(-501));

    let granted = app
        .post("/api/v1/decisions", Some(&decider.token), &decision)
        .await;
    assert_eq!(granted.status, 201, "{}", granted.body);
    let path = format!(
        "/api/v1/certificates/{}",
        granted.body["certificate_id"].as_str().unwrap()
    );
    let certificate = app.get(&path, Some(&acme.token)).await.body;
    assert_eq!(certificate["status"], "active");
    assert_eq!(date(&certificate["expires_on"]), expires);
    let content = &certificate["content"];
    assert_eq!(content["certification_type"], "transfer");
    assert_eq!(
        content["transferred_from"],
        json!({"certification_body": "Previous CB GmbH", "certificate_number": "PCB-20000-77",
            "accreditation_body": "DAkkS"})
    );
    let pdf = app
        .get(&format!("{path}/document.pdf"), Some(&acme.token))
        .await;
    let text = String::from_utf8(poppler(&pdf.bytes, "pdftotext", &["-layout", "-", "-"])).unwrap();
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        text.contains("Transferred from Previous CB GmbH, certificate PCB-20000-77"),
        "{text}"
    );
    // The audits keep the places the transfer gave them; the expiry is the transferred one.
    let programme = app
        .get(
            &format!("/api/v1/applications/{application}/programme"),
            Some(&acme.token),
        )
        .await
        .body;
    assert_eq!(
        programme["decision_date"],
        Utc::now().date_naive().to_string()
    );
    assert_eq!(date(&programme["certificate_expires_on"]), expires);
    assert_eq!(programme["audits"], planned["audits"]);
    // The next decision is recertification, after its audit.
    let again = app
        .post("/api/v1/decisions", Some(&decider.token), &decision)
        .await;
    assert!(again.assert_problem(409)["detail"]
        .as_str()
        .unwrap()
        .contains("recertification audit is not completed"));
}
