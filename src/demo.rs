//! `certbody demo`: a realistic sample for trying the service, loaded into an empty
//! database through the service's own HTTP API, so every record went through the same
//! rules, transactions, audit trail and mail as real work. The workflow clock is moved
//! back to let certificates be granted years ago and expire; it is back at today when the
//! demo ends. Mail the story queues stays in the outbox for the real server to send (all
//! demo addresses are under the reserved `.example` domain).

use std::time::Duration;

use chrono::{Months, NaiveDate, TimeDelta};
use serde_json::{json, Value};

use crate::accounts::{create_account, domain::AccountFields};
use crate::auth::Role;
use crate::config::Config;
use crate::db::Db;
use crate::notify::Notifier;
use crate::startup::Application;
use crate::trail::Actor;
use crate::workflow::Service;

/// The standard the sample is certified against (ISO/IEC 20000-1:2018).
const STANDARD: &str = "std-iso-iec-20000-1-2018";

/// What the demo loaded, for the command line to print.
pub struct Sample {
    /// Every demo account's password: random, so a demo database never has a known login.
    pub password: String,
    pub accounts: Vec<(String, Role, String)>,
    pub certificates: Vec<(String, String, String)>,
    pub complaint: (String, String),
}

/// Loads the sample. Refuses a database that already holds an account.
pub async fn load(config: &Config) -> Result<Sample, String> {
    let db = Db::connect(&config.database_url, 2).map_err(|e| e.to_string())?;
    db.migrate().map_err(|e| e.to_string())?;
    let accounts = db
        .run(|conn| {
            use crate::db::schema::users::dsl::users;
            use diesel::{QueryDsl, RunQueryDsl};
            Ok(users.count().get_result::<i64>(conn)?)
        })
        .await
        .map_err(|e| e.to_string())?;
    if accounts > 0 {
        return Err(format!(
            "the database already holds {accounts} account(s); the demo loads only into an empty one"
        ));
    }

    let mut demo = config.clone();
    demo.bind = "127.0.0.1:0".into();
    demo.workers = Some(1);
    // Tokens of the demo's own server only; saves a warning about a generated secret.
    demo.jwt_secret
        .get_or_insert_with(|| uuid::Uuid::new_v4().simple().to_string().repeat(2));
    // The story signs in and files more than a person would in a minute.
    demo.login_limit_per_ip = 10_000;
    demo.login_limit_per_account = 10_000;
    demo.register_limit_per_ip = 10_000;
    demo.public_limit_per_minute = 10_000;
    demo.public_filings_per_hour = 10_000;
    // No deadline job or mail delivery while the clock travels; the real server does both.
    demo.deadline_poll_seconds = 86_400;
    demo.mail.mail_poll_seconds = 86_400;
    let server = Application::build(demo.clone()).map_err(|e| e.to_string())?;
    let api = Api {
        base: format!("http://127.0.0.1:{}", server.port()),
        http: awc::Client::builder()
            .timeout(Duration::from_secs(60))
            .finish(),
        service: Service::new(db, Notifier::new(&demo.public_url)),
        clock: demo.clock.clone(),
        password: rand::distr::SampleString::sample_string(
            &rand::distr::Alphanumeric,
            &mut rand::rng(),
            20,
        ),
    };
    let handle = server.handle();
    let running = actix_web::rt::spawn(server.run_until_stopped());
    let story = tell(&api).await;
    api.clock.move_to(crate::db::now().date());
    handle.stop(true).await;
    let _ = running.await;
    story
}

/// The HTTP API of the demo's own server, and its clock.
struct Api {
    base: String,
    http: awc::Client,
    service: Service,
    clock: crate::clock::Clock,
    password: String,
}

