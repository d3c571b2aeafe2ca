//! Certification decisions and certificates, through the HTTP API.

use certbody::auth::Role;
use chrono::{TimeDelta, Utc};
use serde_json::{json, Value};

use crate::audits::{certification_body, days, Cb};
use crate::helpers::User;

/// Stage 1 completed ready; stage 2 completed with a major (8.7.1) and a minor (9.2) open,
/// `observer` on its team. Returns the two findings.
async fn audited(cb: &Cb, observer: &User) -> (String, String) {
    let stage1 = cb.started(0, 0).await;
    cb.outcome(
        &stage1,
        json!({"stage1_ready": true, "conclusion": "Ready"}),
    )
    .await;
    assert_eq!(cb.complete(&stage1).await.status, 200);
    let team = json!([{"user_id": cb.lead.id, "role": "lead_auditor"}, {"user_id": observer.id, "role": "observer"}]);
    let planned = cb.plan(cb.programme_audit(1), 0, team).await;
    assert_eq!(planned.status, 201, "{}", planned.body);
    let stage2 = planned.body["id"].as_str().unwrap().to_owned();
    assert_eq!(cb.step(&cb.admin, &stage2, "confirm").await.status, 200);
    assert_eq!(cb.step(&cb.lead, &stage2, "start").await.status, 200);
    let major = cb.file(&cb.lead, &stage2, "major", "8.7.1").await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let minor = cb.file(&cb.lead, &stage2, "minor", "9.2").await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    cb.outcome(
        &stage2,
        json!({"conclusion": "Effective once 8.7.1 is corrected", "recommendation": "grant"}),
    )
    .await;
    assert_eq!(cb.complete(&stage2).await.status, 200);
    (major, minor)
}

pub(crate) async fn decide(cb: &Cb, who: &User, outcome: &str) -> crate::helpers::Response {
    let programme = cb.programme["id"].as_str().unwrap();
    cb.post(who, "/api/v1/decisions",
        json!({"programme_id": programme, "outcome": outcome, "rationale": "Report and nonconformities reviewed"}))
        .await
}

