//! The OpenAPI 3 document, generated from the handlers' annotations. Responses every
//! operation shares (400, 401 for secured ones, 413/415 for ones with a body, 500) are added
//! here once rather than repeated on each handler.

use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use crate::api::MODULES;
use crate::error::{FieldError, Problem};
use crate::web::health;

/// The document's frame: what the API is, the probes, the shared schemas. Each module adds
/// its own part (`api::MODULES`); `document` puts them together.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "certbody",
        description = "Workflow service for management-system certification bodies (ISO/IEC 17021-1). \
            Errors are `application/problem+json` (RFC 9457). Authenticate with \
            `POST /api/v1/auth/token` and send `Authorization: Bearer <token>`."
    ),
    paths(health::health, health::ready),
    components(schemas(Problem, FieldError)),
    tags((name = "operations", description = "Health probes"))
)]
struct Frame;

/// The whole OpenAPI document: the frame, every module's part, and the responses every
/// operation shares.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut document = Frame::openapi();
    for module in MODULES {
        document.merge((module.openapi)());
    }
    CommonResponses.modify(&mut document);
    document
}

struct CommonResponses;

impl Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ];
            for operation in operations.into_iter().flatten() {
                add_common_responses(operation);
            }
        }
    }
}

fn add_common_responses(operation: &mut Operation) {
    let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
    let has_body = operation.request_body.is_some();
    // Every list takes `limit` and `offset` through the one `PageRequest`.
    let paginated = operation
        .parameters
        .as_ref()
        .is_some_and(|ps| ps.iter().any(|p| p.name == "limit"));
    let mut common = vec![
        ("400", "Malformed request"),
        ("500", "Internal error (details are logged, not returned)"),
    ];
    if secured {
        common.push((
            "401",
            "Missing, invalid or expired token, or deactivated account",
        ));
    }
    if has_body {
        common.push(("413", "Request body too large"));
        common.push(("415", "Body is not application/json"));
        common.push((
            "422",
            "A field is missing, unknown, mistyped or invalid; each is named",
        ));
    }
    if paginated {
        common.push(("422", "`limit` outside 1 to 200, or a negative `offset`"));
    }
    for (status, description) in common {
        operation
            .responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| {
                ResponseBuilder::new()
                    .description(description)
                    .content(
                        "application/problem+json",
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("Problem")))
                            .build(),
                    )
                    .build()
                    .into()
            });
    }
}
