//! What the CB accepts as a document: types it can open, recognised by their content as
//! well as by the declared type, and names that are safe to hand back.

/// Accepted types, each with the bytes its files start with (`None`: text, checked as UTF-8).
const ACCEPTED: &[(&str, Option<&[u8]>)] = &[
    ("application/pdf", Some(b"%PDF-")),
    ("image/png", Some(b"\x89PNG\r\n\x1a\n")),
    ("image/jpeg", Some(b"\xff\xd8\xff")),
    // Office Open XML and OpenDocument files are ZIP archives.
    (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        Some(b"PK\x03\x04"),
    ),
    (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        Some(b"PK\x03\x04"),
    ),
    (
        "application/vnd.oasis.opendocument.text",
        Some(b"PK\x03\x04"),
    ),
    (
        "application/vnd.oasis.opendocument.spreadsheet",
        Some(b"PK\x03\x04"),
    ),
    ("text/plain", None),
    ("text/csv", None),
];

/// The names of the accepted types, for messages and the API description.
pub fn accepted_types() -> Vec<&'static str> {
    ACCEPTED.iter().map(|(name, _)| *name).collect()
}

/// The declared type, when it is accepted and the content is of that type.
pub fn check_content(declared: &str, bytes: &[u8]) -> Result<&'static str, String> {
    let essence = declared
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_lowercase();
    let Some((name, signature)) = ACCEPTED.iter().find(|(name, _)| *name == essence) else {
        return Err(format!(
            "{declared:?} is not accepted; send one of: {}",
            accepted_types().join(", ")
        ));
    };
    let matches = match signature {
        Some(signature) => bytes.starts_with(signature),
        None => std::str::from_utf8(bytes).is_ok() && !bytes.contains(&0),
    };
    if matches {
        Ok(name)
    } else {
        Err(format!("the content is not a {name} file"))
    }
}

/// The file's own name without any path, control characters or quotes, at most 200
/// characters; `document` when nothing is left.
pub fn safe_filename(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(200)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_owned();
    if cleaned.is_empty() {
        "document".into()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_content_must_be_what_the_type_says() {
        assert_eq!(
            check_content("application/pdf", b"%PDF-1.7 ..."),
            Ok("application/pdf")
        );
        assert!(check_content("application/pdf", b"MZ\x90\x00 an executable").is_err());
        assert!(check_content("application/x-msdownload", b"MZ").is_err());
        assert_eq!(
            check_content("text/plain; charset=utf-8", "Prüfbericht".as_bytes()),
            Ok("text/plain")
        );
        assert!(check_content("text/plain", b"\xff\xfe binary").is_err());
    }

    #[test]
    fn filenames_lose_paths_and_control_characters() {
        assert_eq!(safe_filename("C:\\Users\\x\\manual.pdf"), "manual.pdf");
        assert_eq!(safe_filename("../../etc/passwd"), "passwd");
        assert_eq!(safe_filename("a\"b\r\n.pdf"), "ab.pdf");
        assert_eq!(safe_filename("..."), "document");
    }
}