#[actix_rt::test]
async fn a_grant_issues_a_certificate_that_is_suspended_reinstated_reduced_and_expires() {
    let cb = certification_body(json!([])).await;
    let decider = cb
        .app
        .staff(Role::DecisionMaker, "decider@cb.example")
        .await;
    let observer = cb
        .app
        .staff(Role::DecisionMaker, "observer@cb.example")
        .await;

    // Nothing to grant before stage 2; a refusal is possible and tells the client.
    let early = decide(&cb, &decider, "grant").await;
    assert!(early.assert_problem(409)["detail"]
        .as_str()
        .unwrap()
        .contains("stage 2"));
    let refused = decide(&cb, &decider, "refuse").await;
    assert_eq!(refused.status, 201, "{}", refused.body);
    assert_eq!(refused.body["certificate_number"], Value::Null);
    let decision = refused.body["id"].as_str().unwrap();
    assert_eq!(
        cb.get(&cb.acme, &format!("/api/v1/decisions/{decision}"))
            .await
            .status,
        200
    );
    cb.get(&cb.globex, &format!("/api/v1/decisions/{decision}"))
        .await
        .assert_problem(404);
    let programme_id = cb.programme["id"].as_str().unwrap().to_owned();
    let listed = cb
        .get(
            &cb.acme,
            &format!("/api/v1/decisions?programme_id={programme_id}"),
        )
        .await;
    assert_eq!(listed.body.as_array().unwrap().len(), 1, "{}", listed.body);
    cb.get(
        &cb.globex,
        &format!("/api/v1/decisions?programme_id={programme_id}"),
    )
    .await
    .assert_problem(404);

    let (major, minor) = audited(&cb, &observer).await;
    // Not the auditors' decision, nor of anyone on the client's audit teams.
    decide(&cb, &cb.lead, "grant").await.assert_problem(403);
    let on_team = decide(&cb, &observer, "grant").await;
    assert!(on_team.assert_problem(403)["detail"]
        .as_str()
        .unwrap()
        .contains("audit team"));
    // Open nonconformities block the grant, each named.
    let blocked = decide(&cb, &decider, "grant").await;
    let detail = blocked.assert_problem(409)["detail"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        detail.contains("8.7.1") && detail.contains("9.2"),
        "{detail}"
    );
    let answer = json!({"correction": "c", "root_cause": "r", "corrective_action": "a",
        "correction_due": days(5), "action_due": days(20)});
    for id in [&major, &minor] {
        assert_eq!(
            cb.post(
                &cb.acme,
                &format!("/api/v1/nonconformities/{id}/response"),
                answer.clone()
            )
            .await
            .status,
            200
        );
        assert_eq!(
            cb.post(
                &cb.lead,
                &format!("/api/v1/nonconformities/{id}/accept"),
                json!({})
            )
            .await
            .status,
            200
        );
    }
    let still = decide(&cb, &decider, "grant").await;
    let detail = still.assert_problem(409)["detail"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        detail.contains("8.7.1") && !detail.contains("9.2"),
        "an accepted minor plan suffices: {detail}"
    );
    cb.post(
        &cb.acme,
        &format!("/api/v1/nonconformities/{major}/evidence-submitted"),
        json!({}),
    )
    .await;
    assert_eq!(
        cb.post(
            &cb.lead,
            &format!("/api/v1/nonconformities/{major}/verify"),
            json!({})
        )
        .await
        .status,
        200
    );

    // The grant issues the certificate and places the cycle from today.
    let granted = decide(&cb, &decider, "grant").await;
    assert_eq!(granted.status, 201, "{}", granted.body);
    let number = granted.body["certificate_number"]
        .as_str()
        .unwrap()
        .to_owned();
    let chars: Vec<char> = number.chars().collect();
    assert!(
        number.starts_with("CB-") && chars.len() == 14 && chars[7] == '-' && chars[12] == '-',
        "{number}"
    );
    decide(&cb, &decider, "grant").await.assert_problem(409);
    decide(&cb, &decider, "refuse").await.assert_problem(409);
    let id = granted.body["certificate_id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/certificates/{id}");
    let certificate = cb.get(&cb.acme, &path).await;
    assert_eq!(certificate.status, 200, "{}", certificate.body);
    let body = &certificate.body;
    let today = Utc::now().date_naive();
    assert_eq!(body["status"], "active");
    assert_eq!(body["register_status"], "Active");
    assert_eq!(body["revision"], 1);
    assert_eq!(body["original_grant_on"], today.to_string());
    // Valid three years: until the day before the third anniversary of the decision.
    let expires = today
        .checked_add_months(chrono::Months::new(36))
        .unwrap()
        .pred_opt()
        .unwrap();
    assert_eq!(body["expires_on"], expires.to_string());
    assert_eq!(body["content"]["holder"]["legal_name"], "Acme");
    assert_eq!(body["content"]["standard"], "ISO/IEC 20000-1:2018");
    assert_eq!(body["content"]["sites"].as_array().unwrap().len(), 5);
    assert_eq!(
        body["content"]["certification_body"]["name"],
        "Example Certification GmbH"
    );
    assert_eq!(
        body["content"]["certification_body"]["accreditation_body"],
        "DAkkS"
    );
    cb.get(&cb.globex, &path).await.assert_problem(404);
    // The credential verifies with a JOSE library that is not ours, reading only the JWKS,
    // and fails when one byte changes.
    let token = cb.get(&cb.acme, &format!("{path}/credential")).await;
    assert_eq!(token.header("content-type"), Some("application/vc+jwt"));
    let token = token.body.as_str().unwrap().to_owned();
    let claims = jwt_claims(&token);
    assert_eq!(claims["type"][1], "DigitalConformityCredential");
    assert_eq!(
        claims["credentialSubject"]["certificateNumber"],
        number.as_str()
    );
    assert_eq!(claims["credentialSubject"]["issuedToParty"]["name"], "Acme");
    assert_eq!(claims["validUntil"], format!("{expires}T23:59:59Z"));
    let jwks = cb.app.get("/.well-known/jwks.json", None).await.body;
    assert_eq!(verify_with_pyjwt(&jwks, &token), Ok(number.clone()));
    let mut tampered = token.clone().into_bytes();
    let middle = token.find('.').unwrap() + 10;
    tampered[middle] = if tampered[middle] == b'A' { b'B' } else { b'A' };
    assert!(verify_with_pyjwt(&jwks, &String::from_utf8(tampered).unwrap()).is_err());
    cb.get(&cb.globex, &format!("{path}/credential"))
        .await
        .assert_problem(404);
    let did = cb.app.get("/.well-known/did.json", None).await.body;
    assert_eq!(did["id"], "did:web:certbody.test");
    assert_eq!(
        did["verificationMethod"][0]["publicKeyJwk"],
        jwks["keys"][0]
    );
    let index = claims["credentialStatus"][0]["statusListIndex"]
        .as_str()
        .unwrap()
        .parse::<usize>()
        .unwrap();
    assert_eq!(claims["credentialStatus"][1]["statusPurpose"], "revocation");
    assert!(
        !status_bit(&cb, "suspension", index).await,
        "active: the bit is clear"
    );

    // The printable certificate shows every certified field and a QR code to its check.
    let page = cb.get(&cb.acme, &format!("{path}/document.html")).await;
    assert_eq!(page.status, 200);
    // A client's document: never cached, never framed, no script.
    assert_eq!(page.header("cache-control"), Some("private, no-store"));
    assert_eq!(page.header("x-frame-options"), Some("DENY"));
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    assert!(page
        .header("content-security-policy")
        .is_some_and(|csp| csp.starts_with("default-src 'none'")
            && csp.contains("frame-ancestors 'none'")
            && !csp.contains("script")));
    let page = page.body.as_str().unwrap().to_owned();
    for field in [
        number.as_str(),
        "Acme",
        "ISO/IEC 20000-1:2018",
        "Example Certification GmbH",
        "Prüfweg 1, 10115 Berlin, DE",
        "accredited by DAkkS",
        "revision 1",
        &expires.to_string(),
        &format!("http://certbody.test/verify/{number}"),
        "<svg",
    ] {
        assert!(page.contains(field), "{field} on the certificate");
    }
    for i in 0..5 {
        assert!(page.contains(&format!("<td>Site {i}</td>")), "site {i}");
    }
    assert!(!page.contains("not valid"));
    cb.get(&cb.globex, &format!("{path}/document.html"))
        .await
        .assert_problem(404);

    // The PDF/A holds the same fields as text (poppler's pdftotext), renders (pdftoppm),
    // and is the document its credential names by SHA-256.
    let pdf = cb.get(&cb.acme, &format!("{path}/document.pdf")).await;
    assert_eq!(pdf.status, 200);
    assert_eq!(pdf.header("content-type"), Some("application/pdf"));
    let text = poppler(&pdf.bytes, "pdftotext", &["-layout", "-", "-"]);
    let text = String::from_utf8(text)
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for field in [
        number.as_str(),
        "(revision 1)",
        "CERTIFICATE",
        "Acme",
        "Hauptstraße 1, 10115 Berlin, DE",
        "ISO/IEC 20000-1:2018",
        "Example Certification GmbH",
        "Prüfweg 1, 10115 Berlin, DE",
        "accredited by DAkkS",
        "CB-REG-0042",
        "initial certification",
        &format!("Original certification {today}"),
        &format!("Current issue {today}"),
        &format!("Valid until {expires}"),
        &format!("http://certbody.test/verify/{number}"),
    ] {
        assert!(text.contains(field), "{field} in the PDF: {text}");
    }
    for site in body["content"]["sites"].as_array().unwrap() {
        assert!(text.contains(site["name"].as_str().unwrap()));
        assert!(text.contains(site["scope"].as_str().unwrap()));
    }
    assert!(
        pdf.bytes
            .windows(24)
            .any(|w| w == b"<pdfaid:part>2</pdfaid:p"),
        "declares PDF/A-2"
    );
    let png = poppler(&pdf.bytes, "pdftoppm", &["-r", "30", "-png", "-"]);
    assert!(png.starts_with(b"\x89PNG"), "pdftoppm renders it");
    let digest = {
        use base64::Engine;
        use sha2::Digest;
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(&pdf.bytes))
    };
    assert_eq!(
        claims["relatedResource"][0]["digestSRI"],
        format!("sha256-{digest}")
    );
    assert_eq!(claims["relatedResource"][0]["mediaType"], "application/pdf");
    cb.get(&cb.globex, &format!("{path}/document.pdf"))
        .await
        .assert_problem(404);

    // The register export (IAF MD 28) carries the mandatory fields, as JSON or CSV.
    let export = cb
        .get(&cb.admin, "/api/v1/certificates/register-export")
        .await;
    assert_eq!(export.status, 200, "{}", export.body);
    let record = &export.body[0];
    assert_eq!(record["certificate_number"], number.as_str());
    assert_eq!(record["certification_body_id"], "CB-REG-0042");
    assert_eq!(record["status"], "Active");
    assert_eq!(record["accreditation_status"], "Accredited");
    assert_eq!(record["entity_name"], "Acme");
    assert_eq!(record["standards"], "ISO/IEC 20000-1:2018");
    assert_eq!(record["sites"].as_array().unwrap().len(), 5);
    assert_eq!(record["confidential"], false);
    let csv = cb
        .get(&cb.admin, "/api/v1/certificates/register-export?format=csv")
        .await;
    let csv = csv.body.as_str().unwrap();
    assert!(
        csv.starts_with("certification_body_id,certificate_number,status,"),
        "{csv}"
    );
    assert!(
        csv.contains(&format!("CB-REG-0042,{number},Active,Accredited,DAkkS,")),
        "{csv}"
    );
    cb.get(&cb.acme, "/api/v1/certificates/register-export")
        .await
        .assert_problem(403);
    assert_eq!(
        cb.get(&cb.admin, "/api/v1/certificates/register-export?format=xml")
            .await
            .invalid_fields(),
        ["format"]
    );
    let application = cb.programme["application_id"].as_str().unwrap();
    let programme = cb
        .get(
            &cb.acme,
            &format!("/api/v1/applications/{application}/programme"),
        )
        .await;
    assert_eq!(programme.body["decision_date"], today.to_string());
    assert!(programme.body["audits"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["provisional"] == false));

    // Nobody who audited the client decides on its certificate.
    cb.post(
        &observer,
        &format!("{path}/suspend"),
        json!({"reason": "x"}),
    )
    .await
    .assert_problem(403);
    // Suspension with its reason and a 6-month restore date, then reinstatement.
    cb.post(&cb.lead, &format!("{path}/suspend"), json!({"reason": "x"}))
        .await
        .assert_problem(403);
    let suspended = cb
        .post(
            &decider,
            &format!("{path}/suspend"),
            json!({"reason": "Surveillance audit refused"}),
        )
        .await;
    assert_eq!(suspended.body["status"], "suspended", "{}", suspended.body);
    assert_eq!(
        suspended.body["restore_by"],
        (today.checked_add_months(chrono::Months::new(6)).unwrap()).to_string()
    );
    cb.post(
        &decider,
        &format!("{path}/suspend"),
        json!({"reason": "again"}),
    )
    .await
    .assert_problem(409);
    assert!(
        status_bit(&cb, "suspension", index).await,
        "suspended: the bit is set"
    );
    assert!(
        !status_bit(&cb, "revocation", index).await,
        "suspension is not revocation"
    );
    let page = cb.get(&cb.acme, &format!("{path}/document.html")).await;
    assert!(page
        .body
        .as_str()
        .unwrap()
        .contains("SUSPENDED — this certificate is not valid: Surveillance audit refused"));
    let reinstated = cb
        .post(
            &decider,
            &format!("{path}/reinstate"),
            json!({"note": "Surveillance held"}),
        )
        .await;
    assert_eq!(reinstated.body["status"], "active", "{}", reinstated.body);
    assert!(
        !status_bit(&cb, "suspension", index).await,
        "reinstated: the bit is clear again"
    );
    let history: Vec<&str> = reinstated.body["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["to_status"].as_str().unwrap())
        .collect();
    assert_eq!(history, ["active", "suspended", "active"]);

    // A scope reduction is a new revision; the first stays, superseded.
    let site = body["content"]["sites"][0]["name"]
        .as_str()
        .unwrap()
        .to_owned();
    let first_site = cb
        .get(&cb.admin, &format!("/api/v1/applications/{application}"))
        .await
        .body["sites"][0]["id"]
        .clone();
    let second_site = cb
        .get(&cb.admin, &format!("/api/v1/applications/{application}"))
        .await
        .body["sites"][1]["id"]
        .clone();
    let reduced = cb.post(&decider, &format!("{path}/scope-reduction"), json!({"reason": "Service desk no longer offered",
        "scope": "Managed hosting", "sites": [{"site_id": first_site, "scope": "Managed hosting"}]})).await;
    assert_eq!(reduced.body["revision"], 2, "{}", reduced.body);
    assert_eq!(
        reduced.body["content"]["sites"].as_array().unwrap().len(),
        1
    );
    assert_eq!(reduced.body["content"]["sites"][0]["name"], site.as_str());
    assert_eq!(
        reduced.body["revisions"][0]["superseded_on"],
        today.to_string()
    );
    assert_eq!(reduced.body["revisions"][1]["superseded_on"], Value::Null);
    // Each revision keeps its own PDF.
    let current = cb.get(&decider, &format!("{path}/document.pdf")).await;
    let first = cb
        .get(&decider, &format!("{path}/document.pdf?revision=1"))
        .await;
    assert_eq!(first.status, 200);
    assert_ne!(current.bytes, first.bytes);
    let text = String::from_utf8(poppler(&current.bytes, "pdftotext", &["-", "-"])).unwrap();
    assert!(
        text.contains("(revision 2)") && text.contains("Managed hosting"),
        "{text}"
    );
    cb.get(&decider, &format!("{path}/document.pdf?revision=9"))
        .await
        .assert_problem(404);
    // An extension needs a completed special audit of the wider scope.
    let two_sites = json!({"reason": "Service desk reinstated at a second site", "scope": "Managed hosting and service desk",
        "sites": [{"site_id": first_site, "scope": "Managed hosting"},
                  {"site_id": second_site, "scope": "Service desk"}]});
    cb.post(
        &decider,
        &format!("{path}/scope-extension"),
        two_sites.clone(),
    )
    .await
    .assert_problem(409);
    let special = cb
        .post(&cb.admin, "/api/v1/audits", json!({"programme_id": cb.programme["id"],
            "special_reason": "Scope extension: service desk", "days": 1, "starts_on": days(0), "ends_on": days(0),
            "mode": "on_site", "remote_percent": 0, "objectives": "Audit the extended scope",
            "team": cb.lead_only()}))
        .await;
    assert_eq!(special.status, 201, "{}", special.body);
    assert_eq!(special.body["kind"], "special");
    cb.hold(
        special.body["id"].as_str().unwrap(),
        json!({"conclusion": "Extension effective", "recommendation": "grant"}),
    )
    .await;
    let extended = cb
        .post(&decider, &format!("{path}/scope-extension"), two_sites)
        .await;
    assert_eq!(extended.body["revision"], 3, "{}", extended.body);
    assert_eq!(
        extended.body["content"]["sites"].as_array().unwrap().len(),
        2
    );
    assert_eq!(
        extended.body["revisions"][1]["superseded_on"],
        today.to_string()
    );
    assert_eq!(
        cb.post(&decider, &format!("{path}/withdraw"), json!({}))
            .await
            .invalid_fields(),
        ["note"]
    );

    // Three years on, the certificate expires; an expired one is not withdrawn.
    cb.app.config.clock.advance(TimeDelta::days(3 * 366));
    assert_eq!(cb.run_job("certificate-expiry").await, 1);
    assert_eq!(cb.run_job("certificate-expiry").await, 0);
    assert_eq!(cb.get(&cb.acme, &path).await.body["status"], "expired");
    cb.post(&decider, &format!("{path}/withdraw"), json!({"note": "x"}))
        .await
        .assert_problem(409);
}

