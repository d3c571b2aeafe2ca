use std::path::PathBuf;
use std::time::Duration;

use awc::http::header::HeaderMap;
use certbody::accounts::{create_account, domain::AccountFields};
use certbody::auth::Role;
use certbody::config::{Config, Environment, LogFormat, MailConfig, SmtpTls};
use certbody::db::Db;
use certbody::notify::Notifier;
use certbody::startup::Application;
use certbody::trail::Actor;
use certbody::workflow::Service;
use std::sync::OnceLock;

use certbody::db::{POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl, SqliteConnection};
use diesel_migrations::MigrationHarness;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

pub const PASSWORD: &str = "correct horse battery staple";
pub const TEST_SECRET: &str = "test-secret-0123456789-abcdefghijklmnop";
pub const ISSUER: &str = "http://certbody.test";

pub fn postgres_url() -> Option<String> {
    std::env::var("CERTBODY_TEST_POSTGRES_URL")
        .ok()
        .filter(|url| !url.is_empty())
}

/// A database that exists for one test and is removed when the test ends, even on panic.
/// Each is a copy of one migrated template (PostgreSQL `CREATE DATABASE … TEMPLATE`, a
/// copied file for SQLite), so adding migrations does not make every test slower.
pub struct TestDatabase {
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    SqliteFile(PathBuf),
    PostgresDatabase { server_url: String, name: String },
}

/// A short hash of every migration file: a template is reused only while they are unchanged.
fn migrations_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| {
        let mut files: Vec<PathBuf> = ["migrations/sqlite", "migrations/postgres"]
            .iter()
            .flat_map(|dir| std::fs::read_dir(dir).expect("migrations directory"))
            .flat_map(|entry| std::fs::read_dir(entry.unwrap().path()).unwrap())
            .map(|entry| entry.unwrap().path())
            .collect();
        files.sort();
        let mut hasher = Sha256::new();
        for file in files {
            hasher.update(file.display().to_string());
            hasher.update(std::fs::read(&file).unwrap());
        }
        hex::encode(&hasher.finalize()[..6])
    })
}

/// The migrated SQLite template file, made once per migration set (atomically renamed into
/// place, so concurrent test processes never copy a half-written one). Templates of other
/// migration sets untouched for a day are removed.
fn sqlite_template() -> &'static PathBuf {
    static TEMPLATE: OnceLock<PathBuf> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let path = std::env::temp_dir().join(format!("certbody-template-{}.db", migrations_hash()));
        let day_ago = std::time::SystemTime::now() - Duration::from_secs(24 * 3600);
        for entry in std::fs::read_dir(std::env::temp_dir())
            .into_iter()
            .flatten()
            .flatten()
        {
            let stale = entry
                .file_name()
                .to_string_lossy()
                .starts_with("certbody-template-")
                && entry.path() != path
                && entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .is_ok_and(|modified| modified < day_ago);
            if stale {
                let _ = std::fs::remove_file(entry.path());
            }
        }
        if !path.exists() {
            let building = path.with_extension(format!("{}.tmp", uuid::Uuid::new_v4().simple()));
            let mut conn = SqliteConnection::establish(&building.display().to_string())
                .expect("template file");
            conn.run_pending_migrations(SQLITE_MIGRATIONS)
                .expect("template migrated");
            drop(conn);
            std::fs::rename(&building, &path).expect("template in place");
        }
        path
    })
}

/// The migrated PostgreSQL template database; older templates of this server are dropped.
fn postgres_template(server_url: &str) -> &'static str {
    static TEMPLATE: OnceLock<String> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let name = format!("certbody_template_{}", migrations_hash());
        let mut server =
            PgConnection::establish(server_url).expect("CERTBODY_TEST_POSTGRES_URL reachable");
        #[derive(QueryableByName)]
        struct Name {
            #[diesel(sql_type = diesel::sql_types::Text)]
            datname: String,
        }
        let existing: Vec<Name> = diesel::sql_query(
            "SELECT datname FROM pg_database WHERE datname LIKE 'certbody\\_template\\_%'",
        )
        .load(&mut server)
        .expect("list templates");
        for stale in existing.iter().filter(|t| t.datname != name) {
            let _ = server.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                stale.datname
            ));
        }
        if !existing.iter().any(|t| t.datname == name) {
            let building = format!("certbody_building_{}", uuid::Uuid::new_v4().simple());
            server
                .batch_execute(&format!("CREATE DATABASE {building}"))
                .expect("create template");
            let migrated = PgConnection::establish(&with_database_name(server_url, &building))
                .map_err(|e| e.to_string())
                .and_then(|mut conn| {
                    conn.run_pending_migrations(POSTGRES_MIGRATIONS)
                        .map(drop)
                        .map_err(|e| e.to_string())
                })
                .and_then(|()| {
                    server
                        .batch_execute(&format!("ALTER DATABASE {building} RENAME TO {name}"))
                        .map_err(|e| e.to_string())
                });
            if let Err(error) = migrated {
                let _ = server
                    .batch_execute(&format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"));
                panic!("cannot build the template database: {error}");
            }
        }
        name
    })
}

