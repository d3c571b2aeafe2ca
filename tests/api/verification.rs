//! Public verification through the HTTP API, without an account: lookups by number, the
//! directory, bulk lookups, credential checks and the rate limit.

use certbody::auth::Role;
use chrono::TimeDelta;
use serde_json::{json, Value};

use crate::audits::{certification_body_for, Cb};
use crate::certification::granted;
use crate::helpers::{spawn_app_with, Response};

/// Keys and values no public answer may hold: contacts, internal ids, street addresses,
/// the reasons behind a status change.
const PRIVATE_KEYS: &[&str] = &[
    "id",
    "certificate_id",
    "organisation_id",
    "programme_id",
    "client_id",
    "email",
    "street",
    "postcode",
    "reason",
    "status_reason",
    "restore_by",
    "rationale",
    "decided_by",
    "user_id",
    "findings",
    "note",
];

fn assert_nothing_private(value: &Value, private_values: &[&str]) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                assert!(!PRIVATE_KEYS.contains(&key.as_str()), "private key {key}");
                assert_nothing_private(inner, private_values);
            }
        }
        Value::Array(items) => items
            .iter()
            .for_each(|item| assert_nothing_private(item, private_values)),
        Value::String(text) => {
            for private in private_values {
                assert!(!text.contains(private), "private value {private} in {text}");
            }
        }
        _ => {}
    }
}

async fn public(cb: &Cb, path: &str) -> Response {
    cb.app.get(&format!("/api/v1/public{path}"), None).await
}

/// A granted certificate of a client named `client`: (its id, its number).
pub(crate) async fn certified(client: &str) -> (Cb, String, String) {
    let cb = certification_body_for(client, json!([])).await;
    let decider = cb
        .app
        .staff(Role::DecisionMaker, "decider@cb.example")
        .await;
    let id = granted(&cb, &decider).await;
    let number = cb
        .get(&cb.acme, &format!("/api/v1/certificates/{id}"))
        .await
        .body["number"]
        .as_str()
        .unwrap()
        .to_owned();
    (cb, id, number)
}

/// A number with a valid check character that no certificate has.
pub(crate) fn never_issued(issued: &str) -> String {
    let mut rng = rand::rng();
    loop {
        let number = certbody::certificates::domain::new_number("CB", &mut rng);
        if number != issued {
            return number;
        }
    }
}

