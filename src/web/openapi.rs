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
    let mut tree = serde_json::to_value(&document).expect("the document serialises");
    crate::web::text_rules::state(&mut tree);
    state_page_limits(&mut tree);
    merge_flattened(&mut tree);
    state_upload_types(&mut tree);
    serde_json::from_value(tree).expect("the document reads back")
}

/// Every operation of the document (as JSON), to state rules on.
pub fn operations_mut(
    document: &mut serde_json::Value,
) -> impl Iterator<Item = &mut serde_json::Value> {
    document["paths"]
        .as_object_mut()
        .into_iter()
        .flat_map(|paths| paths.values_mut())
        .filter_map(serde_json::Value::as_object_mut)
        .flat_map(|item| item.values_mut())
}

/// Every query and path parameter of the document.
pub fn parameters_mut(
    document: &mut serde_json::Value,
) -> impl Iterator<Item = &mut serde_json::Value> {
    operations_mut(document)
        .filter_map(|operation| operation.get_mut("parameters"))
        .filter_map(serde_json::Value::as_array_mut)
        .flatten()
}

/// An upload's part must declare one of the accepted types (and its content must match).
fn state_upload_types(document: &mut serde_json::Value) {
    let types = crate::documents::domain::accepted_types().join(", ");
    let uploads = operations_mut(document)
        .filter_map(|operation| operation.get_mut("requestBody"))
        .filter_map(|body| body["content"].get_mut("multipart/form-data"));
    for upload in uploads {
        upload["encoding"] = serde_json::json!({"file": {"contentType": types, "headers": {}}});
    }
    // A file comes back with the type it was accepted as.
    let binary = serde_json::json!({"schema": {"type": "string", "format": "binary"}});
    let as_uploaded: serde_json::Map<String, serde_json::Value> =
        crate::documents::domain::accepted_types()
            .into_iter()
            .map(|name| (name.to_owned(), binary.clone()))
            .collect();
    let downloads = document["paths"]
        .as_object_mut()
        .into_iter()
        .flatten()
        .filter(|(path, _)| {
            path.ends_with("/documents/{document_id}") || path.ends_with("/evidence/{evidence_id}")
        })
        .filter_map(|(_, item)| item.get_mut("get"));
    for download in downloads {
        if let Some(ok) = download["responses"].get_mut("200") {
            ok["content"] = serde_json::Value::Object(as_uploaded.clone());
        }
    }
}

/// A struct that `#[serde(flatten)]`s another is one object on the wire, but utoipa writes
/// it as `allOf` of the two, each closed by `deny_unknown_fields` — a pair no body can
/// satisfy. Such a schema is written as the one closed object it is.
fn merge_flattened(document: &mut serde_json::Value) {
    use serde_json::{json, Value};
    let Some(schemas) = document["components"]["schemas"].as_object().cloned() else {
        return;
    };
    for schema in document["components"]["schemas"]
        .as_object_mut()
        .into_iter()
        .flat_map(|schemas| schemas.values_mut())
    {
        let Some(parts) = schema["allOf"].as_array() else {
            continue;
        };
        let parts: Vec<&Value> = parts
            .iter()
            .map(|part| match part["$ref"].as_str() {
                Some(r) => &schemas[r.trim_start_matches("#/components/schemas/")],
                None => part,
            })
            .collect();
        if !parts
            .iter()
            .any(|part| part["additionalProperties"] == false)
        {
            continue;
        }
        let mut properties = serde_json::Map::new();
        let mut required = Vec::new();
        for part in &parts {
            properties.extend(part["properties"].as_object().cloned().unwrap_or_default());
            required.extend(part["required"].as_array().cloned().unwrap_or_default());
        }
        let description = schema["description"].clone();
        *schema = json!({"type": "object", "properties": properties, "required": required,
            "additionalProperties": false, "description": description});
    }
}

/// Every list takes `limit` and `offset` through the one `PageRequest`; its bounds are
/// stated here for the lists that do not state their own.
fn state_page_limits(document: &mut serde_json::Value) {
    use crate::pagination::MAX_LIMIT;
    for parameter in parameters_mut(document) {
        let bounds = match parameter["name"].as_str() {
            Some("limit") => serde_json::json!({"minimum": 1, "maximum": MAX_LIMIT}),
            Some("offset") => serde_json::json!({"minimum": 0}),
            _ => continue,
        };
        let schema = &mut parameter["schema"];
        if schema.get("minimum").is_none() {
            for (key, value) in bounds.as_object().into_iter().flatten() {
                schema[key] = value.clone();
            }
        }
    }
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
        common.push(("403", "The caller's role may not do this"));
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
    // Any query parameter, even one the operation does not take, is refused with a NUL.
    common.push((
        "422",
        "A query parameter holds text that cannot be stored (NUL)",
    ));
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