impl Api {
    async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Value,
    ) -> Result<Value, String> {
        let method = actix_web::http::Method::from_bytes(method.as_bytes()).expect("a method");
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let mut response = request
            .send_json(&body)
            .await
            .map_err(|e| format!("{method} {path}: {e}"))?;
        let bytes = response
            .body()
            .limit(4 * 1024 * 1024)
            .await
            .map_err(|e| format!("{method} {path}: {e}"))?;
        let answer: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        if response.status().is_success() {
            Ok(answer)
        } else {
            Err(format!("{method} {path}: {} {answer}", response.status()))
        }
    }

    async fn post(&self, who: &User, path: &str, body: Value) -> Result<Value, String> {
        self.call("POST", path, Some(&who.token), body).await
    }

    async fn put(&self, who: &User, path: &str, body: Value) -> Result<Value, String> {
        self.call("PUT", path, Some(&who.token), body).await
    }

    async fn get(&self, who: &User, path: &str) -> Result<Value, String> {
        self.call("GET", path, Some(&who.token), Value::Null).await
    }

    async fn sign_in(&self, email: &str, id: String) -> Result<User, String> {
        let token = self
            .call(
                "POST",
                "/api/v1/auth/token",
                None,
                json!({"email": email, "password": self.password}),
            )
            .await?;
        Ok(User {
            id,
            email: email.to_owned(),
            token: text(&token["access_token"]),
        })
    }

    /// A staff account, created the way `certbody user create` does.
    async fn staff(&self, role: Role, email: &str, full_name: &str) -> Result<User, String> {
        let fields = AccountFields {
            email,
            full_name,
            role,
            organisation_id: None,
            password: &self.password,
        };
        let user = create_account(&self.service, Actor::operator(), fields)
            .await
            .map_err(|e| format!("account {email}: {e}"))?;
        self.sign_in(email, user.id.to_string()).await
    }

    /// A client organisation registering itself with its first user.
    async fn client(&self, email: &str, legal_name: &str, city: &str) -> Result<User, String> {
        let registered = self
            .call(
                "POST",
                "/api/v1/auth/register",
                None,
                json!({"organisation": {"legal_name": legal_name, "street": "Hauptstraße 1",
                    "city": city, "postcode": "10115", "country": "DE"},
                    "email": email, "full_name": "Quality Manager", "password": self.password}),
            )
            .await?;
        self.sign_in(email, text(&registered["user"]["id"])).await
    }

    fn today(&self) -> NaiveDate {
        self.clock.today()
    }

    fn day(&self, offset: i64) -> String {
        (self.today() + TimeDelta::days(offset)).to_string()
    }
}

