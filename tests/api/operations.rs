use std::io::Write;
use std::process::{Command, Stdio};

use crate::helpers::{postgres_url, spawn_app, spawn_app_with};

/// The backend the suite was asked to use. CI also sets CERTBODY_TEST_EXPECT_BACKEND, so a
/// PostgreSQL run that silently fell back to SQLite fails here.
fn expected_backend() -> &'static str {
    let actual = if postgres_url().is_some() {
        "postgresql"
    } else {
        "sqlite"
    };
    if let Ok(expected) = std::env::var("CERTBODY_TEST_EXPECT_BACKEND") {
        assert_eq!(
            expected, actual,
            "CERTBODY_TEST_EXPECT_BACKEND disagrees with CERTBODY_TEST_POSTGRES_URL"
        );
    }
    actual
}

#[actix_rt::test]
async fn health_and_readiness_report_the_backend_in_use() {
    let app = spawn_app().await;
    let health = app.get("/health", None).await;
    assert_eq!(
        (health.status, health.body["status"].as_str()),
        (200, Some("ok"))
    );
    // Another method is not allowed, not unknown.
    for (method, path) in [
        ("TRACE", "/health"),
        ("POST", "/health/ready"),
        ("DELETE", "/docs"),
    ] {
        let refused = app.send_with(method, path, &[]).await;
        assert_eq!(refused.status, 405, "{method} {path}");
        assert_eq!(refused.header("allow"), Some("GET"), "{method} {path}");
    }
    let ready = app.get("/health/ready", None).await;
    assert_eq!(ready.status, 200);
    assert_eq!(ready.body["database"], expected_backend());
    assert!(ready
        .header("x-request-id")
        .is_some_and(|id| id.len() == 36));
}

