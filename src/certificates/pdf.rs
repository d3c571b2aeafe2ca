//! The certificate as a PDF/A-2u document (ISO 19005-2, Unicode text), made in pure Rust
//! with the DejaVu fonts shipped in `templates/fonts`: nothing is fetched and no browser
//! runs. Layout is two steps: `lay_out` places lines on pages (pure, tested without a
//! PDF), `draw` writes them with krilla.

use std::sync::LazyLock;

use krilla::action::{Action, LinkAction};
use krilla::annotation::{Annotation, LinkAnnotation, Target};
use krilla::configure::{Archival, ConfigurationBuilder};
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::{DateTime, Metadata};
use krilla::page::PageSettings;
use krilla::text::{Font, TextDirection};
use krilla::{Document, SerializeSettings};
use skrifa::instance::{LocationRef, Size};
use skrifa::MetadataProvider;

use super::domain::CertifiedContent;
use crate::error::{AppError, AppResult};

static REGULAR_TTF: &[u8] = include_bytes!("../../templates/fonts/DejaVuSans.ttf");
static BOLD_TTF: &[u8] = include_bytes!("../../templates/fonts/DejaVuSans-Bold.ttf");

/// A4 in points, with 18 mm margins like the HTML rendering.
const PAGE_WIDTH: f32 = 595.28;
const PAGE_HEIGHT: f32 = 841.89;
const MARGIN: f32 = 51.0;
const CONTENT_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN;
/// Room kept at the foot of each page for the verification notice.
const FOOTER_TOP: f32 = PAGE_HEIGHT - MARGIN - 30.0;
const QR_SIDE: f32 = 96.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Face {
    Regular,
    Bold,
}

