//! Notifications: email that is never lost. A change that should tell someone queues a
//! rendered message in the outbox *in the same transaction*; the dispatcher sends it later,
//! retrying with backoff, and parks it as dead for an admin after the last attempt.
//!
//! The one call: `notifier.enqueue(conn, recipient, "template_name", context)` inside `Db::write`.

pub mod dispatcher;
pub mod domain;
mod handlers;
pub mod service;
pub mod store;
pub mod templates;
pub mod transport;

use actix_web::web;
use serde_json::Value;
use utoipa::OpenApi;

pub use handlers::*;

crate::id_type!(
    /// A message in the outbox.
    OutboxId
);

use crate::db::{now, DbConnection};
use crate::error::AppResult;
use store::OutboxMessage;

#[derive(Debug, Clone)]
pub struct Notifier {
    public_url: String,
    /// Right-hand side of the Message-IDs we mint: our own host name.
    message_id_domain: String,
}

impl Notifier {
    pub fn new(public_url: &str) -> Notifier {
        let host = public_url.split("://").nth(1).unwrap_or(public_url);
        let host = host
            .split(['/', ':'])
            .next()
            .filter(|h| !h.is_empty())
            .unwrap_or("localhost");
        Notifier {
            public_url: public_url.trim_end_matches('/').to_owned(),
            message_id_domain: host.to_owned(),
        }
    }

    /// Renders `template` for `recipient` and queues it. Call it inside the transaction of
    /// the change it reports: both commit, or neither. `public_url` is added to the context.
    /// Queues `template` for `recipient`; `list_unsubscribe` for a message to a list.
    pub fn enqueue(
        &self,
        conn: &mut DbConnection,
        recipient: &str,
        template: &str,
        mut context: Value,
        list_unsubscribe: Option<String>,
    ) -> AppResult<()> {
        if let Value::Object(map) = &mut context {
            map.insert("public_url".into(), Value::String(self.public_url.clone()));
        }
        let rendered = templates::render(template, &context)?;
        let id = OutboxId::generate();
        let at = now();
        let message = OutboxMessage {
            message_id: format!("<{id}@{}>", self.message_id_domain),
            id,
            template: template.to_owned(),
            recipient: recipient.to_owned(),
            subject: rendered.subject,
            body_text: rendered.text,
            body_html: rendered.html,
            status: domain::MailStatus::Pending,
            attempts: 0,
            next_attempt_at: at,
            claimed_by: None,
            claimed_until: None,
            last_error: None,
            created_at: at,
            sent_at: None,
            list_unsubscribe,
        };
        store::insert(conn, &message)
    }
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("").route(web::get().to(list_outbox)))
        .service(web::resource("/{id}/retry").route(web::post().to(retry_message)));
}

/// This module's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(paths(list_outbox, retry_message))]
pub struct ApiDoc;
