//! Watching certificates through the HTTP API: an email subscription with double opt-in,
//! a relying party's watch list with a signed webhook that survives its receiver being
//! down, and the server-side request forgery check on receivers.

use base64::Engine;
use certbody::auth::Role;
use certbody::watch::dispatcher::{DeliveryReport, WebhookDispatcher};
use chrono::Utc;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::helpers::{spawn_app_with, User};
use crate::verification::certified;
use crate::webhook_sink::WebhookSink;

fn token_in(body: &str, path: &str) -> String {
    let start = body.find(path).expect("the link is in the mail") + path.len();
    body[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Verifies a delivery the way the Standard Webhooks specification says a receiver does.
fn signature_valid(
    secret: &str,
    headers: &std::collections::HashMap<String, String>,
    body: &str,
) -> bool {
    let key = base64::engine::general_purpose::STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(
        format!(
            "{}.{}.{body}",
            headers["webhook-id"], headers["webhook-timestamp"]
        )
        .as_bytes(),
    );
    let expected = format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    );
    headers["webhook-signature"]
        .split(' ')
        .any(|signature| signature == expected)
}

/// A certified client, a decision maker who did not grant it, and a relying party.
async fn watched_certificate() -> (crate::audits::Cb, String, String, User, User) {
    let (cb, certificate, number) = certified("Acme").await;
    let decider = cb
        .app
        .staff(Role::DecisionMaker, "second-decider@cb.example")
        .await;
    let buyer = cb
        .app
        .staff(Role::RelyingParty, "supplier-risk@buyer.example")
        .await;
    (cb, certificate, number, decider, buyer)
}

#[actix_rt::test]
async fn a_confirmed_subscriber_and_a_relying_partys_webhook_hear_of_a_suspension() {
    let (cb, certificate, number, decider, buyer) = watched_certificate().await;

    // Email: nothing is watched until the mailed link is followed.
    let subscribe =
        json!({"certificate_number": number.to_lowercase(), "email": "Watcher@Example.org"});
    let asked = cb.app.post("/api/v1/public/watch", None, &subscribe).await;
    assert_eq!(asked.status, 202, "{}", asked.body);
    assert_eq!(asked.body["certificate_number"], number.as_str());
    let mails = cb.app.mail_to("watcher@example.org").await;
    assert_eq!(mails.len(), 1);
    let token = token_in(&mails[0].1, "/watch/confirm?token=");
    cb.app
        .post(
            "/api/v1/public/watch/confirm",
            None,
            &json!({"token": "nope"}),
        )
        .await
        .assert_problem(404);
    let confirmed = cb
        .app
        .post(
            "/api/v1/public/watch/confirm",
            None,
            &json!({"token": token}),
        )
        .await;
    assert_eq!(
        confirmed.body,
        json!({"certificate_number": number, "confirmed": true})
    );
    let again = cb.app.post("/api/v1/public/watch", None, &subscribe).await;
    assert_eq!(
        again.body, asked.body,
        "the same answer, and no second mail"
    );
    assert_eq!(cb.app.mail_to("watcher@example.org").await.len(), 1);
    let unknown = crate::verification::never_issued(&number);
    cb.app
        .post(
            "/api/v1/public/watch",
            None,
            &json!({"certificate_number": unknown, "email": "a@b.example"}),
        )
        .await
        .assert_problem(404);

    // A relying party watches the number and registers a receiver that is down for now.
    let port = free_port();
    let path = "/api/v1/watch/webhooks";
    cb.post(
        &cb.acme,
        path,
        json!({"url": format!("http://127.0.0.1:{port}/hooks")}),
    )
    .await
    .assert_problem(403);
    let endpoint = cb
        .post(
            &buyer,
            path,
            json!({"url": format!("http://127.0.0.1:{port}/hooks")}),
        )
        .await;
    assert_eq!(endpoint.status, 201, "{}", endpoint.body);
    let secret = endpoint.body["secret"].as_str().unwrap().to_owned();
    let endpoint_id = endpoint.body["id"].as_str().unwrap().to_owned();
    assert!(
        cb.get(&buyer, path).await.body[0].get("secret").is_none(),
        "the secret is shown once"
    );
    let watched = cb
        .post(
            &buyer,
            "/api/v1/watch/certificates",
            json!({"numbers": [number, number]}),
        )
        .await;
    assert_eq!(
        watched.body,
        json!({"added": [number], "already_watched": [number]})
    );
    let refused = cb
        .post(
            &buyer,
            "/api/v1/watch/certificates",
            json!({"numbers": [number, unknown, "XX-1"]}),
        )
        .await;
    assert_eq!(refused.invalid_fields(), ["numbers[1]", "numbers[2]"]);
    // A relying party reaches no client's records.
    for list in [
        "/api/v1/applications",
        "/api/v1/organisations",
        "/api/v1/audits",
        "/api/v1/nonconformities",
        "/api/v1/certificates",
        "/api/v1/appeals",
        "/api/v1/complaints",
        "/api/v1/audit-events",
        "/api/v1/admin/users",
        "/api/v1/admin/outbox",
    ] {
        let answer = cb.get(&buyer, list).await;
        assert!(
            answer.status == 403 || answer.status == 404,
            "{list}: {} {}",
            answer.status,
            answer.body
        );
    }
    cb.get(&buyer, &format!("/api/v1/certificates/{certificate}"))
        .await
        .assert_problem(404);

    // The suspension is told in its own transaction: mail and webhook outbox.
    let suspended = cb
        .post(
            &decider,
            &format!("/api/v1/certificates/{certificate}/suspend"),
            json!({"reason": "Surveillance audit refused"}),
        )
        .await;
    assert_eq!(suspended.body["status"], "suspended", "{}", suspended.body);
    let notice = cb.app.mail_to("watcher@example.org").await.pop().unwrap();
    assert!(
        notice.0.contains(&number) && notice.0.contains("suspended"),
        "{notice:?}"
    );
    assert!(
        !notice.1.contains("Surveillance audit refused"),
        "the reason stays private"
    );
    let unsubscribe = token_in(&notice.1, "/watch/unsubscribe?token=");

    // Receiver down: the delivery waits with the error; back up, it arrives signed.
    let dispatcher = WebhookDispatcher::new(cb.app.db.clone(), true, 5);
    let start = Utc::now().naive_utc();
    assert_eq!(
        dispatcher.run_once(start).await.unwrap(),
        DeliveryReport {
            delivered: 0,
            failed: 1
        }
    );
    let log = cb
        .get(&buyer, &format!("{path}/{endpoint_id}/deliveries"))
        .await;
    assert_eq!(
        (
            &log.body["items"][0]["status"],
            &log.body["items"][0]["attempts"]
        ),
        (&json!("pending"), &json!(1))
    );
    assert!(log.body["items"][0]["last_error"]
        .as_str()
        .unwrap()
        .contains("no answer"));
    assert_eq!(
        dispatcher.run_once(start).await.unwrap(),
        DeliveryReport::default(),
        "not before its backoff"
    );
    let sink = WebhookSink::start_on(port);
    let later = start + chrono::TimeDelta::seconds(31);
    assert_eq!(
        dispatcher.run_once(later).await.unwrap(),
        DeliveryReport {
            delivered: 1,
            failed: 0
        }
    );
    let received = sink.received();
    assert_eq!(received.len(), 1);
    let hook = &received[0];
    assert!(signature_valid(&secret, &hook.headers, &hook.body));
    assert!(!signature_valid(
        "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        &hook.headers,
        &hook.body
    ));
    let payload: Value = serde_json::from_str(&hook.body).unwrap();
    assert_eq!(payload["type"], "certificate.status_changed");
    assert_eq!(
        (
            &payload["data"]["status"],
            &payload["data"]["previous_status"]
        ),
        (&json!("suspended"), &json!("active"))
    );
    assert_eq!(payload["data"]["certificate"]["number"], number.as_str());
    let log = cb
        .get(&buyer, &format!("{path}/{endpoint_id}/deliveries"))
        .await;
    assert_eq!(log.body["items"][0]["status"], "delivered");
    assert_eq!(
        log.body["items"][0]["id"],
        hook.headers["webhook-id"].as_str()
    );
    assert_eq!(
        dispatcher.run_once(later).await.unwrap(),
        DeliveryReport::default(),
        "delivered once"
    );

    // Another relying party sees none of it.
    let rival = cb
        .app
        .staff(Role::RelyingParty, "rival@buyer.example")
        .await;
    cb.get(&rival, &format!("{path}/{endpoint_id}/deliveries"))
        .await
        .assert_problem(404);

    // The notice names its unsubscribe link for mail providers (RFC 8058), and their
    // one-click POST to it unsubscribes; the next change mails nobody.
    let link = format!("/watch/unsubscribe?token={unsubscribe}");
    let listed = {
        use certbody::db::schema::outbox_messages::dsl as outbox;
        use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
        cb.app
            .db
            .run(|conn| {
                Ok(outbox::outbox_messages
                    .filter(outbox::template.eq("watch_notice"))
                    .select(outbox::list_unsubscribe)
                    .first::<Option<String>>(conn)?)
            })
            .await
            .unwrap()
    };
    assert_eq!(listed, Some(format!("{}{link}", cb.app.config.public_url)));
    let gone = cb
        .app
        .post_raw(
            &link,
            "application/x-www-form-urlencoded",
            b"List-Unsubscribe=One-Click".to_vec(),
        )
        .await;
    assert_eq!(gone.status, 200, "{}", gone.body);
    assert!(gone.body.as_str().unwrap().contains("no longer be mailed"));
    let reinstated = cb
        .post(
            &decider,
            &format!("/api/v1/certificates/{certificate}/reinstate"),
            json!({}),
        )
        .await;
    assert_eq!(reinstated.body["status"], "active", "{}", reinstated.body);
    assert_eq!(cb.app.mail_to("watcher@example.org").await.len(), 2);
    // ... while the relying party's receiver hears of it.
    assert_eq!(
        dispatcher.run_once(later).await.unwrap(),
        DeliveryReport {
            delivered: 1,
            failed: 0
        }
    );
    assert_eq!(sink.received().len(), 2);
}

#[actix_rt::test]
async fn webhooks_into_private_networks_are_refused_unless_allowed() {
    let app = spawn_app_with(|config| config.webhooks_allow_private = false).await;
    let buyer = app
        .staff(Role::RelyingParty, "supplier-risk@buyer.example")
        .await;
    for url in [
        "http://127.0.0.1:9/hooks",
        "http://169.254.169.254/latest",
        "http://[::1]/x",
        "http://10.0.0.8/",
        "ftp://hooks.example.com/",
        "https://user:pw@hooks.example.com/",
    ] {
        let refused = app
            .post(
                "/api/v1/watch/webhooks",
                Some(&buyer.token),
                &json!({"url": url}),
            )
            .await;
        assert_eq!(refused.invalid_fields(), ["url"], "{url}: {}", refused.body);
    }
    assert_eq!(
        app.get("/api/v1/watch/webhooks", Some(&buyer.token))
            .await
            .body,
        json!([])
    );
}

#[actix_rt::test]
async fn people_follow_a_certificate_from_its_page_confirm_with_a_button_and_leave_in_one_click() {
    let (cb, _, number) = certified("Acme").await;
    let page = cb.app.get(&format!("/verify/{number}"), None).await;
    assert!(page
        .body
        .as_str()
        .unwrap()
        .contains(&format!(r#"action="/verify/{number}/watch""#)));
    let asked = cb
        .app
        .post_form(
            &format!("/verify/{number}/watch"),
            &[("email", "fan@example.org")],
        )
        .await;
    assert_eq!(asked.status, 202, "{}", asked.body);
    let mail = cb.app.mail_to("fan@example.org").await.pop().unwrap();
    let token = token_in(&mail.1, "/watch/confirm?token=");

    // Following the link only shows a button: a mail filter's link check confirms nothing.
    let button = cb
        .app
        .get(&format!("/watch/confirm?token={token}"), None)
        .await;
    assert!(button
        .body
        .as_str()
        .unwrap()
        .contains(&format!(r#"value="{token}""#)));
    let again = cb
        .app
        .post(
            "/api/v1/public/watch/unsubscribe",
            None,
            &json!({"token": token}),
        )
        .await;
    assert_eq!(
        again.body["confirmed"], false,
        "an unconfirmed address can leave too"
    );
    let gone = cb
        .app
        .post_form("/watch/confirm", &[("token", &token)])
        .await;
    assert_eq!(gone.status, 404);

    cb.app
        .post_form(
            &format!("/verify/{number}/watch"),
            &[("email", "fan@example.org")],
        )
        .await;
    let token = token_in(
        &cb.app.mail_to("fan@example.org").await.pop().unwrap().1,
        "/watch/confirm?token=",
    );
    let subscribed = cb
        .app
        .post_form("/watch/confirm", &[("token", &token)])
        .await;
    assert_eq!(subscribed.status, 200);
    assert!(subscribed
        .body
        .as_str()
        .unwrap()
        .contains("You will be mailed"));
    // The link in a notification shows one button; the GET itself changes nothing.
    let button = cb
        .app
        .get(&format!("/watch/unsubscribe?token={token}"), None)
        .await;
    assert!(button
        .body
        .as_str()
        .unwrap()
        .contains(r#"action="/watch/unsubscribe""#));
    let left = cb
        .app
        .post_form("/watch/unsubscribe", &[("token", &token)])
        .await;
    assert_eq!(left.status, 200);
    assert!(left.body.as_str().unwrap().contains("no longer be mailed"));
    assert_eq!(left.header("cache-control"), Some("private, no-store"));
}

#[actix_rt::test]
async fn two_webhook_dispatchers_deliver_each_change_once() {
    let (cb, certificate, number, decider, buyer) = watched_certificate().await;
    let sink = WebhookSink::start_on(0);
    for receiver in ["a", "b", "c"] {
        let url = format!("http://127.0.0.1:{}/{receiver}", sink.port);
        let endpoint = cb
            .post(&buyer, "/api/v1/watch/webhooks", json!({"url": url}))
            .await;
        assert_eq!(endpoint.status, 201, "{}", endpoint.body);
    }
    cb.post(
        &buyer,
        "/api/v1/watch/certificates",
        json!({"numbers": [number]}),
    )
    .await;
    let path = format!("/api/v1/certificates/{certificate}");
    cb.post(&decider, &format!("{path}/suspend"), json!({"reason": "x"}))
        .await;
    cb.post(&decider, &format!("{path}/reinstate"), json!({}))
        .await;

    // Two instances' dispatchers over the same outbox: six deliveries, each sent once.
    let first = WebhookDispatcher::new(cb.app.db.clone(), true, 5);
    let second = WebhookDispatcher::new(cb.app.db.clone(), true, 5);
    let at = Utc::now().naive_utc();
    let (a, b) = futures_util::future::join(first.run_once(at), second.run_once(at)).await;
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(
        (a.delivered + b.delivered, a.failed + b.failed),
        (6, 0),
        "{a:?} {b:?}"
    );
    let received = sink.received();
    let mut ids: Vec<&str> = received
        .iter()
        .map(|hook| hook.headers["webhook-id"].as_str())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!((received.len(), ids.len()), (6, 6));
}
