//! The body of a lifecycle step that takes a reason or a remark (a cancellation, a
//! returned response, a verification).

use serde::Deserialize;
use utoipa::ToSchema;

use crate::error::{AppError, AppResult};
use crate::validate::{optional_prose, required_prose};

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepNote {
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

impl StepNote {
    /// The note, which this step must have (a 422 naming `note` otherwise).
    pub fn required(&self) -> AppResult<String> {
        required_prose(self.note.as_deref().unwrap_or(""), 2000)
            .map_err(|message| AppError::invalid("note", message))
    }

    pub fn optional(&self) -> AppResult<Option<String>> {
        optional_prose(self.note.as_deref(), 2000)
            .map_err(|message| AppError::invalid("note", message))
    }
}

/// The body of a step that must say why (a cancellation, a returned response, the decision
/// on an appeal), as the API description shows it; it is read as a `StepNote`.
#[derive(ToSchema, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequiredStepNote {
    #[schema(min_length = 1, max_length = 2000)]
    pub note: String,
}

/// One endpoint per lifecycle step: `POST <path>` with an optional `{"note"}` (required
/// when the invocation starts with `note = required`), answered with the record's view.
/// The stage names the step, its id and view types and the service function
/// `(tx, caller, id, step, note)` that takes it.
#[macro_export]
macro_rules! step_endpoint {
    (note = required, $($rest:tt)*) => {
        $crate::step_endpoint!(@body $crate::workflow::note::RequiredStepNote, $($rest)*);
    };
    (tag = $($rest:tt)*) => {
        $crate::step_endpoint!(@body Option<$crate::workflow::StepNote>, tag = $($rest)*);
    };
    (@body $body:ty, tag = $tag:literal, id = $id:ty, view = $view:ty, service = $service:path,
     $name:ident, $path:literal, $step:expr, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = $tag, params(("id" = String, Path)),
            request_body = $body,
            security(("bearer" = [])),
            responses(
                (status = 200, body = $view),
                (status = 403, description = "Role or place may not take this step", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 404, description = "Unknown, or another organisation's", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 409, description = "Not possible in the record's state, or a prerequisite is missing", body = $crate::error::Problem, content_type = "application/problem+json"),
            ))]
        pub async fn $name(
            app: actix_web::web::Data<$crate::workflow::Service>,
            auth: $crate::auth::Auth,
            id: actix_web::web::Path<$id>,
            // `null` is no note, as the optional body's schema allows.
            body: $crate::web::json::OptionalJson<Option<$crate::workflow::StepNote>>,
        ) -> $crate::error::AppResult<actix_web::HttpResponse> {
            let note = body.0.flatten().unwrap_or_default().optional()?;
            let view = app
                .write(auth, move |tx, caller| $service(tx, caller, &id, $step, note))
                .await?;
            Ok(actix_web::HttpResponse::Ok().json(view))
        }
    };
}