impl Face {
    fn ttf(self) -> &'static [u8] {
        match self {
            Face::Regular => REGULAR_TTF,
            Face::Bold => BOLD_TTF,
        }
    }

    /// Width of `text` at 1 pt, from the font's advances (no kerning: enough to wrap).
    fn width(self, text: &str) -> f32 {
        let Ok(font) = skrifa::FontRef::new(self.ttf()) else {
            return text.chars().count() as f32 * 0.6;
        };
        let charmap = font.charmap();
        let metrics = font.glyph_metrics(Size::new(1.0), LocationRef::default());
        text.chars()
            .map(|c| {
                charmap
                    .map(c)
                    .and_then(|glyph| metrics.advance_width(glyph))
                    .unwrap_or(0.6)
            })
            .sum()
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Align {
    Left(f32),
    Centre,
}

/// One thing placed on a page; `y` is the text baseline or the square's top, from the top.
#[derive(Debug, Clone, PartialEq)]
enum Item {
    Text {
        x: f32,
        y: f32,
        face: Face,
        size: f32,
        text: String,
    },
    QrCode {
        x: f32,
        y: f32,
        url: String,
    },
}

/// Lines placed top-down, starting a new page when the next one would not fit.
struct Layout {
    pages: Vec<Vec<Item>>,
    y: f32,
}

impl Layout {
    fn new() -> Self {
        Layout {
            pages: vec![Vec::new()],
            y: MARGIN,
        }
    }

    fn page(&mut self) -> &mut Vec<Item> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    /// Moves to a new page unless `height` more fits on this one.
    fn keep(&mut self, height: f32) {
        if self.y + height > FOOTER_TOP {
            self.pages.push(Vec::new());
            self.y = MARGIN;
        }
    }

    fn gap(&mut self, points: f32) {
        self.y += points;
    }

    /// `text` wrapped to the width left of `align`, one line at a time.
    fn paragraph(&mut self, text: &str, face: Face, size: f32, align: Align) {
        let indent = match align {
            Align::Left(x) => x,
            Align::Centre => 0.0,
        };
        let leading = size * 1.35;
        for line in wrap(text, face, size, CONTENT_WIDTH - indent) {
            self.keep(leading);
            self.y += leading;
            let x = match align {
                Align::Left(x) => MARGIN + x,
                Align::Centre => MARGIN + (CONTENT_WIDTH - face.width(&line) * size) / 2.0,
            };
            let y = self.y - leading * 0.25;
            self.page().push(Item::Text {
                x,
                y,
                face,
                size,
                text: line,
            });
        }
    }
}

/// Greedy word wrap; a word wider than the line is cut between characters.
fn wrap(text: &str, face: Face, size: f32, width: f32) -> Vec<String> {
    let fits = |line: &str| face.width(line) * size <= width;
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_owned()
        } else {
            format!("{line} {word}")
        };
        if fits(&candidate) {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        for c in word.chars() {
            line.push(c);
            if !fits(&line) && line.chars().count() > 1 {
                line.pop();
                lines.push(std::mem::replace(&mut line, c.to_string()));
            }
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Label and value pairs of the certificate's facts, in reading order.
fn facts(number: &str, content: &CertifiedContent) -> Vec<(&'static str, String)> {
    let body = &content.certification_body;
    let mut facts = vec![
        (
            "Certificate number",
            format!("{number} (revision {})", content.revision),
        ),
        (
            "Original certification",
            content.original_grant_on.to_string(),
        ),
        ("Current issue", content.issued_on.to_string()),
        ("Valid until", content.expires_on.to_string()),
        ("Certification type", content.certification_type.clone()),
    ];
    if let Some(origin) = &content.transferred_from {
        facts.push((
            "Transferred from",
            format!(
                "{}, certificate {}",
                origin.certification_body, origin.certificate_number
            ),
        ));
    }
    facts.extend([(
        "Accreditation",
        match &body.accreditation_body {
            Some(accreditation) => format!("accredited by {accreditation}"),
            None => "not accredited".to_owned(),
        },
    )]);
    if let Some(register_id) = &body.register_id {
        facts.push(("Certification body id", register_id.clone()));
    }
    facts.push(("Client id", content.holder.client_id.clone()));
    facts
}

fn lay_out(number: &str, content: &CertifiedContent, verify_url: &str) -> Vec<Vec<Item>> {
    let mut layout = Layout::new();
    let body = &content.certification_body;
    let holder = &content.holder;
    layout.paragraph(&body.name, Face::Bold, 12.0, Align::Left(0.0));
    layout.paragraph(&body.address, Face::Regular, 9.0, Align::Left(0.0));
    layout.gap(28.0);
    layout.paragraph("CERTIFICATE", Face::Bold, 30.0, Align::Centre);
    layout.gap(14.0);
    let centred = |layout: &mut Layout, text: &str, face, size| {
        layout.paragraph(text, face, size, Align::Centre)
    };
    centred(
        &mut layout,
        "This is to certify that the management system of",
        Face::Regular,
        11.0,
    );
    layout.gap(4.0);
    centred(&mut layout, &holder.legal_name, Face::Bold, 18.0);
    if let Some(trading_name) = &holder.trading_name {
        centred(
            &mut layout,
            &format!("trading as {trading_name}"),
            Face::Regular,
            11.0,
        );
    }
    let address = format!(
        "{}, {} {}, {}",
        holder.street, holder.postcode, holder.city, holder.country
    );
    centred(&mut layout, &address, Face::Regular, 10.0);
    layout.gap(10.0);
    centred(
        &mut layout,
        "conforms to the requirements of",
        Face::Regular,
        11.0,
    );
    centred(&mut layout, &content.standard, Face::Bold, 16.0);
    layout.gap(6.0);
    centred(&mut layout, "for the scope", Face::Regular, 11.0);
    centred(&mut layout, &content.scope, Face::Bold, 11.0);
    layout.gap(16.0);
    layout.paragraph("Certified sites", Face::Bold, 11.0, Align::Left(0.0));
    for site in &content.sites {
        layout.gap(4.0);
        let place = format!(
            "{} — {}, {} {}, {}",
            site.name, site.street, site.postcode, site.city, site.country
        );
        layout.paragraph(&place, Face::Bold, 9.5, Align::Left(0.0));
        layout.paragraph(
            &format!("Scope: {}", site.scope),
            Face::Regular,
            9.5,
            Align::Left(12.0),
        );
    }
    // The facts and the QR code stay together on one page.
    let facts = facts(number, content);
    layout.gap(18.0);
    layout.keep((facts.len() as f32 * 13.5).max(QR_SIDE + 28.0));
    let top = layout.y;
    let qr_x = MARGIN + CONTENT_WIDTH - QR_SIDE;
    layout.page().push(Item::QrCode {
        x: qr_x,
        y: top,
        url: verify_url.to_owned(),
    });
    for (label, value) in facts {
        let row = layout.y;
        layout.paragraph(label, Face::Regular, 9.0, Align::Left(0.0));
        layout.y = row;
        layout.paragraph(&value, Face::Bold, 9.0, Align::Left(125.0));
    }
    let caption_y = top + QR_SIDE + 10.0;
    for (i, line) in ["Verify this certificate:", verify_url].iter().enumerate() {
        let size = 7.0;
        let x = MARGIN + CONTENT_WIDTH - Face::Regular.width(line) * size;
        layout.page().push(Item::Text {
            x: x.min(qr_x),
            y: caption_y + i as f32 * 9.0,
            face: Face::Regular,
            size,
            text: (*line).to_owned(),
        });
    }
    layout.pages
}

static FONTS: LazyLock<Option<(Font, Font)>> = LazyLock::new(|| {
    Some((
        Font::new(REGULAR_TTF.into(), 0)?,
        Font::new(BOLD_TTF.into(), 0)?,
    ))
});

/// The certificate revision as PDF/A-2u. The same content gives the same bytes: the
/// creation date and document id come from the revision, so its SHA-256 is stable.
pub fn render_pdf(
    number: &str,
    content: &CertifiedContent,
    verify_url: &str,
) -> AppResult<Vec<u8>> {
    let (regular, bold) = FONTS
        .clone()
        .ok_or_else(|| AppError::internal("the shipped fonts do not load"))?;
    let configuration = ConfigurationBuilder::new()
        .with_archival_validator(Archival::A2_U)
        .finish()
        .map_err(|error| AppError::internal(format!("PDF/A configuration: {error:?}")))?;
    let mut document = Document::new_with(SerializeSettings {
        configuration,
        ..SerializeSettings::default()
    });
    let pages = lay_out(number, content, verify_url);
    let count = pages.len();
    let footer = format!(
        "The validity of this certificate can be verified at {verify_url}. This certificate remains the property of {}.",
        content.certification_body.name
    );
    for (index, items) in pages.into_iter().enumerate() {
        let settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT)
            .ok_or_else(|| AppError::internal("bad page size"))?;
        let mut page = document.start_page_with(settings);
        let mut links = Vec::new();
        let mut surface = page.surface();
        let mut text = |x: f32, y: f32, face: Face, size: f32, text: &str| {
            let font = match face {
                Face::Regular => regular.clone(),
                Face::Bold => bold.clone(),
            };
            surface.draw_text(
                Point::from_xy(x, y),
                font,
                size,
                text,
                false,
                TextDirection::Auto,
            );
        };
        let mut qr_codes = Vec::new();
        for item in &items {
            match item {
                Item::Text {
                    x,
                    y,
                    face,
                    size,
                    text: line,
                } => text(*x, *y, *face, *size, line),
                Item::QrCode { x, y, url } => qr_codes.push((*x, *y, url.clone())),
            }
        }
        let footer_lines = wrap(&footer, Face::Regular, 7.5, CONTENT_WIDTH);
        for (i, line) in footer_lines.iter().enumerate() {
            text(
                MARGIN,
                FOOTER_TOP + 14.0 + i as f32 * 10.0,
                Face::Regular,
                7.5,
                line,
            );
        }
        if count > 1 {
            let label = format!("Page {} of {count}", index + 1);
            let x = MARGIN + CONTENT_WIDTH - Face::Regular.width(&label) * 7.5;
            text(x, PAGE_HEIGHT - MARGIN + 14.0, Face::Regular, 7.5, &label);
        }
        for (x, y, url) in qr_codes {
            if let Some(path) = qr_path(&url, x, y)? {
                surface.draw_path(&path);
            }
            if let Some(rect) = Rect::from_xywh(x, y, QR_SIDE, QR_SIDE) {
                links.push((rect, url));
            }
        }
        surface.finish();
        for (rect, url) in links {
            page.add_annotation(Annotation::new_link(
                LinkAnnotation::new(rect, Target::Action(Action::Link(LinkAction::new(url)))),
                Some("Verify this certificate".to_owned()),
            ));
        }
        page.finish();
    }
    document.set_metadata(
        Metadata::new()
            .title(format!("Certificate {number}"))
            .description(format!(
                "{} — {}, revision {}",
                content.holder.legal_name, content.standard, content.revision
            ))
            .authors(vec![content.certification_body.name.clone()])
            .language("en".to_owned())
            .creator("certbody".to_owned())
            .document_id(format!("{number}-{}", content.revision))
            .creation_date(date_time(content.issued_on)),
    );
    document
        .finish()
        .map_err(|error| AppError::internal(format!("PDF/A rendering failed: {error:?}")))
}

fn date_time(date: chrono::NaiveDate) -> DateTime {
    use chrono::Datelike;
    DateTime::new(date.year().clamp(0, 9999) as u16)
        .month(date.month() as u8)
        .day(date.day() as u8)
        .hour(0)
        .minute(0)
        .second(0)
        .utc_offset_hour(0)
        .utc_offset_minute(0)
}

/// The QR code's dark modules as one filled path, `QR_SIDE` square at (`x`, `y`).
fn qr_path(url: &str, x: f32, y: f32) -> AppResult<Option<krilla::geom::Path>> {
    let code = qrcode::QrCode::new(url.as_bytes()).map_err(AppError::internal)?;
    let width = code.width();
    let module = QR_SIDE / width as f32;
    let mut builder = PathBuilder::new();
    for (i, colour) in code.to_colors().iter().enumerate() {
        if *colour == qrcode::Color::Dark {
            let (row, column) = (i / width, i % width);
            if let Some(rect) = Rect::from_xywh(
                x + column as f32 * module,
                y + row as f32 * module,
                module,
                module,
            ) {
                builder.push_rect(rect);
            }
        }
    }
    Ok(builder.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_every_word_and_each_line_within_the_width() {
        let text = "Design, transition, delivery and improvement of managed IT services for public-sector clients in Germany and Austria";
        let lines = wrap(text, Face::Regular, 11.0, 200.0);
        assert!(lines.len() > 2, "{lines:?}");
        assert_eq!(lines.join(" "), text);
        assert!(lines.iter().all(|l| Face::Regular.width(l) * 11.0 <= 200.0));
        let long = "x".repeat(200);
        let cut = wrap(&long, Face::Bold, 11.0, 100.0);
        assert_eq!(cut.concat(), long);
        assert!(cut.len() > 5);
    }

    #[test]
    fn many_sites_flow_onto_further_pages_with_the_facts_kept_together() {
        let mut content: CertifiedContent = serde_json::from_value(serde_json::json!({
            "holder": {"legal_name": "Müller & Söhne GmbH", "client_id": "C-1", "street": "Hauptstraße 1",
                "city": "Köln", "postcode": "50667", "country": "DE"},
            "standard": "ISO/IEC 20000-1:2018", "scope": "IT services", "sites": [],
            "original_grant_on": "2026-01-10", "issued_on": "2026-01-10", "expires_on": "2029-01-09",
            "revision": 1, "certification_type": "initial certification",
            "certification_body": {"name": "CB", "address": "Street 1"}
        }))
        .unwrap();
        let site = serde_json::json!({"name": "Site", "street": "Weg 1", "city": "Bonn",
            "postcode": "53111", "country": "DE", "scope": "Operation of the service desk"});
        content.sites = vec![serde_json::from_value(site).unwrap(); 60];
        let pages = lay_out("CB-0000-0000-0", &content, "https://cb.example/verify/x");
        assert!(pages.len() >= 3, "{} pages", pages.len());
        let holding_qr = pages
            .iter()
            .position(|p| p.iter().any(|i| matches!(i, Item::QrCode { .. })))
            .unwrap();
        let facts_on = |label: &str| {
            pages.iter().position(|p| {
                p.iter()
                    .any(|i| matches!(i, Item::Text { text, .. } if text == label))
            })
        };
        assert_eq!(facts_on("Certificate number"), Some(holding_qr));
        assert_eq!(facts_on("Client id"), Some(holding_qr));
        for item in pages.iter().flatten() {
            if let Item::Text { y, .. } = item {
                assert!(*y <= FOOTER_TOP + 40.0, "text at {y} runs into the footer");
            }
        }
    }
}
