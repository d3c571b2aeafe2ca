//! Runtime configuration, read from `CERTBODY_*` environment variables (and `DATABASE_URL`).
//!
//! Every setting has a default that works on a fresh machine; `certbody --help` lists them.
//! The only setting that may refuse to start the service is the token signing secret: in
//! production a missing or weak one is an error, in development one is generated.

use std::time::Duration;

use clap::{Args, ValueEnum};
use rand::RngCore;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Environment {
    Development,
    Production,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SmtpTls {
    /// Plain SMTP (only for a relay on the same host or a test server).
    None,
    /// Upgrade with STARTTLS (usually port 587).
    Starttls,
    /// Implicit TLS (usually port 465).
    Tls,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Shortest accepted signing secret: HS256 keys shorter than the hash output weaken it.
pub const MIN_SECRET_BYTES: usize = 32;

/// Not `Debug`: it holds secrets (signing secret, database and SMTP passwords).
#[derive(Clone, Args)]
pub struct Config {
    /// Database: a SQLite file path (or sqlite://path), or a postgres:// URL.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "certbody.db",
        hide_env_values = true,
        global = true
    )]
    pub database_url: String,

    /// Address the HTTP server listens on.
    #[arg(
        long,
        env = "CERTBODY_BIND",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub bind: String,

    /// Public base URL of this service (token issuer; links in mail and documents).
    #[arg(
        long,
        env = "CERTBODY_PUBLIC_URL",
        default_value = "http://127.0.0.1:8080",
        global = true
    )]
    pub public_url: String,

    /// `production` refuses to start without a strong CERTBODY_JWT_SECRET.
    #[arg(
        long,
        env = "CERTBODY_ENV",
        value_enum,
        default_value = "development",
        global = true
    )]
    pub environment: Environment,

    /// Secret for signing access tokens (HS256), at least 32 bytes.
    #[arg(
        long,
        env = "CERTBODY_JWT_SECRET",
        hide_env_values = true,
        global = true
    )]
    pub jwt_secret: Option<String>,

    /// Lifetime of an access token, in seconds.
    #[arg(
        long,
        env = "CERTBODY_TOKEN_TTL_SECONDS",
        default_value_t = 3600,
        global = true
    )]
    pub token_ttl_seconds: u64,

    /// Maximum number of pooled database connections.
    #[arg(
        long,
        env = "CERTBODY_DB_POOL_SIZE",
        default_value_t = 10,
        global = true
    )]
    pub db_pool_size: u32,

    /// HTTP worker threads (default: one per CPU core).
    #[arg(long, env = "CERTBODY_WORKERS", global = true)]
    pub workers: Option<usize>,

    /// Login attempts allowed per client IP address per minute.
    #[arg(
        long,
        env = "CERTBODY_LOGIN_LIMIT_PER_IP",
        default_value_t = 30,
        global = true
    )]
    pub login_limit_per_ip: u32,

    /// Requests per client address per minute to the public verification API and pages;
    /// 0 turns the limit off.
    #[arg(
        long,
        env = "CERTBODY_PUBLIC_LIMIT_PER_MINUTE",
        default_value_t = 300,
        global = true
    )]
    pub public_limit_per_minute: u32,

    /// Certificate answers each instance keeps to serve lookups without the database; 0
    /// turns the cache off.
    #[arg(
        long,
        env = "CERTBODY_PUBLIC_CACHE_ENTRIES",
        default_value_t = 50_000,
        global = true
    )]
    pub public_cache_entries: usize,

    /// Seconds a cached answer is served; a change made on this instance is forgotten when
    /// it commits, one made on another instance shows within this time (the answers allow
    /// any cache 60 s).
    #[arg(
        long,
        env = "CERTBODY_PUBLIC_CACHE_SECONDS",
        default_value_t = 30,
        global = true
    )]
    pub public_cache_seconds: u64,

    /// Login attempts allowed per account (email) per 15 minutes.
    #[arg(
        long,
        env = "CERTBODY_LOGIN_LIMIT_PER_ACCOUNT",
        default_value_t = 10,
        global = true
    )]
    pub login_limit_per_account: u32,

    /// Registrations allowed per client IP address per hour.
    #[arg(
        long,
        env = "CERTBODY_REGISTER_LIMIT_PER_IP",
        default_value_t = 20,
        global = true
    )]
    pub register_limit_per_ip: u32,

    /// Addresses of reverse proxies or load balancers in front of the service, comma
    /// separated. Only a request arriving from one of them has its client address taken from
    /// `X-Forwarded-For` (for rate limits); otherwise the TCP peer counts.
    #[arg(
        long,
        env = "CERTBODY_TRUSTED_PROXIES",
        value_delimiter = ',',
        global = true
    )]
    pub trusted_proxies: Vec<std::net::IpAddr>,

    /// Web origins (e.g. `https://portal.example.com`), comma separated, whose pages may call
    /// the API from a browser (CORS). Unset: none — browsers refuse cross-origin reads.
    #[arg(
        long,
        env = "CERTBODY_CORS_ORIGINS",
        value_delimiter = ',',
        global = true
    )]
    pub cors_origins: Vec<String>,

    /// Largest accepted JSON request body, in bytes.
    #[arg(long, env = "CERTBODY_MAX_JSON_BYTES", default_value_t = 256 * 1024, global = true)]
    pub max_json_bytes: usize,

    /// Log format: `text` for people, `json` for log collectors.
    #[arg(
        long,
        env = "CERTBODY_LOG_FORMAT",
        value_enum,
        default_value = "text",
        global = true
    )]
    pub log_format: LogFormat,

    /// Largest accepted document upload (stage 1 documents, corrective-action evidence), in bytes.
    #[arg(long, env = "CERTBODY_MAX_UPLOAD_BYTES", default_value_t = 10 * 1024 * 1024, global = true)]
    pub max_upload_bytes: usize,

    /// Days a client has to answer a nonconformity (correction, cause, corrective action).
    /// The CB's own rule: 17021-1 9.4.9 asks for "a defined time" without a figure.
    #[arg(
        long,
        env = "CERTBODY_NC_RESPONSE_DAYS",
        default_value_t = 30,
        global = true
    )]
    pub nc_response_days: u32,

    /// Days from the audit's last day until a major nonconformity must be verified; the
    /// CB's own rule. A major from stage 2 is due within 6 months of its last day (9.5.3),
    /// whatever this says. Minors need an accepted plan; the next audit verifies them.
    #[arg(
        long,
        env = "CERTBODY_NC_CLOSURE_DAYS",
        default_value_t = 90,
        global = true
    )]
    pub nc_closure_days: u32,

    /// The Ed25519 key (PKCS#8 PEM file) that signs certificate credentials. Production
    /// refuses to start without it; development generates one per run and says so.
    #[arg(long, env = "CERTBODY_SIGNING_KEY_FILE", global = true)]
    pub signing_key_file: Option<String>,

    /// Keys that signed earlier credentials (PEM files, private or public, comma-separated):
    /// they stay published so those credentials still verify after a rotation.
    #[arg(
        long,
        env = "CERTBODY_PREVIOUS_SIGNING_KEYS",
        value_delimiter = ',',
        global = true
    )]
    pub previous_signing_keys: Vec<String>,

    /// Days after a surveillance audit's window closed without the audit before the
    /// certificate is suspended (a warning goes out when the window closes); the CB's rule.
    #[arg(
        long,
        env = "CERTBODY_SURVEILLANCE_GRACE_DAYS",
        default_value_t = 30,
        global = true
    )]
    pub surveillance_grace_days: u32,

    /// Days to acknowledge a complaint or an appeal; the CB's own period (17021-1 9.7, 9.8
    /// ask for acknowledgement and progress reports without a figure).
    #[arg(
        long,
        env = "CERTBODY_CASE_ACKNOWLEDGE_DAYS",
        default_value_t = 5,
        global = true
    )]
    pub case_acknowledge_days: u32,

    /// Days to decide a complaint or an appeal after it was received; the CB's own period.
    #[arg(
        long,
        env = "CERTBODY_CASE_RESOLVE_DAYS",
        default_value_t = 60,
        global = true
    )]
    pub case_resolve_days: u32,

    /// Complaints and watch requests one client address may file per hour (0: no limit).
    #[arg(
        long,
        env = "CERTBODY_PUBLIC_FILINGS_PER_HOUR",
        default_value_t = 10,
        global = true
    )]
    pub public_filings_per_hour: u32,

    /// Lets webhook endpoints resolve to private, loopback or link-local addresses (a
    /// receiver inside the CB's own network); off, such URLs are refused.
    #[arg(
        long,
        env = "CERTBODY_WEBHOOKS_ALLOW_PRIVATE",
        default_value_t = false,
        global = true
    )]
    pub webhooks_allow_private: bool,

    /// Attempts at delivering one webhook before it is given up (backing off from 30 s).
    #[arg(
        long,
        env = "CERTBODY_WEBHOOK_MAX_ATTEMPTS",
        default_value_t = 10,
        global = true
    )]
    pub webhook_max_attempts: i64,

    /// Seconds between runs of the deadline jobs (qualification lapses, overdue findings).
    #[arg(
        long,
        env = "CERTBODY_DEADLINE_POLL_SECONDS",
        default_value_t = 3600,
        global = true
    )]
    pub deadline_poll_seconds: u64,

    /// The certification body's name, as certificates and reports show it.
    #[arg(
        long,
        env = "CERTBODY_CB_NAME",
        default_value = "Certification body (set CERTBODY_CB_NAME)",
        global = true
    )]
    pub cb_name: String,

    /// The certification body's postal address, as certificates show it.
    #[arg(long, env = "CERTBODY_CB_ADDRESS", default_value = "", global = true)]
    pub cb_address: String,

    /// The CB's certification identity number in the IAF CertSearch register (IAF MD 28).
    #[arg(long, env = "CERTBODY_CB_REGISTER_ID", global = true)]
    pub cb_register_id: Option<String>,

    /// The accreditation body, when the CB is accredited for the certificates it issues.
    #[arg(long, env = "CERTBODY_ACCREDITATION_BODY", global = true)]
    pub accreditation_body: Option<String>,

    /// Leads every certificate number (letters and digits, up to 8).
    #[arg(
        long,
        env = "CERTBODY_CERTIFICATE_PREFIX",
        default_value = "CB",
        global = true
    )]
    pub certificate_prefix: String,

    #[command(flatten)]
    pub mail: MailConfig,

    /// The workflow's clock: the system time, moved only by tests.
    #[arg(skip)]
    pub clock: crate::clock::Clock,
}

