use certbody::auth::Role;
use serde_json::json;

use crate::helpers::{registration, spawn_app};

#[actix_rt::test]
async fn bad_input_gets_a_clear_4xx_naming_the_problem_and_changes_nothing() {
    let app = spawn_app().await;
    let register = "/api/v1/auth/register";

    let malformed = app
        .post_raw(
            register,
            "application/json",
            br#"{"email": "a@b.co","#.to_vec(),
        )
        .await;
    assert!(malformed.assert_problem(400)["detail"]
        .as_str()
        .unwrap()
        .contains("not valid JSON"));
    app.post_raw(
        register,
        "text/plain",
        serde_json::to_vec(&registration("a@b.co", "Acme")).unwrap(),
    )
    .await
    .assert_problem(415);
    let huge = vec![b' '; 10 * 1024 * 1024];
    app.post_raw(register, "application/json", huge)
        .await
        .assert_problem(413);

    let empty = app.post(register, None, &json!({})).await;
    assert_eq!(empty.invalid_fields(), ["organisation"]);
    let mut missing_email = registration("a@b.co", "Acme");
    missing_email.as_object_mut().unwrap().remove("email");
    assert_eq!(
        app.post(register, None, &missing_email)
            .await
            .invalid_fields(),
        ["email"]
    );
    let mut missing_city = registration("a@b.co", "Acme");
    missing_city["organisation"]
        .as_object_mut()
        .unwrap()
        .remove("city");
    assert_eq!(
        app.post(register, None, &missing_city)
            .await
            .invalid_fields(),
        ["organisation.city"]
    );
    let mut unknown_field = registration("a@b.co", "Acme");
    unknown_field["is_admin"] = json!(true);
    assert_eq!(
        app.post(register, None, &unknown_field)
            .await
            .invalid_fields(),
        ["is_admin"]
    );
    let mut wrong_type = registration("a@b.co", "Acme");
    wrong_type["organisation"]["postcode"] = json!(10115);
    assert_eq!(
        app.post(register, None, &wrong_type).await.invalid_fields(),
        ["organisation.postcode"]
    );

    // Well-formed but invalid: every bad field is named in one answer.
    let mut invalid = registration("no-at-sign.example", "  ");
    invalid["organisation"]["country"] = json!("XX");
    invalid["password"] = json!("short");
    let fields = app.post(register, None, &invalid).await.invalid_fields();
    assert_eq!(
        fields,
        [
            "organisation.legal_name",
            "organisation.country",
            "email",
            "password"
        ]
    );

    // Query strings: unknown parameters and wrong types are 400, out-of-range values 422.
    let admin = app.staff(Role::Admin, "admin@cb.example").await;
    app.get("/api/v1/admin/users?limit=abc", Some(&admin.token))
        .await
        .assert_problem(400);
    app.get("/api/v1/admin/users?colour=blue", Some(&admin.token))
        .await
        .assert_problem(400);
    app.get("/api/v1/admin/users?role=superuser", Some(&admin.token))
        .await
        .assert_problem(400);
    assert_eq!(
        app.get("/api/v1/admin/users?limit=1000", Some(&admin.token))
            .await
            .invalid_fields(),
        ["limit"]
    );

    // NUL characters (which PostgreSQL refuses to store) are refused at the edge, naming
    // where they were: a body field or query parameter (422), a path segment (400).
    let nul_login = json!({"email": "a\u{0}b@acme.example", "password": "whatever password"});
    let response = app.post("/api/v1/auth/token", None, &nul_login).await;
    assert_eq!(response.invalid_fields(), ["email"]);
    let mut nul_registration = registration("nul@acme.example", "Acme");
    nul_registration["organisation"]["city"] = json!("Ber\u{0}lin");
    let response = app
        .post("/api/v1/auth/register", None, &nul_registration)
        .await;
    assert_eq!(response.invalid_fields(), ["organisation.city"]);
    let response = app
        .get("/api/v1/organisations/a%00b", Some(&admin.token))
        .await;
    response.assert_problem(400);
    let response = app
        .get("/api/v1/organisations?limit=5&q=a%00b", Some(&admin.token))
        .await;
    assert_eq!(response.invalid_fields(), ["q"]);

    // Nothing above was written: no organisation, and only the admin account.
    let organisations = app.get("/api/v1/organisations", Some(&admin.token)).await;
    assert_eq!(organisations.body["total"], 0, "{}", organisations.body);
    assert_eq!(
        app.get("/api/v1/admin/users", Some(&admin.token))
            .await
            .body["total"],
        1
    );
}

#[actix_rt::test]
async fn unknown_routes_and_methods_answer_with_problems() {
    let app = spawn_app().await;
    let missing = app.get("/api/v1/nothing-here", None).await;
    assert!(missing.assert_problem(404)["detail"]
        .as_str()
        .unwrap()
        .contains("/api/v1/nothing-here"));
    let response = app
        .request("DELETE", "/api/v1/auth/token", None, None)
        .await;
    response.assert_problem(405);
    assert_eq!(response.header("allow"), Some("POST"));
    assert!(response.header("x-request-id").is_some());
}

/// A read of one object that panics inside its transaction is an error for its caller only:
/// the connection it held is discarded, not handed to the next read with its snapshot still
/// open (which would then miss every later write). On SQLite the read runs on the async
/// worker itself, so the panic must not take the worker down either.
#[actix_rt::test]
async fn a_read_that_panics_leaves_no_open_transaction_behind() {
    use std::sync::{Arc, Mutex};

    use certbody::db::schema::users;
    use certbody::db::{in_read_transaction, Backend, Db};
    use certbody::error::AppResult;
    use diesel::prelude::*;

    let app = spawn_app().await;
    // One connection, opened up front: every read below gets that one, or its replacement.
    let db = Db::connect(&app.config.database_url, 1).unwrap();
    db.run(|_| Ok(())).await.unwrap();
    let ran_on = Arc::new(Mutex::new(None));
    let thread = ran_on.clone();
    let panicked = db
        .read_one(move |conn| {
            in_read_transaction(conn, |conn| -> AppResult<()> {
                *thread.lock().unwrap() = Some(std::thread::current().id());
                users::table.count().get_result::<i64>(conn)?; // takes the snapshot
                panic!("a bug inside a read")
            })
        })
        .await;
    assert!(panicked.is_err(), "the caller hears of the failure");
    if db.backend() == Backend::Sqlite {
        assert_eq!(
            *ran_on.lock().unwrap(),
            Some(std::thread::current().id()),
            "SQLite reads of one object run on the async worker"
        );
    }
    // Written after the panics, so only a fresh snapshot sees it.
    app.register_applicant("after@client.example", "After Panic Ltd")
        .await;
    let seen = db
        .read_one(|conn| {
            in_read_transaction(conn, |conn| {
                Ok(users::table
                    .filter(users::email.eq("after@client.example"))
                    .count()
                    .get_result::<i64>(conn)?)
            })
        })
        .await
        .unwrap();
    assert_eq!(seen, 1);
}
