//! The connect route: an authorize URL for the token's business (its state stored first), and its
//! refusals: an unknown or unconfigured provider (404), a stranger's business (403), a platform
//! admin who names no business (400 naming `business_id`). The callback that finishes the
//! connection is `pm-oauth-callback`'s, tested there end to end.

use http::Method;
use shared::pm::{PmProviders, Provider};
use shared::testing::pm::*;
use sqlx::PgPool;
use uuid::Uuid;
use wiremock::MockServer;

async fn state(pool: &PgPool, server: &MockServer) -> admin_integration_connect::State {
    admin_integration_connect::State {
        admin: admin(pool),
        pm: pm_admin(server).await,
    }
}

fn connect(provider: &str, business: Option<&str>, token: &str) -> lambda_http::Request {
    let query: Vec<(&str, &str)> = business.map(|b| ("business_id", b)).into_iter().collect();
    request(
        Method::GET,
        &[("provider", provider)],
        &query,
        Some(token),
        None,
    )
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn the_authorize_link_is_for_the_tokens_business_and_its_state_is_kept(pool: PgPool) {
    seed(&pool).await;
    let server = MockServer::start().await;
    let state = state(&pool, &server).await;
    let owner = owner_token(aurora());
    for provider in ["jira", "asana", "monday"] {
        // Without business_id: the token's own business.
        let (status, body) = send(admin_integration_connect::handle(
            &state,
            connect(provider, None, &owner),
        ))
        .await;
        assert_eq!(status, 200, "{provider}: {body}");
        assert_eq!(body["provider"], provider);
        let url = url::Url::parse(body["authorize_url"].as_str().unwrap()).unwrap();
        let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
        let state_token = q.get("state").expect("a state").clone();
        assert!(state_token.len() >= 32, "an unguessable state");
        // The state is stored, for this business, before the link exists.
        let stored = state.pm.states.take(&state_token).await.unwrap();
        assert_eq!(stored.business_id, aurora());
        assert_eq!(stored.provider, Provider::parse(provider).unwrap());
        assert_eq!(
            stored.user_id,
            OWNER_USER.parse::<Uuid>().unwrap(),
            "who asked"
        );
        assert_eq!(
            stored.browser_digest.len(),
            64,
            "the cookie's digest, not the cookie"
        );
    }
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn unknown_providers_strangers_and_a_missing_business_are_refused(pool: PgPool) {
    seed(&pool).await;
    let server = MockServer::start().await;
    let mut state = state(&pool, &server).await;
    let owner = owner_token(aurora());
    let (status, body) = send(admin_integration_connect::handle(
        &state,
        connect("trello", Some(AURORA), &owner),
    ))
    .await;
    assert_eq!(status, 404, "{body}");
    // The owner of another business.
    let (bolt, bolt_owner) = (Uuid::new_v4(), Uuid::new_v4());
    sqlx::query("INSERT INTO businesses (id, name, timezone) VALUES ($1, 'Bolt Plumbing', 'UTC')")
        .bind(bolt)
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO users (id, email, password_hash, role, business_id)
         VALUES ($1, 'owner@bolt.example', '', 'business_owner', $2)",
    )
    .bind(bolt_owner)
    .bind(bolt)
    .execute(&pool)
    .await
    .unwrap();
    let stranger = owner_token_for(bolt_owner, bolt);
    let (status, body) = send(admin_integration_connect::handle(
        &state,
        connect("jira", Some(AURORA), &stranger),
    ))
    .await;
    assert_eq!(status, 403, "{body}");
    // A token of a user who does not exist (any more) opens nothing.
    let (status, _) = send(admin_integration_connect::handle(
        &state,
        connect(
            "jira",
            Some(AURORA),
            &owner_token_for(Uuid::new_v4(), aurora()),
        ),
    ))
    .await;
    assert_eq!(status, 401);
    let (status, body) = send(admin_integration_connect::handle(
        &state,
        connect("jira", None, &platform_admin_token()),
    ))
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("business_id:"),
        "{body}"
    );
    // A provider this deployment has no app for.
    state.pm.providers = PmProviders::default();
    let (status, body) = send(admin_integration_connect::handle(
        &state,
        connect("jira", Some(AURORA), &owner),
    ))
    .await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["error"]["code"], "provider_not_configured");
}