impl Config {
    /// The credential-signing keys, or why the service must not start.
    pub fn signing_keys(
        &self,
    ) -> Result<(crate::credentials::keys::SigningKeys, SecretSource), String> {
        use crate::credentials::keys::SigningKeys;
        let read = |path: &str| {
            std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read the signing key {path}: {e}"))
        };
        let earlier = self
            .previous_signing_keys
            .iter()
            .map(|path| read(path))
            .collect::<Result<Vec<_>, _>>()?;
        match (&self.signing_key_file, self.environment) {
            (Some(path), _) => Ok((
                SigningKeys::from_pem(&read(path)?, &earlier, &self.public_url)?,
                SecretSource::Configured,
            )),
            (None, Environment::Production) => Err(
                "CERTBODY_SIGNING_KEY_FILE is required in production: certificates' credentials must stay verifiable across restarts".into(),
            ),
            (None, Environment::Development) => Ok((SigningKeys::generate(&self.public_url)?, SecretSource::Generated)),
        }
    }

    /// The CB's periods and identity, as the workflow applies them.
    pub fn rules(&self) -> crate::workflow::Rules {
        crate::workflow::Rules {
            nc_response_days: self.nc_response_days,
            nc_closure_days: self.nc_closure_days,
            surveillance_grace_days: self.surveillance_grace_days,
            case_days: (self.case_acknowledge_days, self.case_resolve_days),
            webhooks_allow_private: self.webhooks_allow_private,
            cb: crate::workflow::CbIdentity {
                name: self.cb_name.clone(),
                address: self.cb_address.clone(),
                register_id: self.cb_register_id.clone(),
                accreditation_body: self.accreditation_body.clone(),
                certificate_prefix: self.certificate_prefix.clone(),
                public_url: self.public_url.trim_end_matches('/').to_owned(),
            },
        }
    }
}