impl TestDatabase {
    pub fn create() -> TestDatabase {
        let unique = uuid::Uuid::new_v4().simple().to_string();
        match postgres_url() {
            Some(server_url) => {
                let template = postgres_template(&server_url);
                let name = format!("certbody_test_{unique}");
                let mut conn = PgConnection::establish(&server_url)
                    .expect("CERTBODY_TEST_POSTGRES_URL reachable");
                conn.batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
                    .expect("create test database from the template");
                let url = with_database_name(&server_url, &name);
                TestDatabase {
                    url,
                    cleanup: Cleanup::PostgresDatabase { server_url, name },
                }
            }
            None => {
                let path = std::env::temp_dir().join(format!("certbody-test-{unique}.db"));
                std::fs::copy(sqlite_template(), &path).expect("copy the template");
                TestDatabase {
                    url: path.display().to_string(),
                    cleanup: Cleanup::SqliteFile(path),
                }
            }
        }
    }
}

pub fn with_database_name(server_url: &str, name: &str) -> String {
    let (scheme, rest) = server_url.split_once("://").expect("a postgres:// URL");
    let authority = rest.split(['/', '?']).next().unwrap_or(rest);
    let query = rest
        .split_once('?')
        .map(|(_, q)| format!("?{q}"))
        .unwrap_or_default();
    format!("{scheme}://{authority}/{name}{query}")
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::SqliteFile(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::PostgresDatabase { server_url, name } => {
                if let Ok(mut conn) = PgConnection::establish(server_url) {
                    let _ =
                        conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
                }
            }
        }
    }
}

pub struct TestApp {
    pub address: String,
    pub db: Db,
    pub database_url: String,
    pub config: Config,
    client: awc::Client,
    _database: TestDatabase,
}

pub struct Response {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
    /// The body as received, for binary answers (PDF).
    pub bytes: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts an RFC 9457 problem with this status; returns the body.
    #[track_caller]
    pub fn assert_problem(&self, status: u16) -> &Value {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.body
        );
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "body: {}",
            self.body
        );
        assert_eq!(self.body["status"], status);
        assert!(self.body["type"]
            .as_str()
            .is_some_and(|t| t.starts_with("/problems/")));
        assert!(self.body["title"].is_string() && self.body["detail"].is_string());
        &self.body
    }

    /// The `field` names of a validation problem.
    #[track_caller]
    pub fn invalid_fields(&self) -> Vec<String> {
        self.assert_problem(422);
        self.body["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .map(|e| e["field"].as_str().unwrap().to_owned())
            .collect()
    }
}

