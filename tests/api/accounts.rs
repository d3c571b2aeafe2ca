use certbody::auth::Role;
use serde_json::json;

use crate::helpers::{registration, spawn_app, PASSWORD};

#[actix_rt::test]
async fn applicants_register_sign_in_and_reach_only_their_own_organisation() {
    let app = spawn_app().await;
    let acme = app
        .register_applicant("quality@acme.example", "Acme IT Services GmbH")
        .await;
    let globex = app
        .register_applicant("iso@globex.example", "Globex Hosting Ltd")
        .await;
    let acme_org = acme.organisation_id.clone().unwrap();
    let globex_org = globex.organisation_id.clone().unwrap();

    let me = app.get("/api/v1/me", Some(&acme.token)).await;
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.body["user"]["email"], "quality@acme.example");
    assert_eq!(me.body["user"]["role"], "applicant");
    assert_eq!(me.body["organisation"]["id"], acme_org.as_str());
    assert_eq!(me.body["organisation"]["address"]["country"], "DE");
    assert!(me.body["organisation"]["client_id"]
        .as_str()
        .unwrap()
        .starts_with("C-"));
    assert!(me.body["user"].get("password_hash").is_none());

    let own = app
        .get(
            &format!("/api/v1/organisations/{acme_org}"),
            Some(&acme.token),
        )
        .await;
    assert_eq!(own.status, 200);
    assert_eq!(own.body["legal_name"], "Acme IT Services GmbH");
    // Another client's organisation does not exist as far as this applicant can tell.
    app.get(
        &format!("/api/v1/organisations/{globex_org}"),
        Some(&acme.token),
    )
    .await
    .assert_problem(404);
    let client_id =
        app.get("/api/v1/me", Some(&globex.token)).await.body["organisation"]["client_id"].clone();
    app.get(
        &format!("/api/v1/organisations/{}", client_id.as_str().unwrap()),
        Some(&acme.token),
    )
    .await
    .assert_problem(404);
    app.get("/api/v1/organisations/no-such-org", Some(&acme.token))
        .await
        .assert_problem(404);

    // Client users are refused staff and admin endpoints.
    app.get("/api/v1/organisations", Some(&acme.token))
        .await
        .assert_problem(403);
    app.get("/api/v1/admin/users", Some(&acme.token))
        .await
        .assert_problem(403);
    let staff =
        json!({"email": "x@cb.example", "full_name": "X", "role": "admin", "password": PASSWORD});
    app.post("/api/v1/admin/users", Some(&acme.token), &staff)
        .await
        .assert_problem(403);
    app.get(
        &format!("/api/v1/admin/users/{}", globex.id),
        Some(&acme.token),
    )
    .await
    .assert_problem(403);

    // Registering the same email again (in another case) is a conflict and creates nothing.
    let again = app
        .post(
            "/api/v1/auth/register",
            None,
            &registration("Quality@ACME.example", "Acme Two"),
        )
        .await;
    again.assert_problem(409);
    let admin = app.staff(Role::Admin, "admin@cb.example").await;
    let organisations = app.get("/api/v1/organisations", Some(&admin.token)).await;
    assert_eq!(organisations.body["total"], 2, "{}", organisations.body);
    let found = app
        .get("/api/v1/organisations?q=globex", Some(&admin.token))
        .await;
    assert_eq!(found.body["total"], 1);
    assert_eq!(found.body["items"][0]["id"], globex_org.as_str());
}

