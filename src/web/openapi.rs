//! The OpenAPI 3 document, generated from the handlers' annotations. Responses every
//! operation shares (400, 401 for secured ones, 413/415 for ones with a body, 500) are added
//! here once rather than repeated on each handler.

use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use crate::error::{FieldError, Problem};
use crate::web::health;
use crate::{accounts, applications, notify, programmes, standards, trail};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "certbody",
        description = "Workflow service for management-system certification bodies (ISO/IEC 17021-1). \
            Errors are `application/problem+json` (RFC 9457). Authenticate with \
            `POST /api/v1/auth/token` and send `Authorization: Bearer <token>`."
    ),
    paths(
        health::health,
        health::ready,
        accounts::register,
        accounts::issue_token,
        accounts::me,
        accounts::create_user,
        accounts::list_users,
        accounts::get_user,
        accounts::deactivate_user,
        accounts::reactivate_user,
        accounts::list_organisations,
        accounts::get_organisation,
        standards::list_standards,
        standards::get_standard,
        standards::create_standard,
        standards::replace_audit_time,
        standards::replace_clauses,
        applications::create_application,
        applications::list_applications,
        applications::get_application,
        applications::update_application,
        applications::submit_application,
        applications::start_review,
        applications::request_information,
        applications::accept_application,
        applications::reject_application,
        applications::withdraw_application,
        applications::record_review,
        applications::get_review,
        programmes::get_programme,
        notify::list_outbox,
        notify::retry_message,
        trail::list_events,
    ),
    components(schemas(Problem, FieldError)),
    modifiers(&CommonResponses),
    tags(
        (name = "accounts", description = "Registration, sign-in and the caller's profile"),
        (name = "admin", description = "Account administration (admin role)"),
        (name = "organisations", description = "Client organisations"),
        (name = "standards", description = "The catalogue of certifiable standards: clauses and audit-time tables"),
        (name = "applications", description = "Applications for certification, their review and the audit programme"),
        (name = "audit trail", description = "The append-only, hash-chained record of every change"),
        (name = "operations", description = "Health probes"),
    )
)]
pub struct ApiDoc;

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
