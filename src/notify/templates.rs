//! Email templates: handlebars files in `templates/email/<name>/` (subject, plain text and
//! HTML parts), compiled into the binary and parsed once. Strict mode: a variable missing
//! from the context is an error, never an empty gap in a mail.

use std::sync::OnceLock;

use handlebars::{no_escape, Handlebars};
use serde_json::Value;

use crate::error::{AppError, AppResult};

pub struct TemplateFiles {
    pub name: &'static str,
    subject: &'static str,
    text: &'static str,
    html: &'static str,
    /// A context the template must render with; the test of every template uses it.
    pub sample: &'static str,
}

macro_rules! email_templates {
    ($($name:literal),* $(,)?) => {
        &[$(TemplateFiles {
            name: $name,
            subject: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/templates/email/", $name, "/subject.hbs")),
            text: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/templates/email/", $name, "/body.txt.hbs")),
            html: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/templates/email/", $name, "/body.html.hbs")),
            sample: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/templates/email/", $name, "/sample.json")),
        }),*]
    };
}

pub const TEMPLATES: &[TemplateFiles] = email_templates![
    "registration_received",
    "account_created",
    "account_deactivated",
    "account_reactivated",
    "application_state_changed",
    "qualification_lapsing",
    "audit_notice",
    "finding_notice",
    "certificate_notice",
    "decision_notice",
    "case_notice",
    "watch_confirm",
    "watch_notice",
];

pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

struct Registries {
    /// Subject and plain-text parts: nothing to escape.
    plain: Handlebars<'static>,
    /// HTML parts: every value HTML-escaped.
    html: Handlebars<'static>,
}

fn registries() -> &'static Registries {
    static REGISTRIES: OnceLock<Registries> = OnceLock::new();
    REGISTRIES.get_or_init(|| {
        let mut plain = Handlebars::new();
        plain.set_strict_mode(true);
        plain.register_escape_fn(no_escape);
        let mut html = Handlebars::new();
        html.set_strict_mode(true);
        for template in TEMPLATES {
            // The files are compiled in and covered by a test, so a parse error is a build defect.
            plain
                .register_template_string(&format!("{}/subject", template.name), template.subject)
                .expect("subject template");
            plain
                .register_template_string(&format!("{}/text", template.name), template.text)
                .expect("text template");
            html.register_template_string(template.name, template.html)
                .expect("html template");
        }
        Registries { plain, html }
    })
}

pub fn render(name: &str, context: &Value) -> AppResult<Rendered> {
    let registries = registries();
    let fail =
        |err: handlebars::RenderError| AppError::internal(format!("email template {name}: {err}"));
    let subject = registries
        .plain
        .render(&format!("{name}/subject"), context)
        .map_err(fail)?;
    Ok(Rendered {
        // A subject is one line, whatever the template or the values contain.
        subject: subject.split_whitespace().collect::<Vec<_>>().join(" "),
        text: registries
            .plain
            .render(&format!("{name}/text"), context)
            .map_err(fail)?,
        html: registries.html.render(name, context).map_err(fail)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_renders_with_its_sample_context() {
        for template in TEMPLATES {
            let context: Value = serde_json::from_str(template.sample).expect("sample is JSON");
            let rendered = render(template.name, &context)
                .unwrap_or_else(|e| panic!("{}: {e}", template.name));
            assert!(
                !rendered.subject.is_empty() && !rendered.subject.contains('\n'),
                "{}",
                template.name
            );
            assert!(
                !rendered.text.trim().is_empty() && !rendered.html.trim().is_empty(),
                "{}",
                template.name
            );
            // Strict mode: dropping any one variable must fail rather than render a gap.
            for key in context.as_object().unwrap().keys() {
                let mut partial = context.clone();
                partial.as_object_mut().unwrap().remove(key);
                assert!(
                    render(template.name, &partial).is_err(),
                    "{} renders without {key}",
                    template.name
                );
            }
        }
    }

    #[test]
    fn every_template_folder_is_compiled_in() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/email");
        let mut folders: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        folders.sort();
        let mut registered: Vec<&str> = TEMPLATES.iter().map(|t| t.name).collect();
        registered.sort();
        assert_eq!(folders, registered);
    }

    #[test]
    fn html_parts_escape_values_and_text_parts_keep_them() {
        let context = serde_json::json!({"recipient_name": "Anna <Schmidt>", "organisation_name": "A & B",
            "client_id": "C-1", "public_url": "https://cb.example"});
        let rendered = render("registration_received", &context).unwrap();
        assert!(
            rendered.html.contains("Anna &lt;Schmidt&gt;") && rendered.html.contains("A &amp; B")
        );
        assert!(rendered.text.contains("Anna <Schmidt>") && rendered.subject.contains("A & B"));
    }
}
