//! Appeals through the HTTP API: filed by the client, reviewed by someone not involved in
//! the decision, upheld and remedied by reinstatement.

use certbody::auth::Role;
use serde_json::json;

use crate::verification::certified;

#[actix_rt::test]
async fn an_upheld_appeal_against_a_suspension_leads_to_reinstatement_by_someone_else() {
    let (cb, certificate, number) = certified("Acme").await;
    let suspender = cb
        .app
        .staff(Role::DecisionMaker, "suspender@cb.example")
        .await;
    let reviewer = cb
        .app
        .staff(Role::DecisionMaker, "reviewer@cb.example")
        .await;
    let corrector = cb
        .app
        .staff(Role::DecisionMaker, "corrector@cb.example")
        .await;
    let suspended = cb
        .post(
            &suspender,
            &format!("/api/v1/certificates/{certificate}/suspend"),
            json!({"reason": "Surveillance audit refused"}),
        )
        .await;
    assert_eq!(suspended.body["status"], "suspended", "{}", suspended.body);

    // Only the client appeals, only its own certificate's decisions, one at a time.
    let appeal = json!({"subject": "suspension", "certificate_id": certificate,
        "grounds": "The audit was postponed by agreement; see our mail of 3 March."});
    cb.post(&cb.globex, "/api/v1/appeals", appeal.clone())
        .await
        .assert_problem(422);
    cb.post(&cb.lead, "/api/v1/appeals", appeal.clone())
        .await
        .assert_problem(403);
    let withdrawal = cb
        .post(
            &cb.acme,
            "/api/v1/appeals",
            json!({"subject": "withdrawal",
        "certificate_id": certificate, "grounds": "x"}),
        )
        .await;
    assert_eq!(withdrawal.status, 409, "not withdrawn: {}", withdrawal.body);
    let filed = cb.post(&cb.acme, "/api/v1/appeals", appeal.clone()).await;
    assert_eq!(filed.status, 201, "{}", filed.body);
    assert_eq!(filed.body["decided_by"], suspender.id.as_str());
    let id = filed.body["id"].as_str().unwrap().to_owned();
    cb.post(&cb.acme, "/api/v1/appeals", appeal)
        .await
        .assert_problem(409);
    let path = format!("/api/v1/appeals/{id}");
    cb.get(&cb.globex, &path).await.assert_problem(404);
    assert_eq!(cb.get(&cb.globex, "/api/v1/appeals").await.body["total"], 0);
    assert_eq!(cb.get(&cb.acme, "/api/v1/appeals").await.body["total"], 1);

    // Acknowledged; the reviewer must not have taken the decision or be involved.
    let acknowledged = cb
        .post(&cb.admin, &format!("{path}/acknowledge"), json!({}))
        .await;
    assert_eq!(
        acknowledged.body["state"], "acknowledged",
        "{}",
        acknowledged.body
    );
    assert!(cb
        .app
        .mail_to("quality@acme.example")
        .await
        .iter()
        .any(|(subject, _)| subject.contains(filed.body["reference"].as_str().unwrap())));
    // The decision maker who granted the certificate decided in this cycle too.
    let users = cb
        .get(&cb.admin, "/api/v1/admin/users?role=decision_maker")
        .await
        .body;
    let granter = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "decider@cb.example")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for (involved, why) in [
        (suspender.id.as_str(), "took the appealed decision"),
        (
            granter.as_str(),
            "decided on this client's certification in its current cycle",
        ),
        (cb.lead.id.as_str(), "decision maker or complaint handler"),
    ] {
        let refused = cb
            .post(
                &cb.admin,
                &format!("{path}/assign"),
                json!({"handler_id": involved}),
            )
            .await;
        assert_eq!(refused.invalid_fields(), ["handler_id"]);
        assert!(refused.body.to_string().contains(why), "{}", refused.body);
    }
    let assigned = cb
        .post(
            &cb.admin,
            &format!("{path}/assign"),
            json!({"handler_id": reviewer.id}),
        )
        .await;
    assert_eq!(assigned.body["state"], "reviewing", "{}", assigned.body);

    // The reviewer decides, with reasons.
    cb.post(&corrector, &format!("{path}/uphold"), json!({"note": "x"}))
        .await
        .assert_problem(403);
    assert_eq!(
        cb.post(&reviewer, &format!("{path}/uphold"), json!({}))
            .await
            .invalid_fields(),
        ["note"]
    );
    let upheld = cb
        .post(
            &reviewer,
            &format!("{path}/uphold"),
            json!({"note": "The postponement was agreed in writing."}),
        )
        .await;
    assert_eq!(upheld.body["state"], "upheld", "{}", upheld.body);
    assert_eq!(
        upheld.body["outcome_note"],
        "The postponement was agreed in writing."
    );

    // The corrective step: by a decision maker who did not suspend.
    cb.post(&suspender, &format!("{path}/remedy"), json!({}))
        .await
        .assert_problem(403);
    let remedied = cb
        .post(&corrector, &format!("{path}/remedy"), json!({}))
        .await;
    assert_eq!(remedied.body["state"], "remedied", "{}", remedied.body);
    assert_eq!(remedied.body["remedied_by"], corrector.id.as_str());
    assert!(remedied.body["remedy"]
        .as_str()
        .unwrap()
        .contains("reinstated"));
    let now = cb
        .get(&cb.acme, &format!("/api/v1/certificates/{certificate}"))
        .await
        .body;
    assert_eq!(now["status"], "active");
    let public = cb
        .app
        .get(&format!("/api/v1/public/certificates/{number}"), None)
        .await
        .body;
    assert_eq!(public["status"], "active");
    let trail = cb
        .get(
            &cb.admin,
            &format!("/api/v1/audit-events?entity_type=certificate&entity_id={certificate}"),
        )
        .await;
    let reinstated = trail.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "reinstated_on_appeal")
        .expect("the reinstatement is in the trail");
    assert!(reinstated["after"]
        .to_string()
        .contains(filed.body["reference"].as_str().unwrap()));
    cb.post(&corrector, &format!("{path}/remedy"), json!({}))
        .await
        .assert_problem(409);
}

