//! No secret reaches the log at the most verbose level production allows (`LOG_LEVEL=debug`, the
//! wire libraries held at warn by `shared::telemetry`): the handlers the gateway builds serve a
//! login (right and wrong password), a bearer-authenticated admin read, mid-call tool calls with
//! the right and a wrong secret header, and a post-call delivery with a bad signature, while a
//! subscriber built like production's captures every line.

use std::io::Write;
use std::sync::{Arc, Mutex};

use http::Method;
use local_gateway::routes::{HttpFunction, RouteTable};
use secrecy::ExposeSecret;
use serde_json::json;
use shared::db::Database;
use shared::platform::Platform;
use shared::secrets::SecretName;
use shared::testing::admin::*;
use sqlx::PgPool;

/// The captured log lines.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn no_secret_is_logged_at_debug(pool: PgPool) {
    let captured = Captured::default();
    shared::telemetry::install(
        shared::telemetry::filter("debug").unwrap(),
        true,
        captured.clone(),
    );
    setup(&pool).await;
    let base = Platform::load(SecretName::ALL)
        .await
        .expect("run the tests with ./infra/local/test");
    let secrets = base.secrets.clone();
    let platform = Platform {
        db: Database::from_pool(pool.clone()),
        ..base
    };
    let table = RouteTable::new(&platform).unwrap();
    let call = |function: HttpFunction, req| (table.handler_of(function).unwrap())(req);

    // Logins: the right password, a wrong one.
    let (mut tokens, mut refresh_tokens) = (Vec::new(), Vec::new());
    for password in [PASSWORD, "wrong-password-that-is-secret"] {
        let resp = call(
            HttpFunction::AuthLogin,
            endpoint_call("POST", "/api/auth/login")
                .body(json!({"email": "owner@aurora.example", "password": password}))
                .build(),
        )
        .await;
        let (_, body) = shared::testing::status_and_json(resp);
        if let Some(t) = body["access_token"].as_str() {
            tokens.push(t.to_owned());
            refresh_tokens.push(body["refresh_token"].as_str().unwrap().to_owned());
        }
    }
    assert_eq!(tokens.len(), 1, "the right password logged in");
    // A bearer-authenticated read.
    let resp = call(
        HttpFunction::AdminBusiness,
        call_with_token(Method::GET, &tokens[0]),
    )
    .await;
    assert_eq!(resp.status(), 200);
    // Tool calls: the right secret header and a wrong one.
    let tool_secret = secrets.elevenlabs_tool_secret().unwrap();
    for secret in [tool_secret.expose_secret(), "a-wrong-tool-secret-value"] {
        let mut req = endpoint_call("POST", "/api/voice/tools/{tool}")
            .param("tool", "check_business_hours")
            .body(
                json!({"conversation_id": "conv_log_check", "caller_id": "+14155552671",
                         "called_number": "+14155552600"}),
            )
            .build();
        req.headers_mut()
            .insert("x-studioconnect-secret", secret.parse().unwrap());
        call(HttpFunction::ElevenLabsTools, req).await;
    }
    // A post-call delivery whose signature is wrong.
    let mut req = endpoint_call("POST", "/api/voice/elevenlabs-events")
        .body(json!({"type": "post_call_transcription", "data": {"conversation_id": "conv_x"}}))
        .build();
    req.headers_mut().insert(
        "elevenlabs-signature",
        "t=1764000000,v0=0123456789abcdef".parse().unwrap(),
    );
    assert_eq!(
        call(HttpFunction::ElevenLabsEvents, req).await.status(),
        401
    );

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        log.lines().count() >= 3,
        "the subscriber captured the handlers' lines:\n{log}"
    );
    let mut forbidden: Vec<String> = vec![
        PASSWORD.into(),
        "wrong-password-that-is-secret".into(),
        "a-wrong-tool-secret-value".into(),
        tokens[0].clone(),
        refresh_tokens[0].clone(),
        tool_secret.expose_secret().to_owned(),
        secrets
            .elevenlabs_webhook_secret()
            .unwrap()
            .expose_secret()
            .to_owned(),
        secrets
            .jwt_signing_key()
            .unwrap()
            .expose_secret()
            .to_owned(),
        secrets
            .sendgrid_api_key()
            .unwrap()
            .expose_secret()
            .to_owned(),
        secrets.openai_api_key().unwrap().expose_secret().to_owned(),
        secrets
            .twilio_auth_token()
            .unwrap()
            .expose_secret()
            .to_owned(),
    ];
    // The signature of a JWT is its last part: enough to look for.
    forbidden.push(tokens[0].rsplit('.').next().unwrap().to_owned());
    for secret in forbidden {
        assert!(!log.contains(&secret), "{secret:?} is in the log:\n{log}");
    }
}

fn call_with_token(method: Method, token: &str) -> lambda_http::Request {
    call(method).business(A).token(token).build()
}