/// Audited through stage 2 with a DecisionMaker `observer@cb.example` on its team, the
/// major verified and the minor's plan accepted: ready for a grant.
async fn ready_for_decision(cb: &Cb) {
    let observer = cb
        .app
        .staff(Role::DecisionMaker, "observer@cb.example")
        .await;
    let (major, minor) = audited(cb, &observer).await;
    let answer = json!({"correction": "c", "root_cause": "r", "corrective_action": "a",
        "correction_due": days(5), "action_due": days(20)});
    for id in [&major, &minor] {
        cb.post(
            &cb.acme,
            &format!("/api/v1/nonconformities/{id}/response"),
            answer.clone(),
        )
        .await;
        cb.post(
            &cb.lead,
            &format!("/api/v1/nonconformities/{id}/accept"),
            json!({}),
        )
        .await;
    }
    cb.post(
        &cb.acme,
        &format!("/api/v1/nonconformities/{major}/evidence-submitted"),
        json!({}),
    )
    .await;
    cb.post(
        &cb.lead,
        &format!("/api/v1/nonconformities/{major}/verify"),
        json!({}),
    )
    .await;
}

/// A certificate granted today by `decider`, its nonconformities handled.
pub(crate) async fn granted(cb: &Cb, decider: &User) -> String {
    ready_for_decision(cb).await;
    let granted = decide(cb, decider, "grant").await;
    assert_eq!(granted.status, 201, "{}", granted.body);
    granted.body["certificate_id"].as_str().unwrap().to_owned()
}