pub fn test_config(database_url: &str) -> Config {
    Config {
        database_url: database_url.to_owned(),
        bind: "127.0.0.1:0".into(),
        public_url: ISSUER.into(),
        environment: Environment::Development,
        jwt_secret: Some(TEST_SECRET.into()),
        token_ttl_seconds: 600,
        db_pool_size: 4,
        workers: Some(1),
        login_limit_per_ip: 1000,
        public_limit_per_minute: 1000,
        public_cache_entries: 10_000,
        public_cache_seconds: 10,
        login_limit_per_account: 1000,
        register_limit_per_ip: 1000,
        trusted_proxies: Vec::new(),
        cors_origins: Vec::new(),
        max_json_bytes: 256 * 1024,
        max_upload_bytes: 64 * 1024,
        nc_response_days: 30,
        nc_closure_days: 90,
        surveillance_grace_days: 30,
        case_acknowledge_days: 5,
        case_resolve_days: 60,
        public_filings_per_hour: 1000,
        // Test receivers listen on loopback.
        webhooks_allow_private: true,
        webhook_max_attempts: 5,
        // The tests run the deadline jobs through the admin endpoint.
        deadline_poll_seconds: 3600,
        cb_name: "Example Certification GmbH".into(),
        cb_address: "Prüfweg 1, 10115 Berlin, DE".into(),
        cb_register_id: Some("CB-REG-0042".into()),
        accreditation_body: Some("DAkkS".into()),
        certificate_prefix: "CB".into(),
        // Development: a key is generated for each test's server.
        signing_key_file: None,
        previous_signing_keys: Vec::new(),
        log_format: LogFormat::Text,
        mail: MailConfig {
            smtp_host: None,
            smtp_port: 25,
            smtp_tls: SmtpTls::None,
            smtp_username: None,
            smtp_password: None,
            mail_from: "certbody <noreply@certbody.test>".into(),
            mail_dir: std::env::temp_dir()
                .join(format!("certbody-mail-{}", uuid::Uuid::new_v4().simple()))
                .display()
                .to_string(),
            mail_max_attempts: 3,
            mail_retry_seconds: 60,
            // The tests drive the dispatcher themselves unless they shorten this.
            mail_poll_seconds: 3600,
        },
        clock: Default::default(),
    }
}

/// Mail settings that deliver to an SMTP server on loopback.
pub fn smtp_to(config: &mut Config, port: u16) {
    config.mail.smtp_host = Some("127.0.0.1".into());
    config.mail.smtp_port = port;
    config.mail.smtp_tls = SmtpTls::None;
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    // `TEST_LOG=1 cargo test ...` shows the service's logs while debugging a test.
    if std::env::var_os("TEST_LOG").is_some() {
        certbody::telemetry::init(LogFormat::Text, "info");
    }
    let database = TestDatabase::create();
    let mut config = test_config(&database.url);
    adjust(&mut config);
    let app = Application::build(config.clone()).expect("the application starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    actix_rt::spawn(app.run_until_stopped());
    TestApp {
        address,
        db: Db::connect(&database.url, 2).expect("test pool"),
        database_url: database.url.clone(),
        config,
        client: awc::Client::builder()
            .timeout(Duration::from_secs(30))
            .finish(),
        _database: database,
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.config.mail.mail_dir);
    }
}

/// A signed-in user.
pub struct User {
    pub id: String,
    pub token: String,
    pub organisation_id: Option<String>,
}