#[actix_rt::test]
async fn an_upheld_appeal_against_a_scope_reduction_restores_the_scope_and_a_rejected_one_changes_nothing(
) {
    let (cb, certificate, _) = certified("Acme").await;
    let reducer = cb
        .app
        .staff(Role::DecisionMaker, "reducer@cb.example")
        .await;
    let reviewer = cb
        .app
        .staff(Role::ComplaintHandler, "reviewer@cb.example")
        .await;
    let corrector = cb
        .app
        .staff(Role::DecisionMaker, "corrector@cb.example")
        .await;
    let path = format!("/api/v1/certificates/{certificate}");
    let before = cb.get(&cb.admin, &path).await.body;
    let application = cb.programme["application_id"].as_str().unwrap();
    let site = cb
        .get(&cb.admin, &format!("/api/v1/applications/{application}"))
        .await
        .body["sites"][0]["id"]
        .clone();
    let reduced = cb
        .post(
            &reducer,
            &format!("{path}/scope-reduction"),
            json!({"reason": "Service desk no longer offered",
        "scope": "Managed hosting", "sites": [{"site_id": site, "scope": "Managed hosting"}]}),
        )
        .await;
    assert_eq!(reduced.body["revision"], 2, "{}", reduced.body);

    // Two appeals in turn: the first is rejected, the second upheld and remedied.
    let appeal = json!({"subject": "scope_reduction", "certificate_id": certificate,
        "grounds": "The service desk is still offered:\n- ticket records for March attached\n- staff rota"});
    let mut ids = Vec::new();
    for upheld in [false, true] {
        let filed = cb.post(&cb.acme, "/api/v1/appeals", appeal.clone()).await;
        assert_eq!(filed.status, 201, "{}", filed.body);
        assert_eq!(filed.body["decided_by"], reducer.id.as_str());
        let appeal_path = format!("/api/v1/appeals/{}", filed.body["id"].as_str().unwrap());
        cb.post(&reviewer, &format!("{appeal_path}/acknowledge"), json!({}))
            .await;
        cb.post(
            &cb.admin,
            &format!("{appeal_path}/assign"),
            json!({"handler_id": reviewer.id}),
        )
        .await;
        let step = if upheld { "uphold" } else { "reject" };
        let decided = cb
            .post(
                &reviewer,
                &format!("{appeal_path}/{step}"),
                json!({"note": "Reasons:\nsee records"}),
            )
            .await;
        assert_eq!(
            decided.body["state"],
            if upheld { "upheld" } else { "rejected" },
            "{}",
            decided.body
        );
        ids.push(appeal_path);
    }
    cb.post(&corrector, &format!("{}/remedy", ids[0]), json!({}))
        .await
        .assert_problem(409);
    assert_eq!(
        cb.get(&cb.admin, &path).await.body["revision"],
        2,
        "a rejected appeal changes nothing"
    );
    cb.post(&reducer, &format!("{}/remedy", ids[1]), json!({}))
        .await
        .assert_problem(403);
    let remedied = cb
        .post(&corrector, &format!("{}/remedy", ids[1]), json!({}))
        .await;
    assert_eq!(remedied.body["state"], "remedied", "{}", remedied.body);
    let after = cb.get(&cb.admin, &path).await.body;
    assert_eq!(after["revision"], 3);
    assert_eq!(after["content"]["scope"], before["content"]["scope"]);
    assert_eq!(after["content"]["sites"], before["content"]["sites"]);
    let trail = cb
        .get(
            &cb.admin,
            &format!("/api/v1/audit-events?entity_type=certificate&entity_id={certificate}"),
        )
        .await;
    assert!(trail.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["action"] == "scope_restored"));
    // The restoration is no reduction in effect any more: a new appeal of it is refused.
    cb.post(&cb.acme, "/api/v1/appeals", appeal)
        .await
        .assert_problem(409);
}
