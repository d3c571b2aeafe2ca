//! Every module that serves part of the API, in one list: its routes and its OpenAPI
//! document. Adding a lifecycle stage is its folder, its migration pair and one line here.

use actix_web::web;

/// What a module contributes to the API.
pub struct ApiModule {
    /// The path its resources sit under, below `/api/v1` (`""` for a module with several).
    pub prefix: &'static str,
    /// Registers its resources, relative to `prefix`.
    pub routes: fn(&mut web::ServiceConfig),
    /// Its operations, schemas and tags, merged into `/openapi.json`.
    pub openapi: fn() -> utoipa::openapi::OpenApi,
}

macro_rules! api_module {
    ($module:ident, $prefix:literal) => {
        ApiModule {
            prefix: $prefix,
            routes: crate::$module::routes,
            openapi: <crate::$module::ApiDoc as utoipa::OpenApi>::openapi,
        }
    };
    // A module's further routes under another prefix; its document came with its first line.
    ($module:ident :: $routes:ident, $prefix:literal) => {
        ApiModule {
            prefix: $prefix,
            routes: crate::$module::$routes,
            openapi: || utoipa::openapi::OpenApiBuilder::new().build(),
        }
    };
}

pub const MODULES: &[ApiModule] = &[
    api_module!(accounts, ""),
    api_module!(standards, "/standards"),
    api_module!(applications, "/applications"),
    api_module!(programmes, "/applications"),
    api_module!(auditors, "/auditors"),
    api_module!(audits, "/audits"),
    api_module!(nonconformities, "/nonconformities"),
    api_module!(decisions, "/decisions"),
    api_module!(certificates, "/certificates"),
    api_module!(credentials, "/public"),
    api_module!(verification, "/public"),
    api_module!(complaints, "/complaints"),
    api_module!(complaints::public_routes, "/public"),
    api_module!(appeals, "/appeals"),
    api_module!(watch, "/watch"),
    api_module!(watch::public_routes, "/public"),
    api_module!(notify, "/admin/outbox"),
    api_module!(scheduler, "/admin/jobs"),
    api_module!(trail, "/audit-events"),
];

/// The routes of every module. Modules sharing a prefix share one scope: the router then
/// compares a static prefix before it tries a module's patterns, instead of running every
/// module's path pattern (a regular expression each) against every request.
pub fn routes(cfg: &mut web::ServiceConfig) {
    let mut prefixes: Vec<&str> = Vec::new();
    for module in MODULES {
        if !prefixes.contains(&module.prefix) {
            prefixes.push(module.prefix);
        }
    }
    // Modules without a prefix come last, after the cheap prefix checks.
    prefixes.sort_by_key(|prefix| prefix.is_empty());
    for prefix in prefixes {
        let modules = MODULES.iter().filter(move |m| m.prefix == prefix);
        if prefix.is_empty() {
            modules.for_each(|module| (module.routes)(cfg));
        } else {
            cfg.service(
                web::scope(prefix).configure(|scope| modules.for_each(|m| (m.routes)(scope))),
            );
        }
    }
}
