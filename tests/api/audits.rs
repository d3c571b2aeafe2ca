//! Audits, teams, findings and nonconformities, through the HTTP API.

use certbody::auth::Role;
use chrono::{NaiveDate, TimeDelta, Utc};
use serde_json::{json, Value};

use crate::applications::{
    application, review, review_body, step, under_review, with_confirmed_table_for, SMS,
};
use crate::helpers::{Response, TestApp, User};

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(bytes))
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

pub(crate) fn days(n: i64) -> String {
    (today() + TimeDelta::days(n)).to_string()
}

/// A client with an agreed programme and its CB: admin, a qualified lead auditor and a
/// qualified auditor (IAF sector 33), and another client.
pub(crate) struct Cb {
    pub(crate) app: TestApp,
    pub(crate) admin: User,
    pub(crate) acme: User,
    pub(crate) globex: User,
    pub(crate) lead: User,
    pub(crate) auditor: User,
    pub(crate) programme: Value,
}

impl Cb {
    pub(crate) async fn post(&self, user: &User, path: &str, body: Value) -> Response {
        self.app.post(path, Some(&user.token), &body).await
    }

    pub(crate) async fn get(&self, user: &User, path: &str) -> Response {
        self.app.get(path, Some(&user.token)).await
    }

    pub(crate) async fn qualify(
        &self,
        who: &User,
        grade: &str,
        codes: Value,
        until: &str,
    ) -> Response {
        self.post(
            &self.admin,
            &format!("/api/v1/auditors/{}/qualifications", who.id),
            json!({"standard_id": SMS, "grade": grade, "sector_codes": codes,
                "valid_from": days(-400), "valid_until": until}),
        )
        .await
    }

    pub(crate) fn programme_audit(&self, i: usize) -> &str {
        self.programme["audits"][i]["id"].as_str().unwrap()
    }

    pub(crate) async fn plan(&self, programme_audit: &str, start: i64, team: Value) -> Response {
        self.post(
            &self.admin,
            "/api/v1/audits",
            json!({"programme_audit_id": programme_audit, "starts_on": days(start),
                "ends_on": days(start + 1), "mode": "on_site", "remote_percent": 0,
                "objectives": "Evaluate the implementation and effectiveness of the SMS",
                "team": team}),
        )
        .await
    }

    pub(crate) async fn step(&self, user: &User, audit: &str, action: &str) -> Response {
        self.post(user, &format!("/api/v1/audits/{audit}/{action}"), json!({}))
            .await
    }

    pub(crate) async fn replace_team(&self, audit: &str, body: &Value) -> Response {
        self.app
            .request(
                "PUT",
                &format!("/api/v1/audits/{audit}/team"),
                Some(&self.admin.token),
                Some(body),
            )
            .await
    }

    pub(crate) fn lead_only(&self) -> Value {
        json!([{"user_id": self.lead.id, "role": "lead_auditor"}])
    }

    /// Plans, confirms and starts an audit of programme entry `i`.
    pub(crate) async fn started(&self, i: usize, start: i64) -> String {
        let planned = self
            .plan(self.programme_audit(i), start, self.lead_only())
            .await;
        assert_eq!(planned.status, 201, "{}", planned.body);
        let id = planned.body["id"].as_str().unwrap().to_owned();
        assert_eq!(self.step(&self.admin, &id, "confirm").await.status, 200);
        let started = self.step(&self.lead, &id, "start").await;
        assert_eq!(started.body["state"], "in_progress", "{}", started.body);
        id
    }

    pub(crate) async fn outcome(&self, audit: &str, body: Value) -> Response {
        self.app
            .request(
                "PUT",
                &format!("/api/v1/audits/{audit}/outcome"),
                Some(&self.lead.token),
                Some(&body),
            )
            .await
    }