/// Outgoing mail. Without an SMTP host, messages are written as `.eml` files to `mail_dir`.
#[derive(Clone, Args)]
pub struct MailConfig {
    /// SMTP server; unset: mail is written as .eml files to CERTBODY_MAIL_DIR.
    #[arg(long, env = "CERTBODY_SMTP_HOST", global = true)]
    pub smtp_host: Option<String>,

    #[arg(long, env = "CERTBODY_SMTP_PORT", default_value_t = 587, global = true)]
    pub smtp_port: u16,

    #[arg(
        long,
        env = "CERTBODY_SMTP_TLS",
        value_enum,
        default_value = "starttls",
        global = true
    )]
    pub smtp_tls: SmtpTls,

    #[arg(long, env = "CERTBODY_SMTP_USERNAME", global = true)]
    pub smtp_username: Option<String>,

    #[arg(
        long,
        env = "CERTBODY_SMTP_PASSWORD",
        hide_env_values = true,
        global = true
    )]
    pub smtp_password: Option<String>,

    /// Sender of every message.
    #[arg(
        long,
        env = "CERTBODY_MAIL_FROM",
        default_value = "certbody <noreply@localhost>",
        global = true
    )]
    pub mail_from: String,

    /// Folder for .eml files when no SMTP host is set.
    #[arg(
        long,
        env = "CERTBODY_MAIL_DIR",
        default_value = "outbox",
        global = true
    )]
    pub mail_dir: String,

    /// Attempts before a message is parked as dead for an admin.
    #[arg(
        long,
        env = "CERTBODY_MAIL_MAX_ATTEMPTS",
        default_value_t = 8,
        global = true
    )]
    pub mail_max_attempts: i64,

    /// Wait after the first failed attempt, in seconds; it doubles each time (at most 6 h).
    #[arg(
        long,
        env = "CERTBODY_MAIL_RETRY_SECONDS",
        default_value_t = 60,
        global = true
    )]
    pub mail_retry_seconds: u64,

    /// How often the dispatcher looks for mail to send, in seconds.
    #[arg(
        long,
        env = "CERTBODY_MAIL_POLL_SECONDS",
        default_value_t = 5,
        global = true
    )]
    pub mail_poll_seconds: u64,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error(
        "CERTBODY_JWT_SECRET is not set. A production start needs a secret of at least \
         {MIN_SECRET_BYTES} random bytes, e.g. `openssl rand -base64 48`."
    )]
    MissingSecret,
    #[error(
        "CERTBODY_JWT_SECRET is too weak ({0}). Use at least {MIN_SECRET_BYTES} random bytes, \
         e.g. `openssl rand -base64 48`."
    )]
    WeakSecret(&'static str),
    #[error("CERTBODY_CORS_ORIGINS: {0:?} is not an origin like https://portal.example.com")]
    CorsOrigin(String),
}

