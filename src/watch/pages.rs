//! The watch pages for people: subscribe from a certificate's page; confirm from the
//! mailed link and unsubscribe from any notification, each with one button (a GET changes
//! nothing, so the link checkers of mail filters neither confirm nor unsubscribe anyone).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;
use tracing_actix_web::RequestId;

use super::dto::SubscribeInput;
use super::service::{self, TokenUse};
use crate::error::{AppError, AppResult};
use crate::trail::Actor;
use crate::verification::pages::private_page;
use crate::web::public_limit::{Admitted, Filing};
use crate::workflow::Service;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/verify/{number}/watch", web::post().to(subscribe))
        .route("/watch/confirm", web::get().to(confirm_form))
        .route("/watch/confirm", web::post().to(confirm))
        .route("/watch/unsubscribe", web::get().to(unsubscribe_form))
        .route("/watch/unsubscribe", web::post().to(unsubscribe));
}

#[derive(Debug, Deserialize)]
pub struct EmailForm {
    email: String,
}

#[derive(Debug, Deserialize)]
pub struct TokenForm {
    token: String,
}

pub async fn subscribe(
    _: Admitted,
    _: Filing,
    app: web::Data<Service>,
    request_id: RequestId,
    number: web::Path<String>,
    form: web::Form<EmailForm>,
) -> AppResult<HttpResponse> {
    let input = SubscribeInput {
        certificate_number: number.into_inner(),
        email: form.into_inner().email,
    };
    let cb = app.rules().cb.clone();
    let asked = app
        .write_as(Actor::public(Some(request_id.to_string())), move |tx| {
            service::subscribe(tx, input)
        })
        .await;
    let response = match asked {
        Ok(receipt) => private_page(
            StatusCode::ACCEPTED,
            &cb,
            "Check your inbox",
            json!({"watch_asked": true, "number": receipt.certificate_number}),
        )?,
        Err(AppError::Validation(errors)) => private_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            &cb,
            "Follow a certificate",
            json!({"watch_problem": errors.first().map(|e| e.message.clone())}),
        )?,
        Err(other) => return Err(other),
    };
    Ok(response)
}

#[derive(Debug, Deserialize)]
pub struct TokenQuery {
    token: Option<String>,
}

/// The button a mailed link leads to: `action` is where it posts the token.
fn button_page(
    app: &Service,
    token: Option<String>,
    (title, action, label): (&str, &str, &str),
) -> AppResult<HttpResponse> {
    private_page(
        StatusCode::OK,
        &app.rules().cb,
        title,
        json!({"watch_button": true, "token": token.unwrap_or_default(), "action": action, "label": label}),
    )
}

pub async fn confirm_form(
    _: Admitted,
    app: web::Data<Service>,
    query: web::Query<TokenQuery>,
) -> AppResult<HttpResponse> {
    let token = query.into_inner().token;
    button_page(
        &app,
        token,
        (
            "Confirm your subscription",
            "/watch/confirm",
            "Yes, email me about this certificate",
        ),
    )
}

pub async fn unsubscribe_form(
    _: Admitted,
    app: web::Data<Service>,
    query: web::Query<TokenQuery>,
) -> AppResult<HttpResponse> {
    let token = query.into_inner().token;
    button_page(
        &app,
        token,
        (
            "Unsubscribe",
            "/watch/unsubscribe",
            "Stop emailing me about this certificate",
        ),
    )
}

/// Uses a token and shows the outcome; an unknown token is a 404 page.
async fn by_token(
    app: &Service,
    request_id: RequestId,
    token: String,
    (usage, title): (TokenUse, &str),
) -> AppResult<HttpResponse> {
    let cb = app.rules().cb.clone();
    let response = match super::handlers::by_token(app, request_id, token, usage).await {
        Ok(view) => private_page(
            StatusCode::OK,
            &cb,
            title,
            json!({"watch_done": true, "subscription": view}),
        )?,
        Err(AppError::NotFound(message)) => private_page(
            StatusCode::NOT_FOUND,
            &cb,
            title,
            json!({"watch_problem": message}),
        )?,
        Err(other) => return Err(other),
    };
    Ok(response)
}

pub async fn confirm(
    _: Admitted,
    app: web::Data<Service>,
    request_id: RequestId,
    form: web::Form<TokenForm>,
) -> AppResult<HttpResponse> {
    by_token(
        &app,
        request_id,
        form.into_inner().token,
        (TokenUse::Confirm, "Subscribed"),
    )
    .await
}

/// The page's button, or a mail provider's one-click unsubscribe (RFC 8058): a POST of
/// `List-Unsubscribe=One-Click` to the mailed link, whose query holds the token.
#[derive(Debug, Deserialize)]
pub struct UnsubscribeForm {
    token: Option<String>,
    #[serde(rename = "List-Unsubscribe")]
    one_click: Option<String>,
}

pub async fn unsubscribe(
    _: Admitted,
    app: web::Data<Service>,
    request_id: RequestId,
    query: web::Query<TokenQuery>,
    form: web::Form<UnsubscribeForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let token = match (form.token, form.one_click.as_deref()) {
        (Some(token), _) => token,
        (None, Some("One-Click")) => query.into_inner().token.unwrap_or_default(),
        _ => return Err(AppError::invalid("token", "missing")),
    };
    by_token(
        &app,
        request_id,
        token,
        (TokenUse::Unsubscribe, "Unsubscribed"),
    )
    .await
}
