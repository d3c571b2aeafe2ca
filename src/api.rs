//! Every module that serves part of the API, in one list: its routes and its OpenAPI
//! document. Adding a lifecycle stage is its folder, its migration pair and one line here.

use actix_web::web;

/// What a module contributes to the API.
pub struct ApiModule {
    /// Registers its resources under `/api/v1`.
    pub routes: fn(&mut web::ServiceConfig),
    /// Its operations, schemas and tags, merged into `/openapi.json`.
    pub openapi: fn() -> utoipa::openapi::OpenApi,
}

macro_rules! api_module {
    ($module:ident) => {
        ApiModule {
            routes: crate::$module::routes,
            openapi: <crate::$module::ApiDoc as utoipa::OpenApi>::openapi,
        }
    };
}

pub const MODULES: &[ApiModule] = &[
    api_module!(accounts),
    api_module!(standards),
    api_module!(applications),
    api_module!(programmes),
    api_module!(notify),
    api_module!(trail),
];

/// The routes of every module.
pub fn routes(cfg: &mut web::ServiceConfig) {
    for module in MODULES {
        (module.routes)(cfg);
    }
}
