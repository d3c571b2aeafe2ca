//! The body of a lifecycle step that takes a reason or a remark (a cancellation, a
//! returned response, a verification).

use serde::Deserialize;
use utoipa::ToSchema;

use crate::error::{AppError, AppResult};
use crate::validate::{optional_text, required_text};

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepNote {
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

impl StepNote {
    /// The note, which this step must have (a 422 naming `note` otherwise).
    pub fn required(&self) -> AppResult<String> {
        required_text(self.note.as_deref().unwrap_or(""), 2000)
            .map_err(|message| AppError::invalid("note", message))
    }

    pub fn optional(&self) -> AppResult<Option<String>> {
        optional_text(self.note.as_deref(), 2000)
            .map_err(|message| AppError::invalid("note", message))
    }
}