#[actix_rt::test]
async fn anyone_verifies_a_number_in_every_status_and_learns_nothing_private() {
    let (cb, id, number) = certified("Acme").await;
    let decider = cb
        .app
        .staff(Role::DecisionMaker, "second-decider@cb.example")
        .await;
    let internal = cb
        .get(&cb.acme, &format!("/api/v1/certificates/{id}"))
        .await
        .body;
    let client_id = internal["content"]["holder"]["client_id"].as_str().unwrap();
    let private = [
        id.as_str(),
        client_id,
        "Hauptstraße",
        "quality@acme.example",
    ];

    let found = public(&cb, &format!("/certificates/{number}")).await;
    assert_eq!(found.status, 200, "{}", found.body);
    let body = &found.body;
    assert_eq!(body["number"], number.as_str());
    assert_eq!(
        (&body["status"], &body["valid"]),
        (&json!("active"), &json!(true))
    );
    assert_eq!(body["holder"]["name"], "Acme");
    assert_eq!(body["holder"]["city"], "Berlin");
    assert_eq!(body["standard"], "ISO/IEC 20000-1:2018");
    assert_eq!(body["sites"].as_array().unwrap().len(), 5);
    assert_eq!(body["sites"][0]["country"], "DE");
    assert_eq!(body["expires_on"], internal["expires_on"]);
    assert_eq!(body["certification_body"]["accreditation_body"], "DAkkS");
    assert_eq!(
        body["links"]["page"],
        format!("http://certbody.test/verify/{number}")
    );
    assert_nothing_private(body, &private);
    // A CDN may keep it a minute; an unchanged answer is a 304.
    assert_eq!(found.header("cache-control"), Some("public, max-age=60"));
    let etag = found.header("etag").unwrap().to_owned();
    let again = cb
        .app
        .get_with(
            &format!("/api/v1/public/certificates/{number}"),
            &[("If-None-Match", &etag)],
        )
        .await;
    assert_eq!(again.status, 304);
    // Typed as people type it.
    let typed = number.to_lowercase().replace('-', " ");
    let typed = public(&cb, &format!("/certificates/{}", typed.replace(' ', "%20"))).await;
    assert_eq!(typed.body["number"], number.as_str());
    // A typo is caught by the check character; a well-formed number we never issued is a 404.
    let mut typo: Vec<char> = number.chars().collect();
    typo[4] = if typo[4] == '7' { '8' } else { '7' };
    let typo: String = typo.into_iter().collect();
    let malformed = public(&cb, &format!("/certificates/{typo}")).await;
    assert_eq!(malformed.invalid_fields(), ["number"]);
    assert!(malformed.body["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("check character"));
    let unknown = public(&cb, &format!("/certificates/{}", never_issued(&number))).await;
    assert!(unknown.assert_problem(404)["detail"]
        .as_str()
        .unwrap()
        .contains("never issued"));
    // The issued PDF, which the credential names, is public by number.
    let pdf = public(
        &cb,
        &format!("/certificates/{number}/revisions/1/document.pdf"),
    )
    .await;
    assert_eq!(pdf.status, 200);
    assert!(pdf.bytes.starts_with(b"%PDF"));
    public(
        &cb,
        &format!("/certificates/{number}/revisions/2/document.pdf"),
    )
    .await
    .assert_problem(404);

    // The directory and bulk lookups answer the same, and nothing private either.
    let listed = public(&cb, "/certificates?q=acme").await;
    assert_eq!(listed.body["items"][0]["number"], number.as_str());
    assert_nothing_private(&listed.body, &private);
    let bulk = cb
        .app
        .post(
            "/api/v1/public/certificates/lookup",
            None,
            &json!({"numbers": [number]}),
        )
        .await;
    assert_eq!(bulk.body["results"][0]["outcome"], "found");
    assert_nothing_private(&bulk.body["results"][0]["certificate"], &private);

    // The page the QR code opens, for people: an unmistakable banner, no script allowed.
    let page = cb.app.get(&format!("/verify/{number}"), None).await;
    assert_eq!(page.status, 200);
    let html = page.body.as_str().unwrap();
    assert!(
        html.contains("<strong>VALID</strong>") && html.contains("Acme"),
        "{html}"
    );
    assert!(html.contains("/verify/report"));
    let policy = page.header("content-security-policy").unwrap();
    assert!(policy.contains("default-src 'none'") && !policy.contains("script"));
    assert!(!html.contains("<script"));
    for value in private {
        assert!(!html.contains(value), "{value} on the public page");
    }
    let unknown_page = cb
        .app
        .get(&format!("/verify/{}", never_issued(&number)), None)
        .await;
    assert_eq!(unknown_page.status, 404);
    assert_eq!(
        unknown_page.header("cache-control"),
        Some("private, no-store")
    );
    assert!(unknown_page
        .body
        .as_str()
        .unwrap()
        .contains("NOT ISSUED BY US"));
    let search = cb.app.get("/verify?q=acm", None).await;
    assert!(search
        .body
        .as_str()
        .unwrap()
        .contains(&format!("/verify/{number}")));
    let by_number = cb
        .app
        .get(&format!("/verify?q={}", number.to_lowercase()), None)
        .await;
    // A number typed into the search form leads to its page (the client follows the 303).
    assert!(by_number
        .body
        .as_str()
        .unwrap()
        .contains("<strong>VALID</strong>"));

    // Suspended: not valid, said so with the date, never why.
    let path = format!("/api/v1/certificates/{id}");
    let reason = "Client refused the surveillance audit date";
    let suspended = cb
        .post(
            &decider,
            &format!("{path}/suspend"),
            json!({"reason": reason}),
        )
        .await;
    assert_eq!(suspended.status, 200, "{}", suspended.body);
    let body = public(&cb, &format!("/certificates/{number}")).await.body;
    assert_eq!(
        (&body["status"], &body["valid"]),
        (&json!("suspended"), &json!(false))
    );
    assert_eq!(
        body["history"].as_array().unwrap().last().unwrap()["status"],
        "suspended"
    );
    assert_nothing_private(&body, &[reason, id.as_str()]);
    let page = cb.app.get(&format!("/verify/{number}"), None).await;
    let html = page.body.as_str().unwrap();
    assert!(html.contains("<strong>SUSPENDED</strong>") && !html.contains(reason));
    // Withdrawn: still answered, with its status and date, never a 404.
    let withdrawn = cb
        .post(
            &decider,
            &format!("{path}/withdraw"),
            json!({"note": "Not restored in time"}),
        )
        .await;
    assert_eq!(withdrawn.status, 200, "{}", withdrawn.body);
    let body = public(&cb, &format!("/certificates/{number}")).await.body;
    assert_eq!(body["status"], "withdrawn");
    assert_eq!(
        body["status_since"],
        cb.app.config.clock.today().to_string()
    );
    assert_nothing_private(&body, &["Not restored in time"]);
}

#[actix_rt::test]
async fn the_directory_finds_holders_by_any_word_ignoring_case_and_accents_but_not_confidential_ones(
) {
    let (cb, _, number) = certified("Ærø Müller-Lüdenscheidt Systemhaus GmbH").await;
    let directory = |query: &str| {
        let cb = &cb;
        let query = query.to_owned();
        async move {
            let page = public(cb, &format!("/certificates?{query}")).await;
            assert_eq!(page.status, 200, "{query}: {}", page.body);
            page.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["number"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    for query in [
        "q=muller",
        "q=M%C3%9CLLER",
        "q=ludensch",
        "q=aero",
        "q=systemhaus%20mul",
        "q=gmbh&country=de&status=active&standard=std-iso-iec-20000-1-2018",
        "",
    ] {
        assert_eq!(
            directory(query).await,
            std::slice::from_ref(&number),
            "{query}"
        );
    }
    for query in [
        "q=xyz",
        "q=uller",
        "q=systemhaus%20stemhaus",
        "q=muller&country=FR",
        "q=muller&status=withdrawn",
    ] {
        assert!(directory(query).await.is_empty(), "{query}");
    }
    assert_eq!(
        public(&cb, "/certificates?q=m").await.invalid_fields(),
        ["q"]
    );
    assert_eq!(
        public(&cb, "/certificates?country=Germany")
            .await
            .invalid_fields(),
        ["country"]
    );
    assert_eq!(
        public(&cb, "/certificates?offset=990&limit=20")
            .await
            .invalid_fields(),
        ["offset"]
    );

    // Confidential at the client's request (17021-1 8.1.2): not listed, found by number.
    let organisation = cb.acme.organisation_id.clone().unwrap();
    let path = format!("/api/v1/organisations/{organisation}/confidentiality");
    let hide = json!({"confidential": true, "reason": "Client request: critical infrastructure"});
    cb.app
        .request("PUT", &path, Some(&cb.acme.token), Some(&hide))
        .await
        .assert_problem(403);
    let hidden = cb
        .app
        .request("PUT", &path, Some(&cb.admin.token), Some(&hide))
        .await;
    assert_eq!(hidden.status, 200, "{}", hidden.body);
    assert_eq!(hidden.body["certificates"], 1);
    assert!(directory("q=muller").await.is_empty());
    assert!(directory("").await.is_empty());
    assert_eq!(
        public(&cb, &format!("/certificates/{number}")).await.status,
        200
    );

    // Bulk: one answer per number, in order, in the single lookup's shape.
    let unknown = never_issued(&number);
    let bulk = cb
        .app
        .post(
            "/api/v1/public/certificates/lookup",
            None,
            &json!({"numbers": [number, number.to_lowercase(), "CB-0000", unknown]}),
        )
        .await;
    assert_eq!(bulk.status, 200, "{}", bulk.body);
    let outcomes: Vec<&str> = bulk.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["found", "found", "malformed", "not_issued"]);
    assert_eq!(
        bulk.body["results"][1]["certificate"],
        public(&cb, &format!("/certificates/{number}")).await.body
    );
    let too_many: Vec<String> = (0..1001).map(|_| number.clone()).collect();
    for numbers in [json!(too_many), json!([])] {
        let refused = cb
            .app
            .post(
                "/api/v1/public/certificates/lookup",
                None,
                &json!({"numbers": numbers}),
            )
            .await;
        assert_eq!(refused.invalid_fields(), ["numbers"]);
    }

    // Expired: answered with its status, never a 404.
    cb.app.config.clock.advance(TimeDelta::days(3 * 366));
    assert_eq!(cb.run_job("certificate-expiry").await, 1);
    let expired = public(&cb, &format!("/certificates/{number}")).await;
    assert_eq!(expired.status, 200);
    assert_eq!(
        (&expired.body["status"], &expired.body["valid"]),
        (&json!("expired"), &json!(false))
    );
}

#[actix_rt::test]
async fn a_credential_verifies_until_its_certificate_is_withdrawn() {
    let (cb, id, number) = certified("Acme").await;
    let path = format!("/api/v1/certificates/{id}");
    let token = cb.get(&cb.acme, &format!("{path}/credential")).await.body;
    let token = token.as_str().unwrap().to_owned();
    let verify = |credential: String| {
        let cb = &cb;
        async move {
            let checked = cb
                .app
                .post(
                    "/api/v1/public/credentials/verify",
                    None,
                    &json!({"credential": credential}),
                )
                .await;
            assert_eq!(checked.status, 200, "{}", checked.body);
            checked.body
        }
    };
    let valid = verify(token.clone()).await;
    assert_eq!(
        (&valid["valid"], &valid["signature_valid"]),
        (&json!(true), &json!(true))
    );
    assert_eq!(valid["certificate"]["number"], number.as_str());
    assert_eq!(valid["certificate"]["status"], "active");

    let mut tampered = token.clone().into_bytes();
    let middle = token.find('.').unwrap() + 10;
    tampered[middle] = if tampered[middle] == b'A' { b'B' } else { b'A' };
    let forged = verify(String::from_utf8(tampered).unwrap()).await;
    assert_eq!(
        (&forged["valid"], &forged["signature_valid"]),
        (&json!(false), &json!(false))
    );
    assert!(forged["reason"].as_str().unwrap().contains("signature"));
    let garbage = verify("not-a-jwt".into()).await;
    assert_eq!(garbage["valid"], false);
    // The same claims signed by a key that is not ours: under our key id, under another,
    // and with a shared secret instead of EdDSA.
    let claims = crate::certification::jwt_claims(&token);
    let kid = {
        use base64::Engine;
        let header = token.split('.').next().unwrap();
        let header: Value = serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(header)
                .unwrap(),
        )
        .unwrap();
        header["kid"].as_str().unwrap().to_owned()
    };
    let foreign = {
        use ed25519_dalek::pkcs8::EncodePrivateKey;
        let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
        jsonwebtoken::EncodingKey::from_ed_der(key.to_pkcs8_der().unwrap().as_bytes())
    };
    let signed = |kid: &str| {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
        header.kid = Some(kid.to_owned());
        jsonwebtoken::encode(&header, &claims, &foreign).unwrap()
    };
    for (forged, why) in [
        (signed(&kid), "does not match"),
        (signed("someone-elses-key"), "never published"),
        (
            jsonwebtoken::encode(
                &jsonwebtoken::Header::default(),
                &claims,
                &jsonwebtoken::EncodingKey::from_secret(b"a shared secret"),
            )
            .unwrap(),
            "EdDSA",
        ),
    ] {
        let checked = verify(forged).await;
        assert_eq!(checked["valid"], false);
        assert!(
            checked["reason"].as_str().unwrap().contains(why),
            "{why}: {checked}"
        );
    }

    let decider = cb
        .app
        .staff(Role::DecisionMaker, "second-decider@cb.example")
        .await;
    let withdrawn = cb
        .post(
            &decider,
            &format!("{path}/withdraw"),
            json!({"note": "False claims of scope"}),
        )
        .await;
    assert_eq!(withdrawn.status, 200, "{}", withdrawn.body);
    let after = verify(token).await;
    assert_eq!(
        (&after["valid"], &after["signature_valid"]),
        (&json!(false), &json!(true))
    );
    assert_eq!(after["certificate"]["status"], "withdrawn");
    assert!(after["reason"].as_str().unwrap().contains("withdrawn"));
    assert_eq!(
        cb.app
            .post(
                "/api/v1/public/credentials/verify",
                None,
                &json!({"credential": " "})
            )
            .await
            .invalid_fields(),
        ["credential"]
    );
}

#[actix_rt::test]
async fn public_endpoints_limit_each_address() {
    let app = spawn_app_with(|config| config.public_limit_per_minute = 3).await;
    for _ in 0..3 {
        let answer = app.get("/api/v1/public/certificates/CB-0000", None).await;
        assert_eq!(answer.status, 422);
    }
    let refused = app.get("/api/v1/public/certificates", None).await;
    refused.assert_problem(429);
    let wait: u64 = refused.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    // Only the public endpoints are limited.
    assert_eq!(app.get("/health", None).await.status, 200);
}
