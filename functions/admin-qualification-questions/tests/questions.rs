//! The question list is replaced atomically, in order; bad questions are refused by name.

use http::Method;
use serde_json::json;
use shared::testing::admin::*;
use sqlx::PgPool;

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn the_question_list_is_replaced_atomically_in_order(pool: PgPool) {
    let state = setup(&pool).await;
    let list = json!({"questions": [
        {"question": "What is your email?", "field_key": "email", "expected_format": "email", "maps_to_lead_field": "email"},
        {"question": "Website or branding?", "field_key": "kind", "expected_format": "choice", "choices": ["Website", "Branding"], "required": false,
         "choice_synonyms": {"Website": [" site ", "online shop", "", "Sites"], "Branding": []}},
        {"question": "Your name?", "field_key": "full_name", "expected_format": "text", "maps_to_lead_field": "contact_name", "essential_for_emergency": true}
    ]});
    let (status, body) = call(Method::PUT)
        .business(A)
        .token(&owner_a())
        .body(list)
        .send(|r| admin_qualification_questions::handle(&state, r))
        .await;
    assert_eq!(status, 200, "{body}");
    let keys: Vec<&str> = body["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["field_key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, vec!["email", "kind", "full_name"]);
    assert_eq!(body["questions"][1]["required"], false);
    assert_eq!(body["questions"][0]["required"], true);
    // Synonyms are trimmed; empty ones and empty lists are dropped.
    assert_eq!(
        body["questions"][1]["choice_synonyms"],
        json!({"Website": ["site", "online shop"]})
    );
    assert_eq!(body["questions"][0]["choice_synonyms"], json!({}));

    // An invalid list changes nothing.
    for (list, field) in [
        (
            json!({"questions": [{"question": "Q", "field_key": "a", "expected_format": "choice", "choices": ["one"]}]}),
            "questions[0].choices:",
        ),
        (
            json!({"questions": [{"question": "Q", "field_key": "a", "expected_format": "text"}, {"question": "R", "field_key": "a", "expected_format": "text"}]}),
            "questions[1].field_key:",
        ),
        (
            json!({"questions": [{"question": "Q", "field_key": "A b", "expected_format": "text"}]}),
            "questions[0].field_key:",
        ),
        (
            json!({"questions": [{"question": "Q", "field_key": "a", "expected_format": "colour"}]}),
            "questions[0].expected_format: unknown variant",
        ),
        (
            json!({"questions": [{"question": "Q", "field_key": "a", "expected_format": "text", "maps_to_lead_field": "budget"}]}),
            "questions[0].maps_to_lead_field:",
        ),
        (
            json!({"questions": [{"question": "Q", "field_key": "a", "expected_format": "choice", "choices": ["A", "B"],
                "choice_synonyms": {"C": ["see"]}}]}),
            "questions[0].choice_synonyms.C: \"C\" is not one of the choices",
        ),
        (
            json!({"questions": [{"question": "Q", "field_key": "a", "expected_format": "choice", "choices": ["A", "B"],
                "choice_synonyms": {"A": ["same"], "B": ["Same"]}}]}),
            "questions[0].choice_synonyms.B: \"Same\" already names a choice",
        ),
        (
            json!({"questions": [{"question": "Q", "field_key": "a", "expected_format": "choice", "choices": ["A", "B"],
                "choice_synonyms": {"A": ["b"]}}]}),
            "questions[0].choice_synonyms.A:",
        ),
        (
            json!({"questions": [{"question": "Q", "field_key": "a", "expected_format": "choice", "choices": ["Website", "Branding"],
                "choice_synonyms": {"Branding": ["Websites"]}}]}),
            "questions[0].choice_synonyms.Branding: \"Websites\" already names a choice",
        ),
        (
            json!({"questions": [{"question": "Q", "field_key": "a", "expected_format": "text",
                "choice_synonyms": {"A": ["x"]}}]}),
            "questions[0].choice_synonyms: only choice questions have synonyms",
        ),
        (
            json!({"questions": [{"question": "Q", "field_key": "a", "expected_format": "choice", "choices": ["A", "B"],
                "choice_synonyms": {"A": "x"}}]}),
            "questions[0].choice_synonyms.A: invalid type",
        ),
    ] {
        let (status, resp) = call(Method::PUT)
            .business(A)
            .token(&owner_a())
            .body(list.clone())
            .send(|r| admin_qualification_questions::handle(&state, r))
            .await;
        assert_eq!(status, 400, "{list}: {resp}");
        assert!(message(&resp).starts_with(field), "{list}: {resp}");
    }
    let (_, after) = call(Method::GET)
        .business(A)
        .token(&owner_a())
        .send(|r| admin_qualification_questions::handle(&state, r))
        .await;
    assert_eq!(after["questions"].as_array().unwrap().len(), 3);
}