impl TestApp {
    pub async fn request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Response {
        let method = awc::http::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.address));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let sent = match body {
            Some(body) => request.send_json(body).await,
            None => request.send().await,
        };
        read(sent.expect("request sent")).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        self.request("GET", path, token, None).await
    }

    /// GET with extra request headers, e.g. a conditional request.
    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Response {
        self.send_with("GET", path, headers).await
    }

    /// A request without a body and with extra headers, e.g. a CORS preflight.
    pub async fn send_with(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> Response {
        let method = awc::http::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.address));
        for (name, value) in headers {
            request = request.insert_header((*name, *value));
        }
        read(request.send().await.expect("request sent")).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.request("POST", path, token, Some(body)).await
    }

    /// POST with a raw body and content type, for malformed-input tests.
    pub async fn post_raw(&self, path: &str, content_type: &str, body: Vec<u8>) -> Response {
        self.post_raw_as(path, None, content_type, body).await
    }

    /// `post_raw`, signed in.
    pub async fn post_raw_as(
        &self,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: Vec<u8>,
    ) -> Response {
        let mut request = self
            .client
            .post(format!("{}{path}", self.address))
            .insert_header(("content-type", content_type));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        read(request.send_body(body).await.expect("request sent")).await
    }

    /// Submits an HTML form (`application/x-www-form-urlencoded`), as a browser does.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let encode = |text: &str| {
            text.bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => {
                        (b as char).to_string()
                    }
                    b' ' => "+".into(),
                    other => format!("%{other:02X}"),
                })
                .collect::<String>()
        };
        let body: Vec<String> = fields
            .iter()
            .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
            .collect();
        self.post_raw(
            path,
            "application/x-www-form-urlencoded",
            body.join("&").into_bytes(),
        )
        .await
    }

    /// Uploads one file as `multipart/form-data` (part `file`).
    pub async fn upload(
        &self,
        path: &str,
        token: &str,
        filename: &str,
        content_type: &str,
        bytes: &[u8],
    ) -> Response {
        let bearer = format!("Bearer {token}");
        self.upload_with(
            path,
            ("authorization", &bearer),
            (filename, content_type),
            bytes,
        )
        .await
    }

    /// Uploads one file as `multipart/form-data` with one more header (a credential).
    pub async fn upload_with(
        &self,
        path: &str,
        (name, value): (&str, &str),
        (filename, content_type): (&str, &str),
        bytes: &[u8],
    ) -> Response {
        let boundary = "certbody-test-boundary-7d1f";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let request = self
            .client
            .post(format!("{}{path}", self.address))
            .insert_header((name, value))
            .insert_header((
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            ));
        read(request.send_body(body).await.expect("request sent")).await
    }

    /// Signs in as a request forwarded by a proxy for `client` (`X-Forwarded-For`).
    pub async fn login_forwarded_for(&self, client: &str, email: &str, password: &str) -> Response {
        let request = self
            .client
            .post(format!("{}/api/v1/auth/token", self.address))
            .insert_header(("x-forwarded-for", client));
        let body = json!({"email": email, "password": password});
        read(request.send_json(&body).await.expect("request sent")).await
    }

    pub async fn login(&self, email: &str, password: &str) -> Response {
        self.post(
            "/api/v1/auth/token",
            None,
            &json!({"email": email, "password": password}),
        )
        .await
    }

    pub async fn token(&self, email: &str) -> String {
        let response = self.login(email, PASSWORD).await;
        assert_eq!(response.status, 200, "login of {email}: {}", response.body);
        response.body["access_token"].as_str().unwrap().to_owned()
    }

    /// Registers a client organisation with its first applicant, and signs in.
    pub async fn register_applicant(&self, email: &str, legal_name: &str) -> User {
        let response = self
            .post(
                "/api/v1/auth/register",
                None,
                &registration(email, legal_name),
            )
            .await;
        assert_eq!(response.status, 201, "registration: {}", response.body);
        User {
            id: response.body["user"]["id"].as_str().unwrap().to_owned(),
            token: self.token(email).await,
            organisation_id: response.body["organisation"]["id"]
                .as_str()
                .map(str::to_owned),
        }
    }

    /// The mail queued for `recipient`, oldest first: (subject, text body).
    pub async fn mail_to(&self, recipient: &str) -> Vec<(String, String)> {
        use certbody::db::schema::outbox_messages::dsl as outbox;
        use diesel::{ExpressionMethods, QueryDsl};
        let recipient = recipient.to_owned();
        self.db
            .run(move |conn| {
                Ok(outbox::outbox_messages
                    .filter(outbox::recipient.eq(recipient))
                    .order(outbox::created_at.asc())
                    .select((outbox::subject, outbox::body_text))
                    .load::<(String, String)>(conn)?)
            })
            .await
            .expect("the outbox reads")
    }

    /// Creates a staff account the way the CLI does, and signs in.
    pub async fn staff(&self, role: Role, email: &str) -> User {
        let fields = AccountFields {
            email,
            full_name: "Staff Member",
            role,
            organisation_id: None,
            password: PASSWORD,
        };
        let service = Service::new(self.db.clone(), Notifier::new(ISSUER));
        let user = create_account(&service, Actor::operator(), fields)
            .await
            .expect("staff account created");
        User {
            id: user.id.to_string(),
            token: self.token(email).await,
            organisation_id: None,
        }
    }
}

async fn read<S>(mut response: awc::ClientResponse<S>) -> Response
where
    S: futures_util::Stream<Item = Result<actix_web::web::Bytes, awc::error::PayloadError>> + Unpin,
{
    let raw = response
        .body()
        .limit(10 * 1024 * 1024)
        .await
        .expect("response body");
    Response {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        body: serde_json::from_slice(&raw)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&raw).into_owned())),
        bytes: raw.to_vec(),
    }
}

pub fn registration(email: &str, legal_name: &str) -> Value {
    json!({
        "organisation": {
            "legal_name": legal_name,
            "street": "Hauptstraße 1",
            "city": "Berlin",
            "postcode": "10115",
            "country": "DE"
        },
        "email": email,
        "full_name": "Anna Schmidt",
        "password": PASSWORD
    })
}
