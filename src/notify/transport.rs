//! Where mail goes: an SMTP server (lettre), or — with no SMTP configured — `.eml` files in a
//! folder, so a new user can read what would have been sent.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Message, SmtpTransport, Transport as _};

use super::store::OutboxMessage;
use crate::config::{MailConfig, SmtpTls};

pub enum Transport {
    Smtp(Box<SmtpTransport>),
    Files(PathBuf),
}

impl Transport {
    pub fn from_config(config: &MailConfig) -> Result<Transport, String> {
        let Some(host) = &config.smtp_host else {
            return Ok(Transport::Files(PathBuf::from(&config.mail_dir)));
        };
        let builder = match config.smtp_tls {
            SmtpTls::None => SmtpTransport::builder_dangerous(host),
            SmtpTls::Starttls => SmtpTransport::starttls_relay(host).map_err(|e| e.to_string())?,
            SmtpTls::Tls => SmtpTransport::relay(host).map_err(|e| e.to_string())?,
        };
        let mut builder = builder
            .port(config.smtp_port)
            .timeout(Some(Duration::from_secs(20)));
        if let (Some(user), Some(password)) = (&config.smtp_username, &config.smtp_password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(Transport::Smtp(Box::new(builder.build())))
    }

    pub fn describe(&self) -> String {
        match self {
            Transport::Smtp(_) => "SMTP".to_owned(),
            Transport::Files(dir) => format!("files in {}", dir.display()),
        }
    }

    /// Sends one message (blocking: call it off the async workers).
    pub fn send(&self, message: &OutboxMessage, from: &Mailbox) -> Result<(), String> {
        let email = build(message, from)?;
        match self {
            Transport::Smtp(smtp) => smtp.send(&email).map(|_| ()).map_err(|e| e.to_string()),
            Transport::Files(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
                let path = dir.join(format!("{}.eml", message.id));
                std::fs::write(&path, email.formatted())
                    .map_err(|e| format!("{}: {e}", path.display()))
            }
        }
    }
}

fn build(message: &OutboxMessage, from: &Mailbox) -> Result<Message, String> {
    let to: Mailbox = message
        .recipient
        .parse()
        .map_err(|e| format!("recipient {}: {e}", message.recipient))?;
    Message::builder()
        .message_id(Some(message.message_id.clone()))
        .from(from.clone())
        .to(to)
        .subject(message.subject.clone())
        .date(SystemTime::from(message.created_at.and_utc()))
        .multipart(MultiPart::alternative_plain_html(
            message.body_text.clone(),
            message.body_html.clone(),
        ))
        .map_err(|e| e.to_string())
}
