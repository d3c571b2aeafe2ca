//! The dispatcher: claims due messages, sends them, records the outcome. Run by the
//! scheduler inside `certbody serve`; `now` is a parameter so tests control the clock.

use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDateTime;
use lettre::message::Mailbox;

use super::domain::{backoff, status_after_failure};
use super::store;
use super::transport::Transport;
use crate::config::MailConfig;
use crate::db::Db;
use crate::error::AppResult;

pub struct DispatchSettings {
    pub from: Mailbox,
    pub max_attempts: i64,
    pub retry_base: Duration,
    /// How long a claim holds; a dispatcher that dies mid-send releases its messages after it.
    pub claim_lease: Duration,
    pub batch_size: i64,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct DispatchReport {
    pub sent: usize,
    pub failed: usize,
}

pub struct Dispatcher {
    db: Db,
    transport: Arc<Transport>,
    settings: Arc<DispatchSettings>,
}

impl Dispatcher {
    pub fn from_config(db: Db, config: &MailConfig) -> Result<Dispatcher, String> {
        let from = config
            .mail_from
            .parse()
            .map_err(|e| format!("CERTBODY_MAIL_FROM {:?}: {e}", config.mail_from))?;
        let settings = DispatchSettings {
            from,
            max_attempts: config.mail_max_attempts.max(1),
            retry_base: Duration::from_secs(config.mail_retry_seconds),
            claim_lease: Duration::from_secs(300),
            batch_size: 50,
        };
        let transport = Transport::from_config(config)?;
        Ok(Dispatcher {
            db,
            transport: Arc::new(transport),
            settings: Arc::new(settings),
        })
    }

    pub fn describe(&self) -> String {
        self.transport.describe()
    }

    /// One pass: claim what is due at `now`, send it, record each outcome.
    pub async fn run_once(&self, now: NaiveDateTime) -> AppResult<DispatchReport> {
        let claimer = crate::db::new_id();
        let lease_until = now + self.settings.claim_lease;
        let batch = self.settings.batch_size;
        let claim = claimer.clone();
        let messages = self
            .db
            .write(move |conn| store::claim_due(conn, &claim, now, lease_until, batch))
            .await?;
        let mut report = DispatchReport::default();
        for message in messages {
            let (transport, settings) = (self.transport.clone(), self.settings.clone());
            let outcome = {
                let message = message.clone();
                actix_web::web::block(move || transport.send(&message, &settings.from)).await?
            };
            let claim = claimer.clone();
            match outcome {
                Ok(()) => {
                    report.sent += 1;
                    self.db
                        .write(move |conn| store::mark_sent(conn, &message.id, &claim, now))
                        .await?;
                }
                Err(error) => {
                    report.failed += 1;
                    let attempts = message.attempts + 1;
                    let status = status_after_failure(attempts, self.settings.max_attempts);
                    let retry_at = now + backoff(attempts, self.settings.retry_base);
                    tracing::warn!(message_id = %message.message_id, attempts, status = status.as_str(), %error, "mail not sent");
                    self.db
                        .write(move |conn| {
                            store::mark_failed(conn, &message.id, &claim, status, retry_at, &error)
                        })
                        .await?;
                }
            }
        }
        Ok(report)
    }
}
