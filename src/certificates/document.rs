//! The certificate as a document (17021-1 8.2): a print-ready HTML page with the CB's name
//! and address and a QR code that opens the certificate's public verification page.

use qrcode::render::svg;
use qrcode::QrCode;
use serde_json::json;

use super::domain::CertificateStatus;
use super::dto::CertificateView;
use crate::error::{AppError, AppResult};

/// Where the QR code of certificate `number` leads: its public verification page.
pub fn verify_url(public_url: &str, number: &str) -> String {
    format!("{public_url}/verify/{number}")
}

/// Where anyone fetches revision `revision`'s PDF of certificate `number` (served by the
/// public verification module): the credential names it with its digest.
pub fn pdf_url(public_url: &str, number: &str, revision: i64) -> String {
    format!("{public_url}/api/v1/public/certificates/{number}/revisions/{revision}/document.pdf")
}

fn qr_svg(url: &str) -> AppResult<String> {
    let code = QrCode::new(url.as_bytes()).map_err(AppError::internal)?;
    Ok(code
        .render::<svg::Color<'_>>()
        .min_dimensions(160, 160)
        .build())
}

pub fn render_html(certificate: &CertificateView, public_url: &str) -> AppResult<String> {
    let url = verify_url(public_url, &certificate.number);
    let banner = match certificate.status {
        CertificateStatus::Active => None,
        other => Some(format!(
            "{} — this certificate is not valid{}",
            other.label().to_uppercase(),
            certificate
                .status_reason
                .as_deref()
                .map(|reason| format!(": {reason}"))
                .unwrap_or_default()
        )),
    };
    let context = json!({
        "number": certificate.number,
        "content": certificate.content,
        "status_banner": banner,
        "verify_url": url,
        "qr_svg": qr_svg(&url)?,
    });
    crate::web::pages::render("certificate", &context)
}
