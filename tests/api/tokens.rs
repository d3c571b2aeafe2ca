use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use certbody::auth::token::{Claims, AUDIENCE};
use certbody::auth::Role;
use jsonwebtoken::{encode, EncodingKey, Header};

use crate::helpers::{spawn_app, spawn_app_with, ISSUER, PASSWORD, TEST_SECRET};

fn claims(user_id: &str, exp_offset_secs: i64) -> Claims {
    let now = chrono::Utc::now().timestamp();
    Claims {
        sub: user_id.to_owned(),
        role: Role::Admin,
        org: None,
        iss: ISSUER.into(),
        aud: AUDIENCE.into(),
        iat: now - 10,
        exp: now + exp_offset_secs,
        iat_ms: (now - 10) * 1000,
    }
}

fn sign(claims: &Claims, secret: &str) -> String {
    encode(
        &Header::default(),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

#[actix_rt::test]
async fn forged_expired_and_malformed_tokens_are_refused() {
    let app = spawn_app().await;
    let admin = app.staff(Role::Admin, "admin@cb.example").await;
    let applicant = app.register_applicant("quality@acme.example", "Acme").await;
    // The genuine tokens work, so every refusal below is about the token itself.
    assert_eq!(
        app.get("/api/v1/admin/users", Some(&admin.token))
            .await
            .status,
        200
    );
    assert_eq!(
        app.get(
            "/api/v1/admin/users",
            Some(&sign(&claims(&admin.id, 300), TEST_SECRET))
        )
        .await
        .status,
        200
    );

    let [header, _, signature] = applicant.token.split('.').collect::<Vec<_>>()[..] else {
        panic!("a JWT")
    };
    let mut elevated = claims(&applicant.id, 300);
    elevated.org = applicant.organisation_id.clone();
    let tampered = format!(
        "{header}.{}.{signature}",
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&elevated).unwrap())
    );
    let alg_none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims(&admin.id, 300)).unwrap())
    );
    let mut wrong_audience = claims(&admin.id, 300);
    wrong_audience.aud = "another-service".into();
    let mut wrong_issuer = claims(&admin.id, 300);
    wrong_issuer.iss = "http://elsewhere.test".into();
    let bad_tokens = [
        (
            "other key",
            sign(
                &claims(&admin.id, 300),
                "a-completely-different-secret-of-40-bytes",
            ),
        ),
        ("expired", sign(&claims(&admin.id, -3600), TEST_SECRET)),
        ("tampered payload", tampered),
        ("alg none", alg_none),
        ("wrong audience", sign(&wrong_audience, TEST_SECRET)),
        ("wrong issuer", sign(&wrong_issuer, TEST_SECRET)),
        ("garbage", "not-a-jwt".to_owned()),
    ];
    for (what, token) in bad_tokens {
        let response = app.get("/api/v1/admin/users", Some(&token)).await;
        assert_eq!(response.status, 401, "{what}: {}", response.body);
        response.assert_problem(401);
        assert_eq!(
            response.header("www-authenticate"),
            Some("Bearer"),
            "{what}"
        );
    }
    app.get("/api/v1/me", None).await.assert_problem(401);
}

#[actix_rt::test]
async fn unknown_email_and_wrong_password_are_indistinguishable() {
    let app = spawn_app().await;
    app.register_applicant("quality@acme.example", "Acme").await;
    let mut wrong_password = Vec::new();
    let mut unknown_email = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let response = app
            .login("quality@acme.example", "wrong password here")
            .await;
        wrong_password.push(started.elapsed());
        assert_eq!(response.status, 401);
        let wrong_body = response.body;
        let started = Instant::now();
        let response = app
            .login("nobody@acme.example", "wrong password here")
            .await;
        unknown_email.push(started.elapsed());
        assert_eq!(response.body, wrong_body, "same status and body");
    }
    // Not a performance target: a guard that unknown emails still pay for a password hash
    // (without it they answer in a few percent of the time). Other tests running in parallel
    // only ever add time, so the fastest of several runs is the fair comparison.
    let fastest = |runs: Vec<Duration>| runs.into_iter().min().unwrap();
    let (wrong, unknown) = (fastest(wrong_password), fastest(unknown_email));
    assert!(
        unknown * 3 >= wrong,
        "unknown email answered in {unknown:?}, wrong password in {wrong:?}"
    );
}

#[actix_rt::test]
async fn sign_in_attempts_are_limited_per_account_and_per_ip() {
    let app = spawn_app_with(|config| config.login_limit_per_account = 3).await;
    app.register_applicant("quality@acme.example", "Acme").await;
    app.register_applicant("iso@globex.example", "Globex").await;
    for _ in 0..3 {
        app.login("quality@acme.example", "wrong password here")
            .await
            .assert_problem(401);
    }
    // Locked out, even with the right password; another account is unaffected.
    let limited = app.login("quality@acme.example", PASSWORD).await;
    limited.assert_problem(429);
    let retry_after: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!(
        (1..=900).contains(&retry_after),
        "Retry-After {retry_after}"
    );
    assert_eq!(app.login("iso@globex.example", PASSWORD).await.status, 200);

    let app = spawn_app_with(|config| config.login_limit_per_ip = 3).await;
    app.register_applicant("quality@acme.example", "Acme").await;
    assert_eq!(
        app.login("quality@acme.example", PASSWORD).await.status,
        200
    );
    app.login("someone@else.example", PASSWORD)
        .await
        .assert_problem(401);
    app.login("quality@acme.example", PASSWORD)
        .await
        .assert_problem(429);

    // Registration is limited per address too (each costs a hash and sends a mail).
    let app = spawn_app_with(|config| config.register_limit_per_ip = 2).await;
    app.register_applicant("a@one.example", "One").await;
    app.register_applicant("b@two.example", "Two").await;
    let refused = app
        .post(
            "/api/v1/auth/register",
            None,
            &crate::helpers::registration("c@three.example", "Three"),
        )
        .await;
    refused.assert_problem(429);
    assert!(refused.header("retry-after").is_some());
}

/// Behind a load balancer the client address comes from `X-Forwarded-For`, but only when
/// the peer is a configured trusted proxy; otherwise anyone could pick their own address.
#[actix_rt::test]
async fn the_per_address_limit_believes_forwarded_addresses_only_from_trusted_proxies() {
    let loopback: std::net::IpAddr = "127.0.0.1".parse().unwrap();
    let behind_proxy = spawn_app_with(|config| {
        config.login_limit_per_ip = 2;
        config.trusted_proxies = vec![loopback];
    })
    .await;
    for _ in 0..2 {
        behind_proxy
            .login_forwarded_for("203.0.113.7", "nobody@acme.example", "wrong password here")
            .await
            .assert_problem(401);
    }
    behind_proxy
        .login_forwarded_for("203.0.113.7", "nobody@acme.example", "wrong password here")
        .await
        .assert_problem(429);
    // Another client behind the same proxy is counted on its own.
    behind_proxy
        .login_forwarded_for("198.51.100.4", "nobody@acme.example", "wrong password here")
        .await
        .assert_problem(401);

    // Not configured: the header is ignored and every request counts for the peer.
    let direct = spawn_app_with(|config| config.login_limit_per_ip = 2).await;
    for client in ["203.0.113.7", "198.51.100.4"] {
        direct
            .login_forwarded_for(client, "nobody@acme.example", "wrong password here")
            .await
            .assert_problem(401);
    }
    direct
        .login_forwarded_for("192.0.2.99", "nobody@acme.example", "wrong password here")
        .await
        .assert_problem(429);
}
