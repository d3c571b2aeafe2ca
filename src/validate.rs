//! Collects every invalid field of a request so the caller learns all of them at once.

use crate::error::{AppError, AppResult, FieldError};

#[derive(Default)]
pub struct Checker {
    errors: Vec<FieldError>,
}

impl Checker {
    pub fn new() -> Checker {
        Checker::default()
    }

    /// Keeps the parsed value, or records `field`'s error and returns `None`.
    pub fn check<T>(&mut self, field: &str, parsed: Result<T, String>) -> Option<T> {
        parsed
            .map_err(|message| self.errors.push(FieldError::new(field, message)))
            .ok()
    }

    /// The checked values — an `Option` or a tuple of them — when no field failed, else a
    /// 422 listing each failure. Values come back only when all are there, by their type.
    pub fn finish<C: Checked>(self, checked: C) -> AppResult<C::Value> {
        if !self.errors.is_empty() {
            return Err(AppError::Validation(self.errors));
        }
        checked.into_value().ok_or_else(|| {
            AppError::internal("a checked value is missing but no error was recorded")
        })
    }
}

/// What `Checker::finish` accepts: an `Option` from `check`, or a tuple of them.
pub trait Checked {
    type Value;
    fn into_value(self) -> Option<Self::Value>;
}

impl<T> Checked for Option<T> {
    type Value = T;
    fn into_value(self) -> Option<T> {
        self
    }
}

macro_rules! checked_tuple {
    ($($name:ident),+) => {
        impl<$($name: Checked),+> Checked for ($($name,)+) {
            type Value = ($($name::Value,)+);
            #[allow(non_snake_case)]
            fn into_value(self) -> Option<Self::Value> {
                let ($($name,)+) = self;
                Some(($($name.into_value()?,)+))
            }
        }
    };
}
checked_tuple!(A, B);
checked_tuple!(A, B, C);
checked_tuple!(A, B, C, D);
checked_tuple!(A, B, C, D, E);

/// Trimmed, non-empty text of at most `max` characters.
pub fn required_text(value: &str, max: usize) -> Result<String, String> {
    match optional_text(Some(value), max)? {
        Some(text) => Ok(text),
        None => Err("must not be empty".into()),
    }
}

/// Like `required_text`, but absent or blank means `None`.
pub fn optional_text(value: Option<&str>, max: usize) -> Result<Option<String>, String> {
    // The limit counts what was sent, as the API description's `maxLength` does.
    if value.is_some_and(|v| v.chars().count() > max) {
        return Err(format!("must be at most {max} characters"));
    }
    let Some(text) = value.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if text.chars().any(|c| c.is_control()) {
        return Err("must not contain control characters".into());
    }
    Ok(Some(text.to_owned()))
}

/// Trimmed, non-empty prose of at most `max` characters: line breaks and tabs are kept
/// (as `\n`), other control characters refused.
pub fn required_prose(value: &str, max: usize) -> Result<String, String> {
    match optional_prose(Some(value), max)? {
        Some(text) => Ok(text),
        None => Err("must not be empty".into()),
    }
}

/// Like `required_prose`, but absent or blank means `None`.
pub fn optional_prose(value: Option<&str>, max: usize) -> Result<Option<String>, String> {
    // A line break counts once, however it was sent (a browser's textarea sends CRLF).
    let value = value.map(|v| v.replace("\r\n", "\n").replace('\r', "\n"));
    if value.as_ref().is_some_and(|v| v.chars().count() > max) {
        return Err(format!("must be at most {max} characters"));
    }
    let Some(text) = value.as_deref().map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err("must not contain control characters other than line breaks and tabs".into());
    }
    Ok(Some(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_every_failing_field() {
        let mut checker = Checker::new();
        let name = checker.check("name", required_text("  Acme  ", 10));
        assert_eq!(name.as_deref(), Some("Acme"));
        checker.check("city", required_text("   ", 10));
        checker.check("street", required_text("a very long street name", 10));
        match checker.finish(name) {
            Err(AppError::Validation(errors)) => {
                let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
                assert_eq!(fields, ["city", "street"]);
            }
            other => panic!("expected validation errors, got {other:?}"),
        }
        assert_eq!(optional_text(Some(" "), 5), Ok(None));
        assert!(optional_text(Some("a\u{0}b"), 5).is_err());
        assert!(optional_text(Some("a\nb"), 5).is_err());
        assert_eq!(required_prose(" a\r\nb\tc ", 10), Ok("a\nb\tc".into()));
        assert!(required_prose("a\u{0}b", 10).is_err());
        assert!(required_prose(" \n ", 10).is_err());
    }
}
