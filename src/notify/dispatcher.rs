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
    /// How long a claim holds; a dispatcher that dies mid-send releases its message after it.
    pub claim_lease: Duration,
    /// Most messages sent in one pass.
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
            // Longer than one message can take (SMTP commands time out after 20 s).
            claim_lease: Duration::from_secs(600),
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

    /// One pass: claim due messages one at a time (so a claim never waits behind a slow
    /// batch), send each, record the outcome — at most `batch_size` per pass.
    pub async fn run_once(&self, now: NaiveDateTime) -> AppResult<DispatchReport> {
        let mut report = DispatchReport::default();
        for _ in 0..self.settings.batch_size {
            let claimer = crate::db::new_id();
            let lease_until = now + self.settings.claim_lease;
            let claim = claimer.clone();
            let claimed = self
                .db
                .write(move |conn| store::claim_next(conn, &claim, now, lease_until))
                .await?;
            let Some(message) = claimed else { break };
            let outcome = if message.attempts > self.settings.max_attempts {
                // Claimed before, but its dispatcher stopped mid-send every time.
                Err("gave up: the dispatcher stopped while sending it on every attempt".to_owned())
            } else {
                let (transport, settings, message) = (
                    self.transport.clone(),
                    self.settings.clone(),
                    message.clone(),
                );
                actix_web::web::block(move || transport.send(&message, &settings.from)).await?
            };
            match outcome {
                Ok(()) => {
                    report.sent += 1;
                    self.db
                        .write(move |conn| store::mark_sent(conn, &message.id, &claimer, now))
                        .await?;
                }
                Err(error) => {
                    report.failed += 1;
                    let status = status_after_failure(message.attempts, self.settings.max_attempts);
                    let retry_at = now + backoff(message.attempts, self.settings.retry_base);
                    tracing::warn!(message_id = %message.message_id, attempts = message.attempts,
                        status = status.as_str(), %error, "mail not sent");
                    self.db
                        .write(move |conn| {
                            store::mark_failed(
                                conn,
                                &message.id,
                                &claimer,
                                status,
                                retry_at,
                                &error,
                            )
                        })
                        .await?;
                }
            }
        }
        Ok(report)
    }
}