/// Where the token signing secret came from, so start-up can say so.
#[derive(Debug, PartialEq, Eq)]
pub enum SecretSource {
    Configured,
    Generated,
}

impl Config {
    pub fn token_ttl(&self) -> Duration {
        Duration::from_secs(self.token_ttl_seconds)
    }

    /// The secret that signs access tokens, or why the service must not start.
    pub fn signing_secret(&self) -> Result<(Vec<u8>, SecretSource), ConfigError> {
        match (&self.jwt_secret, self.environment) {
            (Some(secret), Environment::Production) => {
                check_secret_strength(secret)?;
                Ok((secret.as_bytes().to_vec(), SecretSource::Configured))
            }
            (Some(secret), Environment::Development) => {
                Ok((secret.as_bytes().to_vec(), SecretSource::Configured))
            }
            (None, Environment::Production) => Err(ConfigError::MissingSecret),
            (None, Environment::Development) => {
                let mut secret = vec![0u8; 48];
                rand::rng().fill_bytes(&mut secret);
                Ok((secret, SecretSource::Generated))
            }
        }
    }
}

fn check_secret_strength(secret: &str) -> Result<(), ConfigError> {
    if secret.len() < MIN_SECRET_BYTES {
        return Err(ConfigError::WeakSecret("shorter than 32 bytes"));
    }
    let mut distinct: Vec<char> = secret.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    // A long run of a few repeated characters ("aaaa…", "changeme…") is not a secret.
    if distinct.len() < 10 {
        return Err(ConfigError::WeakSecret("too few distinct characters"));
    }
    Ok(())
}