struct User {
    id: String,
    email: String,
    token: String,
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

/// The CB's staff.
struct Staff {
    admin: User,
    lead: User,
    auditor: User,
    decider: User,
    suspender: User,
    handler: User,
}

fn application(city: &str, services: &[&str]) -> Value {
    json!({
        "standard_id": STANDARD,
        "scope_statement": format!("The service management system supporting {} for business customers", services.join(" and ").to_lowercase()),
        "total_personnel": 85,
        "sector_codes": [33],
        "sites": [
            {"name": "Head office", "street": "Hauptstraße 1", "city": city, "postcode": "10115",
             "country": "DE", "headcount": 60, "is_central": true},
            {"name": "Operations centre", "street": "Industriestraße 7", "city": "Leipzig",
             "postcode": "04109", "country": "DE", "headcount": 25, "is_central": false}
        ],
        "services_in_scope": services,
        "other_party_processes": [{"process": "8.1", "party": "Data centre facilities provider", "kind": "external_supplier"}],
        "consultancy": [],
    })
}

/// Draft → submitted → under review; returns the application's id.
async fn under_review(
    api: &Api,
    staff: &Staff,
    client: &User,
    body: Value,
) -> Result<String, String> {
    let id = text(&api.post(client, "/api/v1/applications", body).await?["id"]);
    api.post(
        client,
        &format!("/api/v1/applications/{id}/submit"),
        json!({}),
    )
    .await?;
    api.post(
        &staff.admin,
        &format!("/api/v1/applications/{id}/start-review"),
        json!({}),
    )
    .await?;
    Ok(id)
}

/// From application to a granted certificate, all on the clock's current day; returns the
/// certificate's id and its number.
async fn certify(
    api: &Api,
    staff: &Staff,
    client: &User,
    city: &str,
    services: &[&str],
) -> Result<(String, String), String> {
    let id = under_review(api, staff, client, application(city, services)).await?;
    api.put(&staff.admin, &format!("/api/v1/applications/{id}/review"),
        json!({"information_sufficient": true, "scope_clear": true, "competence_available": true,
            "threats_addressed": true, "notes": "German-speaking team; both sites visited in stage 2",
            "adjustments": []}))
        .await?;
    api.post(
        &staff.admin,
        &format!("/api/v1/applications/{id}/accept"),
        json!({}),
    )
    .await?;
    let programme = api
        .post(
            client,
            &format!("/api/v1/applications/{id}/programme/agree"),
            json!({}),
        )
        .await?;
    let entry = |i: usize| text(&programme["audits"][i]["id"]);
    let team = json!([{"user_id": staff.lead.id, "role": "lead_auditor"},
        {"user_id": staff.auditor.id, "role": "auditor"}]);

    let stage1 = hold(
        api,
        staff,
        &entry(0),
        &team,
        &[],
        json!({"stage1_ready": true,
        "conclusion": "The SMS is documented and ready for stage 2"}),
    )
    .await?;
    let findings = [
        (
            "major",
            "8.7.1",
            "Incident records: 14 of 40 incidents in March had no priority",
            "Incidents are not prioritised as the SMS requires",
        ),
        (
            "minor",
            "9.2",
            "Internal audit programme 2024: no audit of clause 8.5 planned",
            "The internal audit programme does not cover service design and transition",
        ),
        (
            "improvement",
            "8.3.3",
            "Monthly service level reports show single months only",
            "Service level reports could show trends over several months",
        ),
    ];
    let stage2 = hold(
        api,
        staff,
        &entry(1),
        &team,
        &findings,
        json!({
        "conclusion": "The SMS is effective once incident prioritisation is corrected",
        "recommendation": "grant"}),
    )
    .await?;
    let _ = stage1;

    // The client answers; the lead auditor accepts the plans and verifies the major.
    let found = api
        .get(&staff.lead, &format!("/api/v1/audits/{stage2}/findings"))
        .await?;
    for finding in found.as_array().into_iter().flatten() {
        let nc = text(&finding["id"]);
        if finding["kind"] == "improvement" {
            continue;
        }
        let answer = if finding["kind"] == "major" {
            json!({"correction": "Priorities set for the 14 incidents and reviewed",
                "root_cause": "The tool allowed tickets without a priority",
                "corrective_action": "Priority made mandatory in the tool; staff briefed"})
        } else {
            json!({"correction": "Audit of clause 8.5 added to this year's programme",
                "root_cause": "The programme was copied from the year before the SMS grew",
                "corrective_action": "The programme is now derived from the clause list each year"})
        };
        let mut answer = answer;
        answer["correction_due"] = json!(api.day(5));
        answer["action_due"] = json!(api.day(60));
        api.post(
            client,
            &format!("/api/v1/nonconformities/{nc}/response"),
            answer,
        )
        .await?;
        api.post(
            &staff.lead,
            &format!("/api/v1/nonconformities/{nc}/accept"),
            json!({}),
        )
        .await?;
        if finding["kind"] == "major" {
            api.post(
                client,
                &format!("/api/v1/nonconformities/{nc}/evidence-submitted"),
                json!({}),
            )
            .await?;
            api.post(
                &staff.lead,
                &format!("/api/v1/nonconformities/{nc}/verify"),
                json!({}),
            )
            .await?;
        }
    }
    let decision = api
        .post(&staff.decider, "/api/v1/decisions", json!({
            "programme_id": programme["id"], "outcome": "grant",
            "rationale": "Stage 2 report reviewed; the major nonconformity is corrected and verified, the minor's plan accepted"}))
        .await?;
    let certificate = text(&decision["certificate_id"]);
    let number = text(
        &api.get(client, &format!("/api/v1/certificates/{certificate}"))
            .await?["number"],
    );
    Ok((certificate, number))
}

/// Plans, confirms, starts, records findings and the outcome, and completes an audit.
async fn hold(
    api: &Api,
    staff: &Staff,
    entry: &str,
    team: &Value,
    findings: &[(&str, &str, &str, &str)],
    outcome: Value,
) -> Result<String, String> {
    let planned = api
        .post(&staff.admin, "/api/v1/audits", json!({
            "programme_audit_id": entry, "starts_on": api.day(0), "ends_on": api.day(1),
            "mode": "on_site", "remote_percent": 0,
            "objectives": "Evaluate the implementation and effectiveness of the SMS", "team": team}))
        .await?;
    let audit = text(&planned["id"]);
    let path = format!("/api/v1/audits/{audit}");
    api.post(&staff.admin, &format!("{path}/confirm"), json!({}))
        .await?;
    api.post(&staff.lead, &format!("{path}/start"), json!({}))
        .await?;
    for (kind, clause, evidence, statement) in findings {
        api.post(
            &staff.lead,
            &format!("{path}/findings"),
            json!({
            "kind": kind, "clause": clause, "requirement": format!("ISO/IEC 20000-1:2018 {clause}"),
            "evidence": evidence, "statement": statement}),
        )
        .await?;
    }
    api.put(&staff.lead, &format!("{path}/outcome"), outcome)
        .await?;
    api.post(&staff.lead, &format!("{path}/report-draft"), json!({}))
        .await?;
    api.post(&staff.lead, &format!("{path}/complete"), json!({}))
        .await?;
    Ok(audit)
}

async fn tell(api: &Api) -> Result<Sample, String> {
    let today = api.today();
    // Far enough back that a certificate granted then has expired by now.
    let start = today - Months::new(37) - TimeDelta::days(20);
    api.clock.move_to(start);

    let staff = Staff {
        admin: api
            .staff(Role::Admin, "admin@cb.example", "Sabine Admin")
            .await?,
        lead: api
            .staff(Role::Auditor, "lead@cb.example", "Lars Lead")
            .await?,
        auditor: api
            .staff(Role::Auditor, "auditor@cb.example", "Aylin Auditor")
            .await?,
        decider: api
            .staff(Role::DecisionMaker, "decider@cb.example", "Dora Decider")
            .await?,
        suspender: api
            .staff(Role::DecisionMaker, "reviewer@cb.example", "Ravi Reviewer")
            .await?,
        handler: api
            .staff(
                Role::ComplaintHandler,
                "handler@cb.example",
                "Hanna Handler",
            )
            .await?,
    };
    api.post(
        &staff.admin,
        &format!("/api/v1/standards/{STANDARD}/audit-time/confirm"),
        json!({}),
    )
    .await?;
    for (who, grade) in [(&staff.lead, "lead_auditor"), (&staff.auditor, "auditor")] {
        api.post(
            &staff.admin,
            &format!("/api/v1/auditors/{}/qualifications", who.id),
            json!({
            "standard_id": STANDARD, "grade": grade, "sector_codes": [33],
            "valid_from": api.day(-30), "valid_until": api.day(365 * 5)}),
        )
        .await?;
    }

    // Four clients certified at different times: one expired, one withdrawn, one
    // suspended (and appealing), one active.
    let umbrella = api
        .client(
            "quality@umbrella.example",
            "Umbrella Hosting GmbH",
            "Hamburg",
        )
        .await?;
    let (umbrella_certificate, umbrella_number) =
        certify(api, &staff, &umbrella, "Hamburg", &["Managed hosting"]).await?;
    let umbrella_expires: NaiveDate = api
        .get(
            &umbrella,
            &format!("/api/v1/certificates/{umbrella_certificate}"),
        )
        .await?["expires_on"]
        .as_str()
        .and_then(|day| day.parse().ok())
        .ok_or("the certificate has no expiry date")?;
    api.clock.move_to(today - TimeDelta::days(400));
    let initech = api
        .client("quality@initech.example", "Initech Services AG", "München")
        .await?;
    let (initech_certificate, initech_number) = certify(
        api,
        &staff,
        &initech,
        "München",
        &["Service desk", "Desktop support"],
    )
    .await?;
    api.clock.move_to(today - TimeDelta::days(200));
    let globex = api
        .client("quality@globex.example", "Globex Cloud GmbH", "Köln")
        .await?;
    let (globex_certificate, globex_number) = certify(
        api,
        &staff,
        &globex,
        "Köln",
        &["Cloud hosting", "Backup as a service"],
    )
    .await?;
    // The day after its expiry date, the daily job expires Umbrella's certificate.
    api.clock.move_to(umbrella_expires + TimeDelta::days(1));
    api.post(
        &staff.admin,
        "/api/v1/admin/jobs/certificate-expiry/run",
        json!({}),
    )
    .await?;
    api.clock.move_to(today - TimeDelta::days(40));
    let acme = api
        .client(
            "quality@acme.example",
            "Acme Managed Services GmbH",
            "Berlin",
        )
        .await?;
    let (_, acme_number) = certify(
        api,
        &staff,
        &acme,
        "Berlin",
        &["Managed hosting", "Service desk"],
    )
    .await?;

    api.clock.move_to(today - TimeDelta::days(30));
    api.post(
        &staff.decider,
        &format!("/api/v1/certificates/{initech_certificate}/withdraw"),
        json!({"note": "The client ended its contract with us and asked for withdrawal"}),
    )
    .await?;
    api.clock.move_to(today - TimeDelta::days(10));
    api.post(
        &staff.suspender,
        &format!("/api/v1/certificates/{globex_certificate}/suspend"),
        json!({"reason": "The client did not allow the surveillance audit to take place"}),
    )
    .await?;
    api.clock.move_to(today - TimeDelta::days(8));
    let appeal = api
        .post(&globex, "/api/v1/appeals", json!({"subject": "suspension",
            "certificate_id": globex_certificate,
            "grounds": "The surveillance audit was postponed by agreement with the lead auditor; see our mail."}))
        .await?;
    let appeal = text(&appeal["id"]);
    api.post(
        &staff.admin,
        &format!("/api/v1/appeals/{appeal}/acknowledge"),
        json!({}),
    )
    .await?;
    api.post(
        &staff.admin,
        &format!("/api/v1/appeals/{appeal}/assign"),
        json!({"handler_id": staff.handler.id}),
    )
    .await?;

    // Complaints: a false claim, handled to a public notice; one about a client, just in.
    api.clock.move_to(today - TimeDelta::days(6));
    let claim = api
        .call(
            "POST",
            "/api/v1/public/complaints",
            None,
            json!({"kind": "false_claim",
            "organisation_name": "Nakatomi Trading Ltd",
            "description": "Their website shows an ISO/IEC 20000-1 certificate from you.",
            "reporter_name": "Rita Reporter", "reporter_email": "rita@reporter.example"}),
        )
        .await?;
    let _ = claim;
    let queue = api.get(&staff.handler, "/api/v1/complaints").await?;
    let path = format!("/api/v1/complaints/{}", text(&queue["items"][0]["id"]));
    api.post(
        &staff.handler,
        &format!("{path}/acknowledge"),
        json!({"note": "It concerns a claim of certification by us."}),
    )
    .await?;
    api.post(
        &staff.admin,
        &format!("{path}/assign"),
        json!({"handler_id": staff.handler.id}),
    )
    .await?;
    api.post(&staff.handler, &format!("{path}/decide"), json!({"outcome": "substantiated",
        "public_notice": true,
        "public_outcome": "Nakatomi Trading Ltd holds no certificate from us; we published a notice."}))
        .await?;
    api.post(
        &staff.admin,
        &format!("{path}/close"),
        json!({"note": "Thank you for telling us."}),
    )
    .await?;
    api.clock.move_to(today - TimeDelta::days(1));
    let complaint = api
        .call("POST", "/api/v1/public/complaints", None, json!({"kind": "certified_client",
            "organisation_name": "Acme Managed Services GmbH", "certificate_number": acme_number,
            "description": "Our incident of 2 November was closed without any answer for three weeks.",
            "reporter_email": "customer@shop.example"}))
        .await?;

    // Applications in every other state.
    api.clock.move_to(today);
    let draft = api
        .client("quality@hooli.example", "Hooli Data GmbH", "Dresden")
        .await?;
    api.post(
        &draft,
        "/api/v1/applications",
        application("Dresden", &["Data analytics platform"]),
    )
    .await?;
    let submitted = api
        .client("quality@vandelay.example", "Vandelay IT GmbH", "Bremen")
        .await?;
    let id = text(
        &api.post(
            &submitted,
            "/api/v1/applications",
            application("Bremen", &["Service desk"]),
        )
        .await?["id"],
    );
    api.post(
        &submitted,
        &format!("/api/v1/applications/{id}/submit"),
        json!({}),
    )
    .await?;
    let reviewed = api
        .client("quality@stark.example", "Stark Systems GmbH", "Stuttgart")
        .await?;
    under_review(
        api,
        &staff,
        &reviewed,
        application("Stuttgart", &["Network operations"]),
    )
    .await?;
    let asked = api
        .client("quality@wayne.example", "Wayne Hosting GmbH", "Essen")
        .await?;
    let id = under_review(api, &staff, &asked, application("Essen", &["Colocation"])).await?;
    api.post(
        &staff.admin,
        &format!("/api/v1/applications/{id}/request-information"),
        json!({"message": "Please list the services your data centre provider runs for you."}),
    )
    .await?;
    let refused = api
        .client(
            "quality@cyberdyne.example",
            "Cyberdyne Support GmbH",
            "Kassel",
        )
        .await?;
    let id = under_review(
        api,
        &staff,
        &refused,
        application("Kassel", &["Robot maintenance"]),
    )
    .await?;
    api.post(
        &staff.admin,
        &format!("/api/v1/applications/{id}/reject"),
        json!({"message": "Robot maintenance is outside the scope of our accreditation."}),
    )
    .await?;
    let withdrawn = api
        .client("quality@soylent.example", "Soylent Networks GmbH", "Bonn")
        .await?;
    let id = text(
        &api.post(
            &withdrawn,
            "/api/v1/applications",
            application("Bonn", &["Network operations"]),
        )
        .await?["id"],
    );
    api.post(
        &withdrawn,
        &format!("/api/v1/applications/{id}/withdraw"),
        json!({"message": "We will apply next year, after our reorganisation."}),
    )
    .await?;

    // A buyer watches its suppliers' certificates; a person subscribes by email.
    let buyer = api
        .staff(
            Role::RelyingParty,
            "buyer@procurement.example",
            "Paul Procurement",
        )
        .await?;
    api.post(
        &buyer,
        "/api/v1/watch/certificates",
        json!({"numbers": [acme_number, globex_number]}),
    )
    .await?;
    api.call(
        "POST",
        "/api/v1/public/watch",
        None,
        json!({"certificate_number": acme_number, "email": "watcher@customer.example"}),
    )
    .await?;

    let mut accounts: Vec<(String, Role, String)> = [
        (&staff.admin, Role::Admin, "scheme manager"),
        (
            &staff.lead,
            Role::Auditor,
            "lead auditor, audited every client",
        ),
        (&staff.auditor, Role::Auditor, "auditor"),
        (
            &staff.decider,
            Role::DecisionMaker,
            "granted every certificate",
        ),
        (
            &staff.suspender,
            Role::DecisionMaker,
            "suspended Globex's certificate",
        ),
        (
            &staff.handler,
            Role::ComplaintHandler,
            "handles the complaints and Globex's appeal",
        ),
        (&buyer, Role::RelyingParty, "watches Acme and Globex"),
    ]
    .into_iter()
    .map(|(user, role, what)| (user.email.clone(), role, what.to_owned()))
    .collect();
    for (client, what) in [
        (&acme, "Acme: certificate active"),
        (&globex, "Globex: certificate suspended, appeal open"),
        (&initech, "Initech: certificate withdrawn"),
        (&umbrella, "Umbrella: certificate expired"),
        (&draft, "Hooli: application in draft"),
        (&submitted, "Vandelay: application submitted"),
        (&reviewed, "Stark: application under review"),
        (&asked, "Wayne: information requested"),
        (&refused, "Cyberdyne: application rejected"),
        (&withdrawn, "Soylent: application withdrawn"),
    ] {
        accounts.push((client.email.clone(), Role::Applicant, what.to_owned()));
    }
    Ok(Sample {
        password: api.password.clone(),
        accounts,
        certificates: vec![
            (
                acme_number,
                "active".into(),
                "Acme Managed Services GmbH".into(),
            ),
            (
                globex_number,
                "suspended".into(),
                "Globex Cloud GmbH".into(),
            ),
            (
                initech_number,
                "withdrawn".into(),
                "Initech Services AG".into(),
            ),
            (
                umbrella_number,
                "expired".into(),
                "Umbrella Hosting GmbH".into(),
            ),
        ],
        complaint: (text(&complaint["reference"]), text(&complaint["secret"])),
    })
}
