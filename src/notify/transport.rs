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
    let mut builder = Message::builder()
        .message_id(Some(message.message_id.clone()))
        .from(from.clone())
        .to(to)
        .subject(message.subject.clone())
        .date(SystemTime::from(message.created_at.and_utc()));
    if let Some(link) = &message.list_unsubscribe {
        use lettre::message::header::{HeaderName, HeaderValue};
        builder = builder
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe"),
                format!("<{link}>"),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                "List-Unsubscribe=One-Click".into(),
            ));
    }
    builder
        .multipart(MultiPart::alternative_plain_html(
            message.body_text.clone(),
            message.body_html.clone(),
        ))
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::domain::MailStatus;

    #[test]
    fn a_message_to_a_list_offers_one_click_unsubscribe() {
        let now = chrono::Utc::now().naive_utc();
        let mut message = OutboxMessage {
            id: crate::notify::OutboxId::generate(),
            message_id: "<1@certbody.test>".into(),
            template: "watch_notice".into(),
            recipient: "watcher@example.org".into(),
            subject: "CB-1 is suspended".into(),
            body_text: "text".into(),
            body_html: "<p>html</p>".into(),
            status: MailStatus::Pending,
            attempts: 0,
            next_attempt_at: now,
            claimed_by: None,
            claimed_until: None,
            last_error: None,
            created_at: now,
            sent_at: None,
            list_unsubscribe: None,
        };
        let from: Mailbox = "certbody <noreply@certbody.test>".parse().unwrap();
        let plain = String::from_utf8(build(&message, &from).unwrap().formatted()).unwrap();
        assert!(!plain.contains("List-Unsubscribe"));
        message.list_unsubscribe = Some("https://cb.test/watch/unsubscribe?token=T".into());
        let listed = String::from_utf8(build(&message, &from).unwrap().formatted()).unwrap();
        assert!(listed.contains("List-Unsubscribe: <https://cb.test/watch/unsubscribe?token=T>"));
        assert!(listed.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
    }
}
