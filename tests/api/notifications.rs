use std::collections::HashSet;
use std::time::Duration;

use certbody::auth::Role;
use certbody::db::now;
use certbody::notify::dispatcher::{DispatchReport, Dispatcher};
use certbody::notify::Notifier;
use serde_json::json;

use crate::helpers::{registration, smtp_to, spawn_app_with, TestApp, ISSUER};
use crate::smtp_sink::SmtpSink;

fn dispatcher(app: &TestApp) -> Dispatcher {
    Dispatcher::from_config(app.db.clone(), &app.config.mail).expect("dispatcher")
}

/// A port with nothing listening on it: an SMTP server that is down.
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[actix_rt::test]
async fn mail_is_committed_with_its_change_and_delivered_over_smtp() {
    let sink = SmtpSink::start();
    let app = spawn_app_with(|config| smtp_to(config, sink.port)).await;
    let admin = app.staff(Role::Admin, "admin@cb.example").await;
    let applicant = app
        .register_applicant("quality@acme.example", "Acme IT Services GmbH")
        .await;
    let client_id = app.get("/api/v1/me", Some(&applicant.token)).await.body["organisation"]
        ["client_id"]
        .clone();

    // A refused change queues nothing.
    app.post(
        "/api/v1/auth/register",
        None,
        &registration("quality@acme.example", "Acme Again"),
    )
    .await
    .assert_problem(409);
    let queued = app
        .get("/api/v1/admin/outbox?status=pending", Some(&admin.token))
        .await;
    assert_eq!(
        queued.body["total"], 2,
        "admin's account mail and the registration: {}",
        queued.body
    );
    let registration_mail = queued.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["template"] == "registration_received")
        .unwrap()
        .clone();
    assert_eq!(registration_mail["recipient"], "quality@acme.example");
    assert!(
        sink.messages().is_empty(),
        "nothing is sent before the dispatcher runs"
    );

    let report = dispatcher(&app).run_once(now()).await.unwrap();
    assert_eq!(report, DispatchReport { sent: 2, failed: 0 });
    let delivered = sink.messages();
    let mail = delivered
        .iter()
        .find(|m| m.recipients == ["quality@acme.example"])
        .expect("registration mail delivered");
    assert_eq!(
        mail.header("Subject").as_deref(),
        Some("Registration received: Acme IT Services GmbH")
    );
    assert_eq!(
        mail.header("Message-ID"),
        registration_mail["message_id"].as_str().map(str::to_owned)
    );
    assert!(
        mail.data.contains(client_id.as_str().unwrap()),
        "body names the client id: {}",
        mail.data
    );
    assert!(mail.data.contains("text/html") && mail.data.contains("text/plain"));

    let sent = app
        .get("/api/v1/admin/outbox?status=sent", Some(&admin.token))
        .await;
    assert_eq!(sent.body["total"], 2);
    assert_eq!(
        dispatcher(&app).run_once(now()).await.unwrap(),
        DispatchReport::default(),
        "nothing sent twice"
    );
    assert_eq!(sink.messages().len(), 2);
}