#[actix_rt::test]
async fn openapi_documents_every_endpoint_with_its_auth_and_errors() {
    let app = spawn_app().await;
    let spec = app.get("/openapi.json", None).await.body;
    assert!(spec["openapi"].as_str().unwrap().starts_with("3."));
    assert_eq!(
        spec["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    // Every operation comes from the spec itself: nothing to keep in step by hand. Each must
    // document the errors the service can give it, and answer as documented when called.
    let paths = spec["paths"].as_object().unwrap();
    let mut operations = 0;
    for (path, item) in paths {
        for (method, operation) in item.as_object().unwrap() {
            operations += 1;
            let secured = operation["security"]
                .as_array()
                .is_some_and(|s| !s.is_empty());
            let mut errors = vec!["400", "500"];
            if secured {
                errors.push("401");
            }
            if path.contains('{') {
                errors.push("404");
            }
            if operation["requestBody"].is_object() {
                errors.extend(["413", "415", "422"]);
            }
            let parameters = operation["parameters"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            if parameters.iter().any(|p| p["name"] == "limit") {
                errors.push("422");
            }
            for status in errors {
                let response = &operation["responses"][status];
                assert!(
                    response["content"]["application/problem+json"].is_object(),
                    "{method} {path} does not document {status} as a problem"
                );
            }
            // Called without a token: a secured operation answers 401, a public one is routed.
            // Path parameters take their documented example, or an id nothing has.
            let mut concrete = path.clone();
            for parameter in parameters.iter().filter(|p| p["in"] == "path") {
                let name = parameter["name"].as_str().unwrap();
                let value = match &parameter["example"] {
                    serde_json::Value::String(text) => text.clone(),
                    serde_json::Value::Number(number) => number.to_string(),
                    _ => "00000000-0000-0000-0000-000000000000".to_owned(),
                };
                concrete = concrete.replace(&format!("{{{name}}}"), &value);
            }
            let answer = app
                .request(&method.to_uppercase(), &concrete, None, None)
                .await;
            if secured {
                answer.assert_problem(401);
            } else {
                // A 404 of the router says "no resource at"; a public lookup's own 404
                // ("never issued") is an answer.
                let unrouted = answer.status == 405
                    || (answer.status == 404
                        && answer.body["detail"]
                            .as_str()
                            .is_some_and(|detail| detail.starts_with("no resource at")));
                assert!(!unrouted, "{method} {path} is documented but not routed");
            }
        }
    }
    assert!(operations >= 33, "only {operations} operations in the spec");
}

#[actix_rt::test]
async fn interactive_docs_are_served_from_the_binary() {
    let app = spawn_app().await;
    let page = app.get("/docs/", None).await;
    assert_eq!(page.status, 200);
    let html = page.body.as_str().unwrap();
    assert!(html.contains("swagger-ui"));
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "the docs page must not load anything remote"
    );
    assert_eq!(
        app.get("/docs/swagger-ui-bundle.js", None).await.status,
        200
    );
}

pub(crate) fn cli(database_url: &str, args: &[&str], stdin: &str) -> (bool, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_certbody"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("certbody binary runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

#[actix_rt::test]
async fn the_cli_creates_accounts_that_can_sign_in() {
    let app = spawn_app().await;
    let url = app.database_url.clone();
    let password = "a long admin password";
    let (ok, out) = cli(
        &url,
        &[
            "user",
            "create",
            "--email",
            "Root@CB.example",
            "--role",
            "admin",
        ],
        &format!("{password}\n"),
    );
    assert!(ok, "{out}");
    assert!(
        out.contains("created admin account root@cb.example"),
        "{out}"
    );
    assert!(!out.contains(password), "the password is never echoed");
    let token = app.login("root@cb.example", password).await;
    assert_eq!(token.status, 200, "{}", token.body);
    let me = app
        .get("/api/v1/me", token.body["access_token"].as_str())
        .await;
    assert_eq!(me.body["user"]["role"], "admin");

    let (ok, out) = cli(
        &url,
        &[
            "user",
            "create",
            "--email",
            "root@cb.example",
            "--role",
            "auditor",
        ],
        "another long password\n",
    );
    assert!(!ok && out.contains("already exists"), "{out}");
    let (ok, out) = cli(
        &url,
        &[
            "user",
            "create",
            "--email",
            "client@acme.example",
            "--role",
            "applicant",
        ],
        "another long password\n",
    );
    assert!(!ok && out.contains("organisation_id: is required"), "{out}");
    let (ok, out) = cli(
        &url,
        &[
            "user",
            "create",
            "--email",
            "short@cb.example",
            "--role",
            "auditor",
        ],
        "short\n",
    );
    assert!(
        !ok && out.contains("password: must be at least 12"),
        "{out}"
    );

    let (ok, out) = cli(
        &url,
        &[
            "user",
            "create",
            "--email",
            "dm@cb.example",
            "--role",
            "decision_maker",
            "--generate-password",
        ],
        "",
    );
    assert!(ok, "{out}");
    let generated = out
        .lines()
        .find_map(|line| line.strip_prefix("password: "))
        .expect("generated password printed");
    assert_eq!(app.login("dm@cb.example", generated).await.status, 200);

    let (ok, out) = cli(&url, &["migrate"], "");
    assert!(ok && out.contains("0 migration(s) applied"), "{out}");
}

#[actix_rt::test]
async fn a_production_start_refuses_a_missing_or_weak_signing_secret() {
    let app = spawn_app().await; // only for a migrated database to point at
    for secret in [None, Some("changeme-changeme-changeme-changeme")] {
        let mut command = Command::new(env!("CARGO_BIN_EXE_certbody"));
        command
            .args(["serve", "--bind", "127.0.0.1:0"])
            .env("DATABASE_URL", &app.database_url)
            .env("CERTBODY_ENV", "production")
            .env_remove("CERTBODY_JWT_SECRET");
        if let Some(secret) = secret {
            command.env("CERTBODY_JWT_SECRET", secret);
        }
        let output = command.output().expect("certbody runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "started with secret {secret:?}");
        assert!(stderr.contains("CERTBODY_JWT_SECRET"), "{stderr}");
    }
}

#[actix_rt::test]
async fn cross_origin_calls_are_closed_unless_an_origin_is_configured() {
    let preflight = |origin: &'static str| {
        [
            ("origin", origin),
            ("access-control-request-method", "POST"),
            (
                "access-control-request-headers",
                "authorization, content-type",
            ),
        ]
    };
    let closed = spawn_app().await;
    let answer = closed
        .send_with(
            "OPTIONS",
            "/api/v1/applications",
            &preflight("https://portal.example.com"),
        )
        .await;
    assert_eq!(answer.header("access-control-allow-origin"), None);
    let read = closed
        .get_with("/health", &[("origin", "https://portal.example.com")])
        .await;
    assert_eq!(read.header("access-control-allow-origin"), None);

    let open = spawn_app_with(|config| {
        config.cors_origins = vec!["https://portal.example.com/".into()];
    })
    .await;
    let allowed = open
        .send_with(
            "OPTIONS",
            "/api/v1/applications",
            &preflight("https://portal.example.com"),
        )
        .await;
    assert_eq!(allowed.status, 200, "{}", allowed.body);
    assert_eq!(
        allowed.header("access-control-allow-origin"),
        Some("https://portal.example.com")
    );
    let read = open
        .get_with("/health", &[("origin", "https://portal.example.com")])
        .await;
    assert_eq!(
        read.header("access-control-allow-origin"),
        Some("https://portal.example.com")
    );
    let other = open
        .send_with(
            "OPTIONS",
            "/api/v1/applications",
            &preflight("https://evil.example"),
        )
        .await;
    assert_eq!(other.header("access-control-allow-origin"), None);

    let mut config = certbody::config::Config::clone(&open.config);
    config.cors_origins = vec!["portal.example.com/path".into()];
    assert!(
        config.cors_origins().is_err(),
        "an origin is scheme://host[:port]"
    );
    config.cors_origins = vec![
        "HTTPS://Portal.Example.com:443".into(),
        "http://localhost:3000/".into(),
    ];
    assert_eq!(
        config.cors_origins().unwrap(),
        ["https://portal.example.com", "http://localhost:3000"]
    );
}

/// Every `$ref` in `value`.
fn references<'a>(value: &'a serde_json::Value, found: &mut Vec<&'a str>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, inner) in map {
                match (key.as_str(), inner.as_str()) {
                    ("$ref", Some(reference)) => found.push(reference),
                    _ => references(inner, found),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|item| references(item, found)),
        _ => {}
    }
}

#[actix_rt::test]
async fn every_schema_the_openapi_document_refers_to_is_in_it() {
    let app = spawn_app().await;
    let spec = app.get("/openapi.json", None).await.body;
    let mut found = Vec::new();
    references(&spec, &mut found);
    assert!(found.len() > 100, "{}", found.len());
    let missing: Vec<&str> = found
        .into_iter()
        .filter(|reference| {
            let name = reference.trim_start_matches("#/components/schemas/");
            spec["components"]["schemas"].get(name).is_none()
        })
        .collect();
    assert!(missing.is_empty(), "unresolvable: {missing:?}");
}