#[actix_rt::test]
async fn a_missed_surveillance_suspends_the_certificate_and_a_lapsed_suspension_goes_to_the_deciders(
) {
    let cb = certification_body(json!([])).await;
    let decider = cb
        .app
        .staff(Role::DecisionMaker, "decider@cb.example")
        .await;
    let id = granted(&cb, &decider).await;
    let path = format!("/api/v1/certificates/{id}");
    let application = cb.programme["application_id"].as_str().unwrap();
    let programme = cb
        .get(
            &cb.acme,
            &format!("/api/v1/applications/{application}/programme"),
        )
        .await;
    let first = &programme.body["audits"][2];
    assert_eq!(first["kind"], "surveillance1");
    let date = |key: &str| {
        first[key]
            .as_str()
            .unwrap()
            .parse::<chrono::NaiveDate>()
            .unwrap()
    };
    let (opens, closes) = (date("window_start"), date("window_end"));
    let mut today = Utc::now().date_naive();
    let clock = cb.app.config.clock.clone();
    let mut move_to = |day: chrono::NaiveDate| {
        clock.advance(day - today);
        today = day;
    };

    assert_eq!(
        cb.run_job("certificate-deadlines").await,
        0,
        "nothing due yet"
    );
    move_to(opens - TimeDelta::days(10));
    assert_eq!(
        cb.run_job("certificate-deadlines").await,
        1,
        "the surveillance reminder"
    );
    assert_eq!(cb.run_job("certificate-deadlines").await, 0, "once");
    // The window closes without the audit: a warning, then suspension after the grace.
    move_to(closes + TimeDelta::days(1));
    assert_eq!(cb.run_job("certificate-deadlines").await, 1);
    assert_eq!(cb.get(&cb.acme, &path).await.body["status"], "active");
    move_to(closes + TimeDelta::days(31));
    assert_eq!(cb.run_job("certificate-deadlines").await, 1);
    let suspended = cb.get(&cb.acme, &path).await;
    assert_eq!(suspended.body["status"], "suspended", "{}", suspended.body);
    assert!(suspended.body["status_reason"]
        .as_str()
        .unwrap()
        .contains("surveillance"));
    assert_eq!(
        cb.get(&decider, "/api/v1/certificates?restore_overdue=true")
            .await
            .body["total"],
        0
    );
    // Past its restore date the suspension is listed for the decision makers, who are told.
    let restore_by: chrono::NaiveDate = suspended.body["restore_by"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    move_to(restore_by + TimeDelta::days(1));
    assert!(cb.run_job("certificate-deadlines").await >= 1);
    let due = cb
        .get(&decider, "/api/v1/certificates?restore_overdue=true")
        .await;
    assert_eq!(due.body["total"], 1, "{}", due.body);
    assert_eq!(due.body["items"][0]["id"], id.as_str());
    assert_eq!(
        cb.get(&cb.globex, "/api/v1/certificates").await.body["total"],
        0
    );
    // Withdrawal is final: the revocation list carries it.
    let token = cb.get(&cb.acme, &format!("{path}/credential")).await;
    let index = jwt_claims(token.body.as_str().unwrap())["credentialStatus"][1]["statusListIndex"]
        .as_str()
        .unwrap()
        .parse::<usize>()
        .unwrap();
    let withdrawn = cb
        .post(
            &decider,
            &format!("{path}/withdraw"),
            json!({"note": "Not restored in time"}),
        )
        .await;
    assert_eq!(withdrawn.body["status"], "withdrawn", "{}", withdrawn.body);
    assert!(status_bit(&cb, "revocation", index).await);
    assert!(!status_bit(&cb, "suspension", index).await);
    assert_eq!(
        cb.app
            .get("/api/v1/public/credentials/status/other", None)
            .await
            .status,
        404
    );
    let outbox = cb
        .get(&cb.admin, "/api/v1/admin/outbox?status=pending&limit=200")
        .await;
    assert!(outbox.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["recipient"] == "decider@cb.example"
            && m["subject"].as_str().unwrap().contains("restore date")));
}

