//! The agent form's options: ElevenLabs' voices (its `GET /v2/voices` shape, paged, kept per
//! container), the lists the configuration is checked against, and what happens when ElevenLabs
//! is down. Members may read; other tenants may not.

use std::time::Duration;

use admin_agent_options::{State, VOICES_POLICY, VoiceCache, handle};
use http::Method;
use serde_json::{Value, json};
use shared::elevenlabs::api::ElevenLabsApi;
use shared::http_client::HttpClient;
use shared::testing::admin::*;
use sqlx::PgPool;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn voice(id: &str, name: &str) -> Value {
    json!({"voice_id": id, "name": name, "category": "premade",
           "labels": {"accent": "american", "gender": "female", "age": null},
           "description": "", "preview_url": format!("https://storage.example/{id}.mp3"),
           "samples": null, "settings": null, "available_for_tiers": []})
}

async fn state(pool: &PgPool, elevenlabs: &MockServer, fresh_for: Duration) -> State {
    State {
        admin: setup(pool).await,
        elevenlabs: ElevenLabsApi::new(
            HttpClient::new("elevenlabs", VOICES_POLICY).unwrap(),
            &elevenlabs.uri(),
            "xi-test".to_owned().into(),
        ),
        voices: VoiceCache::new(fresh_for),
    }
}

async fn get(state: &State, token: &str, business: &str) -> (u16, Value) {
    call(Method::GET)
        .business(business)
        .token(token)
        .send(|r| handle(state, r))
        .await
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn voices_come_from_every_page_by_name_and_are_kept(pool: PgPool) {
    let el = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v2/voices"))
        .and(header("xi-api-key", "xi-test"))
        .and(query_param("page_size", "100"))
        .and(query_param("next_page_token", "p2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "voices": [voice("v-zed", "Zed"), {"voice_id": "v-noname", "name": null, "labels": null}],
            "has_more": false, "total_count": 3, "next_page_token": null})))
        .expect(1)
        .mount(&el)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/voices"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "voices": [voice("v-amy", "amy"), {"no_id": true}],
            "has_more": true, "total_count": 3, "next_page_token": "p2"})))
        .expect(1)
        .mount(&el)
        .await;
    let state = state(&pool, &el, Duration::from_secs(600)).await;
    let (status, body) = get(&state, &owner_a(), A).await;
    assert_eq!(status, 200, "{body}");
    let names: Vec<&str> = body["voices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    // By name, case-insensitively; a voice without a name shows its id; one without an id is skipped.
    assert_eq!(names, ["amy", "v-noname", "Zed"]);
    assert_eq!(
        body["voices"][0]["labels"],
        json!({"accent": "american", "gender": "female"})
    );
    assert_eq!(body["voices"][0]["description"], Value::Null);
    assert_eq!(
        body["voices"][0]["preview_url"],
        "https://storage.example/v-amy.mp3"
    );
    assert_eq!(body["voices_error"], Value::Null);
    // The lists the configuration is checked against, and the ranges.
    assert!(
        body["languages"]
            .as_array()
            .unwrap()
            .contains(&json!("pt-br"))
    );
    assert!(
        body["llms"]
            .as_array()
            .unwrap()
            .contains(&json!("claude-sonnet-4-5"))
    );
    assert!(
        !body["llms"]
            .as_array()
            .unwrap()
            .contains(&json!("custom-llm"))
    );
    assert_eq!(body["default_llm"], "gemini-2.0-flash");
    assert_eq!(
        body["ranges"]["speed"],
        json!({"min": 0.7, "max": 1.2, "step": 0.05})
    );
    assert!(
        body["placeholders"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "caller_first_name" && p["description"].as_str().is_some())
    );
    // A second request within the freshness window is served from the container: no new calls
    // (each mock expects exactly one).
    let (status, again) = get(&state, &owner_a(), A).await;
    assert_eq!(status, 200);
    assert_eq!(again["voices"], body["voices"]);
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn elevenlabs_down_keeps_the_form_working(pool: PgPool) {
    let el = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v2/voices"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "voices": [voice("v-amy", "Amy")], "has_more": false, "total_count": 1})))
        .up_to_n_times(1)
        .mount(&el)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/voices"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&el)
        .await;
    // Nothing is kept fresh: every request asks ElevenLabs.
    let state = state(&pool, &el, Duration::ZERO).await;
    let (_, first) = get(&state, &owner_a(), A).await;
    assert_eq!(first["voices"][0]["name"], "Amy");
    // ElevenLabs fails: the last list is served, and the answer says why it may be old.
    let (status, body) = get(&state, &owner_a(), A).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["voices"][0]["name"], "Amy");
    assert_eq!(body["voices_error"], "ElevenLabs did not answer");

    // Within the retry window, ElevenLabs is not asked again: the same answer at once.
    let asked = el.received_requests().await.unwrap().len();
    let (_, again) = get(&state, &owner_a(), A).await;
    assert_eq!(again["voices_error"], "ElevenLabs did not answer");
    assert_eq!(el.received_requests().await.unwrap().len(), asked);

    // A container that never had the list: none, and the reason.
    let cold = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&cold)
        .await;
    let fresh = State {
        admin: bare_state(&pool),
        elevenlabs: ElevenLabsApi::new(
            HttpClient::new("elevenlabs", VOICES_POLICY).unwrap(),
            &cold.uri(),
            "xi-test".to_owned().into(),
        ),
        voices: VoiceCache::new(Duration::from_secs(600)),
    };
    let (status, body) = get(&fresh, &owner_a(), A).await;
    assert_eq!(status, 200);
    assert_eq!(body["voices"], json!([]));
    assert_eq!(body["voices_error"], "ElevenLabs did not answer");
    assert!(!body["llms"].as_array().unwrap().is_empty());
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn members_read_other_tenants_and_strangers_do_not(pool: PgPool) {
    let el = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"voices": [], "has_more": false})),
        )
        .mount(&el)
        .await;
    let state = state(&pool, &el, Duration::from_secs(600)).await;
    let member = token_for(shared::domain::catalog::Role::BusinessMember, Some(A));
    assert_eq!(get(&state, &member, A).await.0, 200);
    let (status, body) = get(&state, &owner_a(), B).await;
    assert_eq!((status, code(&body)), (403, "forbidden"));
    assert_eq!(
        call(Method::GET)
            .business(A)
            .send(|r| handle(&state, r))
            .await
            .0,
        401
    );
    let (status, body) = get(
        &state,
        &platform_admin(),
        "99999999-0000-4000-8000-000000000009",
    )
    .await;
    assert_eq!((status, code(&body)), (404, "not_found"));
    let (status, _) = call(Method::POST)
        .business(A)
        .token(&owner_a())
        .send(|r| handle(&state, r))
        .await;
    assert_eq!(status, 405);
}
