//! The team on a real database: anyone of the business lists it, owners invite (a member cannot,
//! nor may anyone invite a platform admin or a taken email), another tenant sees nothing.

use http::Method;
use serde_json::json;
use shared::domain::catalog::Role;
use shared::testing::admin::*;
use sqlx::PgPool;

async fn state(pool: &PgPool) -> admin_users::State {
    admin_users::State {
        admin: setup(pool).await,
        dashboard_url: "https://app.studioconnect.example/".into(),
    }
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn the_team_is_listed_and_owners_invite(pool: PgPool) {
    let s = state(&pool).await;
    let member = token_for(Role::BusinessMember, Some(A));
    let (status, body) = call(Method::GET)
        .business(A)
        .token(&member)
        .send(|r| admin_users::handle(&s, r))
        .await;
    assert_eq!(status, 200, "{body}");
    let emails: Vec<&str> = body["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails, ["owner@aurora.example", "member@aurora.example"]);
    assert_eq!(body["users"][0]["status"], "active");
    let invite = |token: String, body: serde_json::Value| {
        let s = &s;
        async move {
            call(Method::POST)
                .business(A)
                .token(&token)
                .body(body)
                .send(|r| admin_users::handle(s, r))
                .await
        }
    };
    let (status, _) = invite(
        member.clone(),
        json!({"email": "x@aurora.example", "role": "business_member"}),
    )
    .await;
    assert_eq!(status, 403, "a member does not invite");
    let (status, body) = invite(
        owner_a(),
        json!({"email": "x@aurora.example", "role": "platform_admin"}),
    )
    .await;
    assert_eq!(status, 400);
    assert!(message(&body).starts_with("role"), "{body}");
    let (status, body) = invite(
        owner_a(),
        json!({"email": "not an email", "role": "business_member"}),
    )
    .await;
    assert_eq!(status, 400);
    assert!(message(&body).starts_with("email"), "{body}");
    let (status, body) = invite(
        owner_a(),
        json!({"email": "Owner@Bolt.example", "role": "business_member"}),
    )
    .await;
    assert_eq!((status, code(&body)), (409, "email_taken"), "{body}");
    assert!(message(&body).starts_with("email"), "{body}");
    let (status, body) = invite(
        owner_a(),
        json!({"email": "Pat@Aurora.example", "role": "business_owner"}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["user"]["email"], "pat@aurora.example");
    assert_eq!(body["user"]["status"], "invited");
    assert!(
        body["invite_url"]
            .as_str()
            .unwrap()
            .starts_with("https://app.studioconnect.example/accept-invite#token=")
    );
    // The token is not stored, only its digest.
    let token = body["invite_url"]
        .as_str()
        .unwrap()
        .rsplit("token=")
        .next()
        .unwrap();
    let stored: String =
        sqlx::query_scalar("SELECT invite_digest FROM users WHERE email = 'pat@aurora.example'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_ne!(stored, token);
    // Another tenant's owner sees nothing of A's team.
    let (status, _) = call(Method::GET)
        .business(A)
        .token(&token_for(Role::BusinessOwner, Some(B)))
        .send(|r| admin_users::handle(&s, r))
        .await;
    assert_eq!(status, 403);
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn an_invitation_to_a_business_that_does_not_exist_is_a_404(pool: PgPool) {
    let s = state(&pool).await;
    let (status, body) = call(Method::POST)
        .business("99999999-0000-4000-8000-000000000009")
        .token(&token_for(Role::PlatformAdmin, None))
        .body(json!({"email": "x@nowhere.example", "role": "business_owner"}))
        .send(|r| admin_users::handle(&s, r))
        .await;
    assert_eq!(status, 404, "{body}");
}