impl Config {
    /// The CORS origins, each `scheme://host[:port]` and nothing more.
    pub fn cors_origins(&self) -> Result<Vec<String>, ConfigError> {
        self.cors_origins
            .iter()
            .map(|origin| origin.trim().trim_end_matches('/'))
            .filter(|origin| !origin.is_empty())
            .map(|origin| {
                let uri: actix_web::http::Uri = origin
                    .parse()
                    .map_err(|_| ConfigError::CorsOrigin(origin.to_owned()))?;
                let bare = matches!(uri.scheme_str(), Some("https" | "http"))
                    && uri.host().is_some()
                    && uri
                        .path_and_query()
                        .is_none_or(|p| p.as_str() == "/" || p.as_str().is_empty());
                // As browsers send it: lowercase, without the scheme's default port.
                let scheme = uri.scheme_str().unwrap_or_default();
                let port = uri
                    .port_u16()
                    .filter(|port| !matches!((scheme, port), ("https", 443) | ("http", 80)))
                    .map(|port| format!(":{port}"))
                    .unwrap_or_default();
                let host = uri.host().unwrap_or_default().to_lowercase();
                bare.then(|| format!("{scheme}://{host}{port}"))
                    .ok_or_else(|| ConfigError::CorsOrigin(origin.to_owned()))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        config: Config,
    }

    fn config(env: Environment, secret: Option<&str>) -> Config {
        let mut config = Cli::parse_from(["certbody"]).config;
        config.environment = env;
        config.jwt_secret = secret.map(str::to_owned);
        config
    }

    #[test]
    fn production_refuses_missing_and_weak_secrets() {
        let prod = |s| {
            config(Environment::Production, s)
                .signing_secret()
                .map(|_| ())
        };
        assert_eq!(prod(None), Err(ConfigError::MissingSecret));
        assert!(matches!(
            prod(Some("short")),
            Err(ConfigError::WeakSecret(_))
        ));
        let repetitive = "ab".repeat(40);
        assert!(matches!(
            prod(Some(&repetitive)),
            Err(ConfigError::WeakSecret(_))
        ));
        assert_eq!(prod(Some("Zq8#kL2vN9xW4pR7tY1uI6oE3aS5dF0gH")), Ok(()));
    }

    #[test]
    fn development_generates_a_secret_when_none_is_set() {
        let (secret, source) = config(Environment::Development, None)
            .signing_secret()
            .unwrap();
        assert_eq!(source, SecretSource::Generated);
        assert_eq!(secret.len(), 48);
        let (_, source) = config(Environment::Development, Some("x"))
            .signing_secret()
            .unwrap();
        assert_eq!(source, SecretSource::Configured);
    }
}