/// The payload of a JWT, unverified.
pub(crate) fn jwt_claims(token: &str) -> Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// Verifies with PyJWT (Debian's `python3-jwt`, which `.ci/run` installs): the number, or
/// why not.
fn verify_with_pyjwt(jwks: &Value, token: &str) -> Result<String, String> {
    let dir = std::env::temp_dir().join(format!("certbody-vc-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("jwks.json"), jwks.to_string()).unwrap();
    std::fs::write(dir.join("token"), token).unwrap();
    let output = std::process::Command::new("/usr/bin/python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/api/verify_credential.py"
        ))
        .arg(dir.join("jwks.json"))
        .arg(dir.join("token"))
        .output()
        .expect("Debian's python3 with python3-jwt (see .ci/run)");
    let _ = std::fs::remove_dir_all(&dir);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        !stderr.contains("No module named"),
        "install python3-jwt: {stderr}"
    );
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
    } else {
        Err(stderr)
    }
}

/// Runs one of poppler's tools (Debian's `poppler-utils`, which `.ci/run` installs) on a
/// PDF given on stdin; its stdout.
pub(crate) fn poppler(pdf: &[u8], tool: &str, args: &[&str]) -> Vec<u8> {
    use std::io::Write;
    let mut child = std::process::Command::new(tool)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{tool} (install poppler-utils): {e}"));
    child.stdin.take().unwrap().write_all(pdf).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{tool}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// Whether the public status list has `index` set.
async fn status_bit(cb: &Cb, purpose: &str, index: usize) -> bool {
    use base64::Engine;
    use std::io::Read;
    let list = cb
        .app
        .get(
            &format!("/api/v1/public/credentials/status/{purpose}"),
            None,
        )
        .await;
    assert_eq!(list.status, 200);
    let claims = jwt_claims(list.body.as_str().unwrap());
    let encoded = claims["credentialSubject"]["encodedList"].as_str().unwrap();
    let compressed = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(&encoded[1..])
        .unwrap();
    let mut bits = Vec::new();
    flate2::read::GzDecoder::new(&compressed[..])
        .read_to_end(&mut bits)
        .unwrap();
    bits[index / 8] & (0x80 >> (index % 8)) != 0
}

#[actix_rt::test]
async fn of_two_deciders_granting_at_once_one_wins() {
    let cb = certification_body(json!([])).await;
    let first = cb.app.staff(Role::DecisionMaker, "first@cb.example").await;
    let second = cb.app.staff(Role::DecisionMaker, "second@cb.example").await;
    ready_for_decision(&cb).await;
    let (a, b) = tokio::join!(decide(&cb, &first, "grant"), decide(&cb, &second, "grant"));
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [201, 409], "{} / {}", a.body, b.body);
    assert_eq!(
        cb.get(&cb.admin, "/api/v1/certificates").await.body["total"],
        1
    );
}