    /// Draft and complete, with the outcome already recorded.
    /// Confirms, starts, concludes with `outcome` and completes a planned audit.
    pub(crate) async fn hold(&self, audit: &str, outcome: Value) {
        assert_eq!(self.step(&self.admin, audit, "confirm").await.status, 200);
        assert_eq!(self.step(&self.lead, audit, "start").await.status, 200);
        self.outcome(audit, outcome).await;
        assert_eq!(self.complete(audit).await.status, 200);
    }

    pub(crate) async fn complete(&self, audit: &str) -> Response {
        assert_eq!(
            self.step(&self.lead, audit, "report-draft").await.status,
            200
        );
        self.step(&self.lead, audit, "complete").await
    }

    pub(crate) async fn file(&self, who: &User, audit: &str, kind: &str, clause: &str) -> Response {
        self.post(
            who,
            &format!("/api/v1/audits/{audit}/findings"),
            json!({"kind": kind, "clause": clause, "requirement": "The organisation shall …",
                "evidence": "Records of March were not available", "statement": format!("{kind} at {clause}")}),
        )
        .await
    }

    pub(crate) async fn run_job(&self, name: &str) -> i64 {
        let ran = self
            .post(
                &self.admin,
                &format!("/api/v1/admin/jobs/{name}/run"),
                json!({}),
            )
            .await;
        assert_eq!(ran.status, 200, "{}", ran.body);
        ran.body["done"].as_i64().unwrap()
    }
}

/// Five sites (so samples differ between audits), sector 33, and `consultancy`.
pub(crate) async fn certification_body(consultancy: Value) -> Cb {
    certification_body_for("Acme", consultancy).await
}

/// As `certification_body`, the client organisation named `client`.
pub(crate) async fn certification_body_for(client: &str, consultancy: Value) -> Cb {
    let (app, admin, acme) = with_confirmed_table_for(SMS, client).await;
    let globex = app.register_applicant("it@globex.example", "Globex").await;
    let lead = app.staff(Role::Auditor, "lead@cb.example").await;
    let auditor = app.staff(Role::Auditor, "auditor@cb.example").await;
    let mut body = application(SMS, 120, 5);
    body["sector_codes"] = json!([33]);
    body["consultancy"] = consultancy;
    let id = under_review(&app, &acme, &admin, &body).await;
    assert_eq!(
        review(&app, &admin, &id, review_body(json!([]), true))
            .await
            .status,
        200
    );
    assert_eq!(
        step(&app, &admin, &id, "accept").await.status,
        200,
        "accepted"
    );
    let agreed = app
        .post(
            &format!("/api/v1/applications/{id}/programme/agree"),
            Some(&acme.token),
            &json!({}),
        )
        .await;
    assert_eq!(agreed.status, 200, "{}", agreed.body);
    let cb = Cb {
        app,
        admin,
        acme,
        globex,
        lead,
        auditor,
        programme: agreed.body,
    };
    let until = days(1000);
    assert_eq!(
        cb.qualify(&cb.lead, "lead_auditor", json!([33]), &until)
            .await
            .status,
        201
    );
    assert_eq!(
        cb.qualify(&cb.auditor, "auditor", json!([33]), &until)
            .await
            .status,
        201
    );
    cb
}

