//! HTML documents rendered from handlebars templates in `templates/` (compiled into the
//! binary, parsed once): every value HTML-escaped unless a template asks otherwise.

use std::sync::OnceLock;

use handlebars::Handlebars;
use serde_json::Value;

use crate::error::{AppError, AppResult};

/// The page templates, by name.
const PAGES: &[(&str, &str)] = &[
    (
        "audit_report",
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/templates/reports/audit_report.html.hbs"
        )),
    ),
    (
        "certificate",
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/templates/certificates/certificate.html.hbs"
        )),
    ),
    (
        "verify",
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/templates/verify/verify.html.hbs"
        )),
    ),
];

pub fn render(name: &str, context: &Value) -> AppResult<String> {
    static REGISTRY: OnceLock<Result<Handlebars<'static>, String>> = OnceLock::new();
    let registry = REGISTRY
        .get_or_init(|| {
            let mut registry = Handlebars::new();
            for (name, source) in PAGES {
                registry
                    .register_template_string(name, *source)
                    .map_err(|err| format!("{name}: {err}"))?;
            }
            Ok(registry)
        })
        .as_ref()
        .map_err(|err| AppError::internal(format!("page template {err}")))?;
    registry
        .render(name, context)
        .map_err(|err| AppError::internal(format!("page {name}: {err}")))
}

/// How long a page may be kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// A public page anyone may cache briefly (a CDN included).
    Public,
    /// One person's page: a client's documents, a secret, a form's result.
    Nowhere,
}

/// An HTML page with the headers every page carries: its content security policy (which
/// never allows script), no type sniffing, no referrer, no framing, and how long it may be
/// kept.
pub fn page_response(
    status: actix_web::http::StatusCode,
    policy: &str,
    keep: Keep,
    html: String,
) -> actix_web::HttpResponse {
    use actix_web::http::header;
    actix_web::HttpResponse::build(status)
        .content_type(header::ContentType::html())
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            format!("{policy}; base-uri 'none'; frame-ancestors 'none'"),
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((
            header::CACHE_CONTROL,
            match keep {
                Keep::Public => crate::verification::PUBLIC_MAX_AGE,
                Keep::Nowhere => "private, no-store",
            },
        ))
        .body(html)
}
