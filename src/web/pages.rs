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