#[actix_rt::test]
async fn stage_1_ready_then_stage_2_with_nonconformities_answered_verified_and_carried() {
    let cb = certification_body(json!([])).await;

    // Stage 2 can be planned and confirmed, but not started before stage 1 said "ready".
    let stage2 = cb.plan(cb.programme_audit(1), 0, cb.lead_only()).await;
    assert_eq!(stage2.status, 201, "{}", stage2.body);
    let twice = cb.plan(cb.programme_audit(1), 0, cb.lead_only()).await;
    assert!(twice.assert_problem(409)["detail"]
        .as_str()
        .unwrap()
        .contains("already planned"));
    let stage2_id = stage2.body["id"].as_str().unwrap().to_owned();
    assert_eq!(cb.step(&cb.admin, &stage2_id, "confirm").await.status, 200);
    let too_early = cb.step(&cb.lead, &stage2_id, "start").await;
    assert!(too_early.assert_problem(409)["detail"]
        .as_str()
        .unwrap()
        .contains("stage 1"));

    // Stage 1: readiness and areas of concern are required before completion.
    let stage1 = cb.started(0, 0).await;
    assert_eq!(cb.step(&cb.lead, &stage1, "report-draft").await.status, 200);
    let early = cb.step(&cb.lead, &stage1, "complete").await;
    assert!(early.assert_problem(409)["detail"]
        .as_str()
        .unwrap()
        .contains("ready for stage 2"));
    let recorded = cb
        .outcome(
            &stage1,
            json!({"stage1_ready": true, "conclusion": "Documented information is adequate",
            "areas_of_concern": ["Availability reporting is new"]}),
        )
        .await;
    assert_eq!(recorded.status, 200, "{}", recorded.body);
    // The client uploads its documented information; type, size and owner are checked.
    let docs = format!("/api/v1/audits/{stage1}/documents");
    let pdf = b"%PDF-1.7 service management manual".to_vec();
    let uploaded = cb
        .app
        .upload(
            &docs,
            &cb.acme.token,
            "../SMS manual.pdf",
            "application/pdf",
            &pdf,
        )
        .await;
    assert_eq!(uploaded.status, 201, "{}", uploaded.body);
    assert_eq!(uploaded.body["filename"], "SMS manual.pdf");
    assert_eq!(uploaded.body["sha256"], sha256_hex(&pdf));
    let document = uploaded.body["id"].as_str().unwrap().to_owned();
    cb.app
        .upload(
            &docs,
            &cb.acme.token,
            "tool.pdf",
            "application/pdf",
            b"MZ\x90\x00",
        )
        .await
        .assert_problem(415);
    cb.app
        .upload(
            &docs,
            &cb.acme.token,
            "big.pdf",
            "application/pdf",
            &[b'%'; 70 * 1024],
        )
        .await
        .assert_problem(413);
    cb.app
        .upload(&docs, &cb.globex.token, "x.pdf", "application/pdf", &pdf)
        .await
        .assert_problem(404);
    cb.get(&cb.globex, &format!("{docs}/{document}"))
        .await
        .assert_problem(404);
    cb.get(&cb.globex, &docs).await.assert_problem(404);
    let downloaded = cb.get(&cb.lead, &format!("{docs}/{document}")).await;
    assert_eq!(downloaded.status, 200);
    assert_eq!(downloaded.header("content-type"), Some("application/pdf"));
    assert_eq!(
        cb.get(&cb.acme, &docs).await.body[0]["id"],
        document.as_str()
    );

    let done = cb.step(&cb.lead, &stage1, "complete").await;
    assert_eq!(done.body["state"], "completed", "{}", done.body);
    cb.app
        .upload(&docs, &cb.acme.token, "late.pdf", "application/pdf", &pdf)
        .await
        .assert_problem(409);
    // The client sees the stage 1 report once completed.
    let report = cb
        .get(&cb.acme, &format!("/api/v1/audits/{stage1}/report"))
        .await;
    assert_eq!(report.body["revision"], 1, "{}", report.body);
    assert_eq!(
        report.body["content"]["outcome"]["areas_of_concern"][0],
        "Availability reporting is new"
    );

    // Stage 2 now starts; its team files one major, two minors and an opportunity.
    let started = cb.step(&cb.lead, &stage2_id, "start").await;
    assert_eq!(started.body["state"], "in_progress", "{}", started.body);
    assert!(
        cb.get(&cb.acme, &format!("/api/v1/audits/{stage2_id}/report"))
            .await
            .status
            == 404
    );
    let mut ids = Vec::new();
    for (kind, clause) in [
        ("major", "8.7.1"),
        ("minor", "8.2.1"),
        ("minor", "9.2"),
        ("improvement", "8.5.1"),
    ] {
        let filed = cb.file(&cb.lead, &stage2_id, kind, clause).await;
        assert_eq!(filed.status, 201, "{}", filed.body);
        ids.push(filed.body["id"].as_str().unwrap().to_owned());
    }
    let (major, minor_a, minor_b, improvement) = (&ids[0], &ids[1], &ids[2], &ids[3]);
    assert_eq!(
        cb.get(&cb.acme, &format!("/api/v1/nonconformities/{major}"))
            .await
            .body["state"],
        "open"
    );
    assert_eq!(
        cb.get(&cb.acme, &format!("/api/v1/nonconformities/{improvement}"))
            .await
            .body["state"],
        "noted"
    );
    // A bad clause, a staff member not on the team, and another client are refused.
    assert_eq!(
        cb.file(&cb.lead, &stage2_id, "minor", "8.9.9")
            .await
            .invalid_fields(),
        ["clause"]
    );
    cb.file(&cb.auditor, &stage2_id, "minor", "8.2.1")
        .await
        .assert_problem(403);
    cb.get(&cb.globex, &format!("/api/v1/audits/{stage2_id}/findings"))
        .await
        .assert_problem(404);
    cb.get(&cb.globex, &format!("/api/v1/nonconformities/{major}"))
        .await
        .assert_problem(404);
    let theirs = cb.get(&cb.globex, "/api/v1/nonconformities").await;
    assert_eq!(theirs.body["total"], 0, "{}", theirs.body);
    let ours = cb.get(&cb.acme, "/api/v1/nonconformities").await;
    assert_eq!(ours.body["total"], 4, "{}", ours.body);

    // Conclusion and recommendation, then completion freezes the report with every finding.
    assert_eq!(
        cb.outcome(&stage2_id, json!({"stage1_ready": true}))
            .await
            .invalid_fields(),
        ["stage1_ready"]
    );
    let concluded = cb
        .outcome(
            &stage2_id,
            json!({"conclusion": "Effective, with nonconformities", "recommendation": "grant"}),
        )
        .await;
    assert_eq!(concluded.status, 200, "{}", concluded.body);
    // The client reads the conclusion only in the completed report; findings keep the
    // audit from being cancelled.
    let seen = cb
        .get(&cb.acme, &format!("/api/v1/audits/{stage2_id}"))
        .await;
    assert_eq!(
        seen.body["outcome"]["conclusion"],
        Value::Null,
        "{}",
        seen.body
    );
    cb.post(
        &cb.admin,
        &format!("/api/v1/audits/{stage2_id}/cancel"),
        json!({"note": "Client asked"}),
    )
    .await
    .assert_problem(409);
    assert_eq!(cb.complete(&stage2_id).await.body["state"], "completed");
    let seen = cb
        .get(&cb.acme, &format!("/api/v1/audits/{stage2_id}"))
        .await;
    assert_eq!(seen.body["outcome"]["recommendation"], "grant");
    // Stage 1 came before: it carries none of stage 2's findings.
    let earlier = cb.get(&cb.admin, &format!("/api/v1/audits/{stage1}")).await;
    assert_eq!(earlier.body["carried_nonconformities"], json!([]));
    cb.file(&cb.lead, &stage2_id, "minor", "8.2.1")
        .await
        .assert_problem(409);
    let html = cb
        .get(&cb.acme, &format!("/api/v1/audits/{stage2_id}/report.html"))
        .await;
    assert_eq!(html.status, 200);
    assert_eq!(html.header("cache-control"), Some("private, no-store"));
    assert_eq!(html.header("referrer-policy"), Some("no-referrer"));
    let html = html.body.as_str().unwrap().to_owned();
    for clause in ["8.7.1", "8.2.1", "9.2", "8.5.1"] {
        assert!(
            html.contains(&format!("<td>{clause}</td>")),
            "{clause} in the report"
        );
    }
    cb.outcome(&stage2_id, json!({"conclusion": "changed"}))
        .await
        .assert_problem(409);
    let revised = cb
        .post(&cb.lead, &format!("/api/v1/audits/{stage2_id}/report/revisions"),
            json!({"reason": "Typo in the conclusion", "conclusion": "Effective, with three nonconformities"}))
        .await;
    assert_eq!(revised.status, 201, "{}", revised.body);
    assert_eq!(revised.body["revisions"], json!([1, 2]));

    // Responses: the client answers; one minor is returned and answered again.
    let answer = json!({"correction": "Reports produced for March", "root_cause": "No owner for the report",
        "corrective_action": "Service owner assigned; monthly check", "correction_due": days(10), "action_due": days(40)});
    let too_late = json!({"correction": "x", "root_cause": "y", "corrective_action": "z",
        "correction_due": days(10), "action_due": days(400)});
    cb.post(
        &cb.globex,
        &format!("/api/v1/nonconformities/{major}/response"),
        too_late.clone(),
    )
    .await
    .assert_problem(404);
    assert_eq!(
        cb.post(
            &cb.acme,
            &format!("/api/v1/nonconformities/{major}/response"),
            too_late
        )
        .await
        .invalid_fields(),
        ["action_due"]
    );
    for id in [major, minor_a, minor_b] {
        let responded = cb
            .post(
                &cb.acme,
                &format!("/api/v1/nonconformities/{id}/response"),
                answer.clone(),
            )
            .await;
        assert_eq!(responded.body["state"], "responded", "{}", responded.body);
    }
    cb.post(
        &cb.acme,
        &format!("/api/v1/nonconformities/{major}/response"),
        answer.clone(),
    )
    .await
    .assert_problem(409);
    assert_eq!(
        cb.post(
            &cb.lead,
            &format!("/api/v1/nonconformities/{minor_b}/return"),
            json!({})
        )
        .await
        .invalid_fields(),
        ["note"]
    );
    let returned = cb
        .post(
            &cb.lead,
            &format!("/api/v1/nonconformities/{minor_b}/return"),
            json!({"note": "The cause is not analysed"}),
        )
        .await;
    assert_eq!(returned.body["state"], "returned", "{}", returned.body);
    assert_eq!(returned.body["state_note"], "The cause is not analysed");
    cb.post(
        &cb.acme,
        &format!("/api/v1/nonconformities/{minor_b}/accept"),
        json!({}),
    )
    .await
    .assert_problem(403);
    let again = cb
        .post(
            &cb.acme,
            &format!("/api/v1/nonconformities/{minor_b}/response"),
            answer.clone(),
        )
        .await;
    assert_eq!(again.body["state"], "responded", "{}", again.body);
    for id in [major, minor_a, minor_b] {
        let accepted = cb
            .post(
                &cb.lead,
                &format!("/api/v1/nonconformities/{id}/accept"),
                json!({}),
            )
            .await;
        assert_eq!(accepted.body["state"], "accepted", "{}", accepted.body);
    }
    // The major is verified on evidence; after that nothing more is answered or uploaded.
    let evidence = format!("/api/v1/nonconformities/{major}/documents");
    let shot = b"\x89PNG\r\n\x1a\n availability dashboard".to_vec();
    let attached = cb
        .app
        .upload(
            &evidence,
            &cb.acme.token,
            "dashboard.png",
            "image/png",
            &shot,
        )
        .await;
    assert_eq!(attached.status, 201, "{}", attached.body);
    assert_eq!(attached.body["sha256"], sha256_hex(&shot));
    cb.get(&cb.globex, &evidence).await.assert_problem(404);
    // A major is verified on evidence only.
    cb.post(
        &cb.lead,
        &format!("/api/v1/nonconformities/{major}/verify"),
        json!({}),
    )
    .await
    .assert_problem(409);
    let submitted = cb
        .post(
            &cb.acme,
            &format!("/api/v1/nonconformities/{major}/evidence-submitted"),
            json!({}),
        )
        .await;
    assert_eq!(
        submitted.body["state"], "evidence_submitted",
        "{}",
        submitted.body
    );
    let verified = cb
        .post(
            &cb.lead,
            &format!("/api/v1/nonconformities/{major}/verify"),
            json!({"note": "Reports seen for April and May"}),
        )
        .await;
    assert_eq!(verified.body["state"], "verified", "{}", verified.body);
    cb.post(
        &cb.acme,
        &format!("/api/v1/nonconformities/{major}/response"),
        answer,
    )
    .await
    .assert_problem(409);

    // Surveillance visits other sites than stage 2 and carries the two open minors.
    let surveillance = cb.plan(cb.programme_audit(2), 200, cb.lead_only()).await;
    assert_eq!(surveillance.status, 201, "{}", surveillance.body);
    let stage2_sites = cb
        .get(&cb.admin, &format!("/api/v1/audits/{stage2_id}"))
        .await
        .body["plan"]["site_ids"]
        .clone();
    assert_ne!(surveillance.body["plan"]["site_ids"], stage2_sites);
    let mut carried: Vec<&str> = surveillance.body["carried_nonconformities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| id.as_str().unwrap())
        .collect();
    carried.sort();
    let mut minors = vec![minor_a.as_str(), minor_b.as_str()];
    minors.sort();
    assert_eq!(carried, minors);
    // Lists: the client its own audits with their teams, another client none.
    let listed = cb.get(&cb.acme, "/api/v1/audits").await;
    assert_eq!(listed.body["total"], 3, "{}", listed.body);
    assert!(listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["team"][0]["role"] == "lead_auditor"));
    assert_eq!(
        listed.body["items"][0]["carried_nonconformities"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(cb.get(&cb.globex, "/api/v1/audits").await.body["total"], 0);
    assert_eq!(
        cb.get(&cb.auditor, "/api/v1/audits").await.body["total"],
        0,
        "not on any team"
    );
    // The client was mailed the plans.
    let outbox = cb
        .get(&cb.admin, "/api/v1/admin/outbox?status=pending&limit=200")
        .await;
    let audit_mails = outbox.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["template"] == "audit_notice" && m["recipient"] == "quality@acme.example")
        .count();
    assert!(
        audit_mails >= 6,
        "plans, confirmations, completions: {audit_mails}"
    );
}

#[actix_rt::test]
async fn teams_are_refused_without_qualification_or_with_a_conflict_and_objections_are_heard() {
    // Consultancy by a person now on the CB's staff, ended last year (17021-1 5.2.10).
    let cb = certification_body(json!([{"provider": "Ex-consultant", "kind": "cb_personnel",
        "person": "consultant@cb.example", "ended_on": days(-300)}]))
    .await;
    let entry = cb.programme_audit(0).to_owned();
    let newcomer = cb.app.staff(Role::Auditor, "newcomer@cb.example").await;
    let lapsing = cb.app.staff(Role::Auditor, "lapsing@cb.example").await;
    let consultant = cb.app.staff(Role::Auditor, "consultant@cb.example").await;
    let conflicted = cb.app.staff(Role::Auditor, "conflicted@cb.example").await;
    assert_eq!(
        cb.qualify(&lapsing, "auditor", json!([33]), &days(7))
            .await
            .status,
        201
    );
    assert_eq!(
        cb.qualify(&consultant, "auditor", json!([33]), &days(900))
            .await
            .status,
        201
    );
    assert_eq!(
        cb.qualify(&conflicted, "auditor", json!([33]), &days(900))
            .await
            .status,
        201
    );
    let declared = cb
        .post(&conflicted, &format!("/api/v1/auditors/{}/conflicts", conflicted.id),
            json!({"organisation_id": cb.acme.organisation_id, "reason": "Former employee", "valid_from": days(-30)}))
        .await;
    assert_eq!(declared.status, 201, "{}", declared.body);
    // Nobody else declares for them, and qualifications are the admins' to record.
    cb.post(
        &cb.auditor,
        &format!("/api/v1/auditors/{}/conflicts", conflicted.id),
        json!({"organisation_id": cb.acme.organisation_id, "reason": "x", "valid_from": days(0)}),
    )
    .await
    .assert_problem(403);
    cb.post(&cb.lead, &format!("/api/v1/auditors/{}/qualifications", newcomer.id),
        json!({"standard_id": SMS, "grade": "auditor", "sector_codes": [33], "valid_from": days(0), "valid_until": days(9)}))
        .await
        .assert_problem(403);
    assert_eq!(
        cb.qualify(&newcomer, "auditor", json!([40]), &days(9))
            .await
            .invalid_fields(),
        ["sector_codes"]
    );

    let with = |who: &User| json!([{"user_id": cb.lead.id, "role": "lead_auditor"}, {"user_id": who.id, "role": "auditor"}]);
    let reason = |response: Response| -> String {
        assert_eq!(
            response.invalid_fields(),
            ["team[1].user_id"],
            "{}",
            response.body
        );
        response.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert!(reason(cb.plan(&entry, 10, with(&newcomer)).await).contains("no auditor qualification"));
    assert!(reason(cb.plan(&entry, 10, with(&lapsing)).await).contains("valid until"));
    assert!(reason(cb.plan(&entry, 10, with(&consultant)).await).contains("5.2.10"));
    assert!(reason(cb.plan(&entry, 10, with(&conflicted)).await).contains("Former employee"));
    // Two leads, or a team without sector 33, are refused as a whole.
    let two_leads = json!([{"user_id": cb.lead.id, "role": "lead_auditor"}, {"user_id": cb.auditor.id, "role": "lead_auditor"}]);
    assert_eq!(
        cb.plan(&entry, 10, two_leads).await.invalid_fields(),
        ["team"]
    );
    let expert = cb.app.staff(Role::Auditor, "expert@cb.example").await;
    let other_sector = cb
        .post(&cb.admin, &format!("/api/v1/auditors/{}/qualifications", expert.id),
            json!({"standard_id": SMS, "grade": "lead_auditor", "sector_codes": [35], "valid_from": days(-1), "valid_until": days(900)}))
        .await;
    assert_eq!(other_sector.status, 201);
    let uncovered = cb
        .plan(
            &entry,
            10,
            json!([{"user_id": expert.id, "role": "lead_auditor"}]),
        )
        .await;
    assert_eq!(uncovered.invalid_fields(), ["team"]);

    // A sound team; the client objects to the auditor after confirmation.
    let planned = cb.plan(&entry, 0, with(&cb.auditor)).await;
    assert_eq!(planned.status, 201, "{}", planned.body);
    let audit = planned.body["id"].as_str().unwrap().to_owned();
    assert_eq!(cb.step(&cb.admin, &audit, "confirm").await.status, 200);
    let objection = format!("/api/v1/audits/{audit}/team/{}/objection", cb.auditor.id);
    cb.post(&cb.globex, &objection, json!({"reason": "x"}))
        .await
        .assert_problem(404);
    let objected = cb
        .post(
            &cb.acme,
            &objection,
            json!({"reason": "Worked for our competitor last year"}),
        )
        .await;
    assert_eq!(objected.status, 200, "{}", objected.body);
    assert_eq!(objected.body["team"][1]["objection"]["status"], "pending");
    cb.post(&cb.acme, &objection, json!({"reason": "again"}))
        .await
        .assert_problem(409);
    cb.step(&cb.lead, &audit, "start").await.assert_problem(409);
    // A pending objection is decided, not replaced away.
    let same_team = json!({"team": [{"user_id": cb.lead.id, "role": "lead_auditor"}, {"user_id": cb.auditor.id, "role": "auditor"}]});
    cb.replace_team(&audit, &same_team)
        .await
        .assert_problem(409);
    let upheld = cb
        .post(
            &cb.admin,
            &format!("{objection}/decision"),
            json!({"upheld": true, "note": "Another auditor will be assigned"}),
        )
        .await;
    assert_eq!(upheld.body["state"], "planned", "{}", upheld.body);
    assert_eq!(upheld.body["team"].as_array().unwrap().len(), 1);
    // The removed auditor no longer reaches the audit nor comes back; the plan is
    // confirmed again.
    cb.get(&cb.auditor, &format!("/api/v1/audits/{audit}"))
        .await
        .assert_problem(403);
    assert_eq!(
        cb.replace_team(&audit, &same_team).await.invalid_fields(),
        ["team[1].user_id"]
    );
    assert_eq!(
        cb.step(&cb.admin, &audit, "confirm").await.body["state"],
        "confirmed"
    );
    assert_eq!(
        cb.step(&cb.lead, &audit, "start").await.body["state"],
        "in_progress"
    );
    cb.post(&cb.acme, &objection, json!({"reason": "late"}))
        .await
        .assert_problem(409);
    // Cancelling needs a reason and is refused once the report is drafted.
    assert_eq!(
        cb.step(&cb.admin, &audit, "cancel").await.invalid_fields(),
        ["note"]
    );
    assert_eq!(cb.step(&cb.lead, &audit, "report-draft").await.status, 200);
    cb.post(
        &cb.admin,
        &format!("/api/v1/audits/{audit}/cancel"),
        json!({"note": "Client asked"}),
    )
    .await
    .assert_problem(409);
}

#[actix_rt::test]
async fn deadlines_move_with_the_clock_and_each_notice_goes_once() {
    let cb = certification_body(json!([])).await;
    let clock = cb.app.config.clock.clone();
    // A qualification lapsing in 60 days: one reminder now, the 30-day one a month on.
    let lapsing = cb.app.staff(Role::Auditor, "lapsing@cb.example").await;
    assert_eq!(
        cb.qualify(&lapsing, "auditor", json!([33]), &days(60))
            .await
            .status,
        201
    );
    assert_eq!(cb.run_job("qualification-lapses").await, 1);
    assert_eq!(cb.run_job("qualification-lapses").await, 0);

    let stage1 = cb.started(0, 0).await;
    cb.outcome(
        &stage1,
        json!({"stage1_ready": true, "conclusion": "Ready"}),
    )
    .await;
    assert_eq!(cb.complete(&stage1).await.status, 200);
    let stage2 = cb.started(1, 0).await;
    let major = cb.file(&cb.lead, &stage2, "major", "8.7.1").await;
    let major = major.body["id"].as_str().unwrap().to_owned();
    cb.outcome(
        &stage2,
        json!({"conclusion": "One major", "recommendation": "refuse"}),
    )
    .await;
    assert_eq!(cb.complete(&stage2).await.status, 200);
    assert_eq!(
        cb.run_job("nonconformity-deadlines").await,
        0,
        "nothing due yet"
    );

    // 31 days after stage 2 the answer is overdue: one notice, once.
    clock.advance(TimeDelta::days(36));
    assert_eq!(cb.run_job("nonconformity-deadlines").await, 1);
    assert_eq!(cb.run_job("nonconformity-deadlines").await, 0);
    let overdue = cb
        .get(&cb.admin, "/api/v1/nonconformities?overdue=true")
        .await;
    assert_eq!(overdue.body["total"], 1, "{}", overdue.body);
    assert_eq!(overdue.body["items"][0]["id"], major.as_str());
    assert_eq!(
        cb.run_job("qualification-lapses").await,
        1,
        "the 30-day reminder"
    );
    // Seven months on, the unverified major means a new stage 2 (17021-1 9.5.3).
    clock.advance(TimeDelta::days(180));
    assert!(cb.run_job("nonconformity-deadlines").await >= 1);
    let application = cb.programme["application_id"].as_str().unwrap();
    let programme = cb
        .get(
            &cb.acme,
            &format!("/api/v1/applications/{application}/programme"),
        )
        .await;
    assert!(
        programme.body["new_stage2_required_on"].is_string(),
        "{}",
        programme.body
    );
    // The lapsed qualification no longer counts for a new audit.
    let team = json!([{"user_id": cb.lead.id, "role": "lead_auditor"}, {"user_id": lapsing.id, "role": "auditor"}]);
    let planned = cb.plan(cb.programme_audit(2), 220, team).await;
    assert_eq!(
        planned.invalid_fields(),
        ["team[1].user_id"],
        "{}",
        planned.body
    );
    cb.get(&cb.globex, &format!("/api/v1/nonconformities/{major}"))
        .await
        .assert_problem(404);
}