#[actix_rt::test]
async fn admins_manage_staff_accounts_and_deactivation_takes_effect_at_once() {
    let app = spawn_app().await;
    let admin = app.staff(Role::Admin, "admin@cb.example").await;
    let acme = app
        .register_applicant("quality@acme.example", "Acme IT Services GmbH")
        .await;

    let auditor = json!({"email": "Auditor@CB.example", "full_name": "Ada Auditor", "role": "auditor", "password": PASSWORD});
    let created = app
        .post("/api/v1/admin/users", Some(&admin.token), &auditor)
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["email"], "auditor@cb.example");
    assert_eq!(created.body["role"], "auditor");
    let auditor_id = created.body["id"].as_str().unwrap().to_owned();
    app.post("/api/v1/admin/users", Some(&admin.token), &auditor)
        .await
        .assert_problem(409);

    // Membership rules: applicants need an existing organisation, staff have none.
    let orphan = json!({"email": "c@acme.example", "full_name": "C", "role": "applicant", "password": PASSWORD});
    assert_eq!(
        app.post("/api/v1/admin/users", Some(&admin.token), &orphan)
            .await
            .invalid_fields(),
        ["organisation_id"]
    );
    let unknown_org = json!({"email": "c@acme.example", "full_name": "C", "role": "applicant",
        "organisation_id": "C-NOSUCHID", "password": PASSWORD});
    assert_eq!(
        app.post("/api/v1/admin/users", Some(&admin.token), &unknown_org)
            .await
            .invalid_fields(),
        ["organisation_id"]
    );
    let colleague = json!({"email": "ceo@acme.example", "full_name": "C", "role": "applicant",
        "organisation_id": acme.organisation_id, "password": PASSWORD});
    let colleague = app
        .post("/api/v1/admin/users", Some(&admin.token), &colleague)
        .await;
    assert_eq!(colleague.status, 201, "{}", colleague.body);
    assert_eq!(
        colleague.body["organisation_id"],
        acme.organisation_id.clone().unwrap().as_str()
    );

    let auditors = app
        .get("/api/v1/admin/users?role=auditor", Some(&admin.token))
        .await;
    assert_eq!(auditors.body["total"], 1);
    assert_eq!(auditors.body["items"][0]["id"], auditor_id.as_str());
    let page = app
        .get("/api/v1/admin/users?limit=2&offset=1", Some(&admin.token))
        .await;
    assert_eq!(
        (
            page.body["total"].as_i64(),
            page.body["items"].as_array().unwrap().len()
        ),
        (Some(4), 2)
    );

    // Staff see client master data; the auditor signs in.
    let auditor_token = app.token("auditor@cb.example").await;
    let org = app
        .get(
            &format!("/api/v1/organisations/{}", acme.organisation_id.unwrap()),
            Some(&auditor_token),
        )
        .await;
    assert_eq!(org.status, 200);
    app.get("/api/v1/admin/users", Some(&auditor_token))
        .await
        .assert_problem(403);

    // Deactivation: the unexpired token stops working, sign-in is refused, repeating is 409.
    let deactivated = app
        .post(
            &format!("/api/v1/admin/users/{auditor_id}/deactivate"),
            Some(&admin.token),
            &json!({}),
        )
        .await;
    assert_eq!(deactivated.status, 200, "{}", deactivated.body);
    assert_eq!(deactivated.body["active"], false);
    app.get("/api/v1/me", Some(&auditor_token))
        .await
        .assert_problem(401);
    app.login("auditor@cb.example", PASSWORD)
        .await
        .assert_problem(401);
    app.post(
        &format!("/api/v1/admin/users/{auditor_id}/deactivate"),
        Some(&admin.token),
        &json!({}),
    )
    .await
    .assert_problem(409);
    app.post(
        &format!("/api/v1/admin/users/{}/deactivate", admin.id),
        Some(&admin.token),
        &json!({}),
    )
    .await
    .assert_problem(409);
    let inactive = app
        .get("/api/v1/admin/users?active=false", Some(&admin.token))
        .await;
    assert_eq!(inactive.body["total"], 1);

    let reactivated = app
        .post(
            &format!("/api/v1/admin/users/{auditor_id}/reactivate"),
            Some(&admin.token),
            &json!({}),
        )
        .await;
    assert_eq!(reactivated.body["active"], true);
    // Tokens issued before the deactivation stay void; a fresh sign-in works.
    app.get("/api/v1/me", Some(&auditor_token))
        .await
        .assert_problem(401);
    assert_eq!(app.login("auditor@cb.example", PASSWORD).await.status, 200);
    app.post(
        "/api/v1/admin/users/no-such-user/reactivate",
        Some(&admin.token),
        &json!({}),
    )
    .await
    .assert_problem(404);
}