#[actix_rt::test]
async fn mail_survives_an_smtp_outage_and_goes_out_once_the_server_is_back() {
    let port = closed_port();
    let app = spawn_app_with(|config| {
        smtp_to(config, port);
        config.mail.mail_max_attempts = 3;
    })
    .await;
    let admin = app.staff(Role::Admin, "admin@cb.example").await;
    app.register_applicant("quality@acme.example", "Acme").await;
    let dispatcher = dispatcher(&app);
    let start = now();

    // Down: both messages fail, stay queued with the error, and wait for their backoff.
    assert_eq!(
        dispatcher.run_once(start).await.unwrap(),
        DispatchReport { sent: 0, failed: 2 }
    );
    let pending = app
        .get("/api/v1/admin/outbox?status=pending", Some(&admin.token))
        .await;
    assert_eq!(pending.body["total"], 2);
    assert_eq!(pending.body["items"][0]["attempts"], 1);
    assert!(pending.body["items"][0]["last_error"]
        .as_str()
        .is_some_and(|e| !e.is_empty()));
    assert_eq!(
        dispatcher.run_once(start).await.unwrap(),
        DispatchReport::default(),
        "not due before the backoff"
    );

    // Back up: due after the first backoff (60 s), delivered.
    let sink = SmtpSink::start_on(port);
    let report = dispatcher
        .run_once(start + Duration::from_secs(61))
        .await
        .unwrap();
    assert_eq!(report, DispatchReport { sent: 2, failed: 0 });
    assert!(sink
        .messages()
        .iter()
        .any(|m| m.recipients == ["quality@acme.example"]));
    drop(sink);

    // Down for good: after the last attempt a message is dead, an admin re-queues it once.
    app.post(
        "/api/v1/admin/users",
        Some(&admin.token),
        &json!({"email": "ada@cb.example", "full_name": "Ada",
        "role": "auditor", "password": "a long enough password"}),
    )
    .await;
    let mut at = start + Duration::from_secs(120);
    for _ in 0..3 {
        assert_eq!(dispatcher.run_once(at).await.unwrap().failed, 1);
        at += Duration::from_secs(3600);
    }
    let dead = app
        .get("/api/v1/admin/outbox?status=dead", Some(&admin.token))
        .await;
    assert_eq!(dead.body["total"], 1, "{}", dead.body);
    assert_eq!(dead.body["items"][0]["attempts"], 3);
    let id = dead.body["items"][0]["id"].as_str().unwrap().to_owned();
    let requeued = app
        .post(
            &format!("/api/v1/admin/outbox/{id}/retry"),
            Some(&admin.token),
            &json!({}),
        )
        .await;
    assert_eq!(
        (requeued.status, requeued.body["status"].as_str()),
        (200, Some("pending")),
        "{}",
        requeued.body
    );
    app.post(
        &format!("/api/v1/admin/outbox/{id}/retry"),
        Some(&admin.token),
        &json!({}),
    )
    .await
    .assert_problem(409);
    app.post(
        "/api/v1/admin/outbox/no-such-id/retry",
        Some(&admin.token),
        &json!({}),
    )
    .await
    .assert_problem(404);
    let sink = SmtpSink::start_on(port);
    assert_eq!(dispatcher.run_once(now()).await.unwrap().sent, 1);
    assert_eq!(sink.messages()[0].recipients, ["ada@cb.example"]);
    let events = app
        .get(
            &format!("/api/v1/audit-events?entity_type=outbox_message&entity_id={id}"),
            Some(&admin.token),
        )
        .await;
    assert_eq!(events.body["items"][0]["action"], "requeued");
}

#[actix_rt::test]
async fn two_dispatchers_never_send_the_same_message_twice() {
    let sink = SmtpSink::start();
    let app = spawn_app_with(|config| smtp_to(config, sink.port)).await;
    let notifier = Notifier::new(ISSUER);
    let count = 120;
    app.db
        .write(move |conn| {
            for i in 0..count {
                let context = json!({"recipient_name": "R", "role": "auditor", "email": format!("user{i}@cb.example")});
                notifier.enqueue(conn, &format!("user{i}@cb.example"), "account_created", context, None)?;
            }
            Ok(())
        })
        .await
        .unwrap();
    let (first, second) = (dispatcher(&app), dispatcher(&app));
    let at = now();
    let mut sent = 0;
    for _ in 0..3 {
        let (a, b) = futures_util::future::join(first.run_once(at), second.run_once(at)).await;
        sent += a.unwrap().sent + b.unwrap().sent;
    }
    let delivered = sink.messages();
    let unique: HashSet<_> = delivered
        .iter()
        .map(|m| m.header("Message-ID").unwrap())
        .collect();
    assert_eq!((sent, delivered.len(), unique.len()), (count, count, count));
}

#[actix_rt::test]
async fn the_service_writes_mail_files_in_the_background_when_no_smtp_is_set() {
    let app = spawn_app_with(|config| config.mail.mail_poll_seconds = 1).await;
    app.register_applicant("quality@acme.example", "Acme").await;
    let dir = std::path::PathBuf::from(&app.config.mail.mail_dir);
    let mut files = Vec::new();
    for _ in 0..100 {
        files = std::fs::read_dir(&dir)
            .map(|entries| entries.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        if !files.is_empty() {
            break;
        }
        actix_rt::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(files.len(), 1, "one .eml file in {}", dir.display());
    assert_eq!(files[0].extension().and_then(|e| e.to_str()), Some("eml"));
    let content = std::fs::read_to_string(&files[0]).unwrap();
    assert!(
        content.contains("Subject: Registration received: Acme")
            && content.contains("To: quality@acme.example")
    );
}
