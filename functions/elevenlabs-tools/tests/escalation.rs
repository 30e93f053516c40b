//! Escalation, messages and hours through the tool route, and the refusals of a request that is
//! not verified or not well formed.

use crate::common::*;

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn escalation_makes_the_lead_urgent_alerts_the_team_once_and_offers_a_transfer(pool: PgPool) {
    seed(&pool).await;
    let server = vendors().await;
    let s = state(&pool, &server, open_now).await;
    let conv = conversation();
    let fields = json!({"reason": "Their online shop is down during a sale", "caller_name": "Sam"});
    let (status, body) = tool(
        &s,
        "escalate_to_team",
        &conv,
        NEW_CALLER,
        AURORA,
        fields.clone(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["transfer_available"], true);
    assert_eq!(body["next_step"], "transfer");
    assert_eq!(body["team_notified"], true);
    let (priority, reasons): (String, Vec<String>) =
        sqlx::query_as("SELECT priority, urgency_reasons FROM leads WHERE caller_phone = $1")
            .bind(NEW_CALLER)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(priority, "urgent");
    assert_eq!(
        reasons,
        vec!["escalated during the call: Their online shop is down during a sale".to_string()]
    );
    let sent = emails(&server).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0]["personalizations"][0]["to"][0]["email"],
        "owner@aurora.example"
    );
    assert!(sent[0]["subject"].as_str().unwrap().starts_with("[URGENT]"));
    let sms = texts(&server).await;
    assert_eq!(sms.len(), 1);
    let form: HashMap<String, String> = serde_urlencoded_pairs(&sms[0]);
    assert_eq!(form["To"], "+14155559999");
    assert_eq!(form["From"], AURORA);
    assert!(form["Body"].contains("URGENT call for Aurora Branding: Sam (+14155550123)"));

    // The agent calling it again changes nothing for the team.
    tool(&s, "escalate_to_team", &conv, NEW_CALLER, AURORA, fields).await;
    assert_eq!(emails(&server).await.len(), 1);
    assert_eq!(texts(&server).await.len(), 1);
}

fn serde_urlencoded_pairs(body: &str) -> HashMap<String, String> {
    form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect()
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn after_hours_there_is_no_transfer_and_a_message_is_taken_and_sent_once(pool: PgPool) {
    seed(&pool).await;
    let server = vendors().await;
    let s = state(&pool, &server, evening).await;
    let conv = conversation();
    let (_, body) = tool(
        &s,
        "escalate_to_team",
        &conv,
        NEW_CALLER,
        AURORA,
        json!({"reason": "pipe burst at the studio"}),
    )
    .await;
    assert_eq!(body["transfer_available"], false);
    assert_eq!(body["next_step"], "take_message");

    let message = json!({"message": "Please call about the burst pipe", "caller_name": "Sam Rivera",
                         "callback_number": "(415) 555-0188", "preferred_time": "first thing tomorrow"});
    let (status, taken) = tool(
        &s,
        "take_message",
        &conv,
        NEW_CALLER,
        AURORA,
        message.clone(),
    )
    .await;
    assert_eq!(status, 200, "{taken}");
    assert_eq!(taken["recorded"], true);
    assert_eq!(
        taken["say"],
        "I've passed your message to the team; they'll get back to you when the office opens tomorrow at 9:00 AM."
    );
    tool(&s, "take_message", &conv, NEW_CALLER, AURORA, message).await;
    let rows: Vec<(String, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT message, callback_phone, preferred_time FROM call_messages WHERE elevenlabs_conversation_id = $1",
    )
    .bind(&conv)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        rows,
        vec![(
            "Please call about the burst pipe".to_string(),
            Some("+14155550188".to_string()),
            Some("first thing tomorrow".to_string())
        )]
    );
    let sent = emails(&server).await;
    // One urgent alert and one message email, whatever the repeats.
    assert_eq!(sent.len(), 2);
    assert!(
        sent[1]["subject"]
            .as_str()
            .unwrap()
            .starts_with("Message from Sam Rivera")
    );
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn business_hours_are_computed_for_the_agent(pool: PgPool) {
    seed(&pool).await;
    let server = vendors().await;
    for (now, open, say) in [
        (
            open_now as fn() -> DateTime<Utc>,
            true,
            "We're open now, until today at 5:00 PM.",
        ),
        (
            evening,
            false,
            "We're closed right now. We open again tomorrow at 9:00 AM.",
        ),
        (
            thanksgiving,
            false,
            "We're closed today for Thanksgiving. We open again tomorrow at 9:00 AM.",
        ),
    ] {
        let s = state(&pool, &server, now).await;
        let (status, body) = tool(
            &s,
            "check_business_hours",
            &conversation(),
            NEW_CALLER,
            AURORA,
            json!({}),
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(body["open"], open);
        assert_eq!(body["say"], say);
        assert_eq!(body["transfer_available"], open);
    }
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn tools_refuse_missing_or_wrong_secrets_and_bad_requests(pool: PgPool) {
    seed(&pool).await;
    let server = vendors().await;
    let s = state(&pool, &server, open_now).await;
    let body = json!({"conversation_id": "conv_x", "caller_id": DANA, "called_number": AURORA})
        .to_string();
    for secret in [None, Some("wrong"), Some("")] {
        let resp = handle(&s, request("get_project_status", &body, secret)).await;
        assert_eq!(resp.status(), 401, "{secret:?}");
        let v: Value = serde_json::from_slice(resp.body().as_ref()).unwrap();
        assert_eq!(v["error"]["code"], "unauthorized");
    }
    for (tool, body, status, code) in [
        ("no_such_tool", body.as_str(), 404, "not_found"),
        ("get_project_status", "not json", 400, "invalid_json"),
        (
            "get_project_status",
            r#"{"caller_id": "+14155552671"}"#,
            400,
            "invalid_json",
        ),
        (
            "get_project_status",
            r#"{"conversation_id": " "}"#,
            400,
            "invalid_json",
        ),
        (
            "get_project_status",
            r#"{"conversation_id": "conv\u0000x"}"#,
            400,
            "invalid_field",
        ),
        (
            "check_business_hours",
            r#"{"conversation_id": "conv one"}"#,
            400,
            "invalid_json",
        ),
        (
            "qualification_next",
            r#"{"conversation_id": "c", "answer": 5}"#,
            400,
            "invalid_json",
        ),
        (
            "escalate_to_team",
            r#"{"conversation_id": "c", "called_number": "+14155552600", "reason": " "}"#,
            400,
            "invalid_field",
        ),
        (
            "take_message",
            r#"{"conversation_id": "c", "called_number": "+14155552600"}"#,
            400,
            "invalid_json",
        ),
        (
            "check_business_hours",
            r#"{"conversation_id": "c", "called_number": "+19995550000"}"#,
            404,
            "not_found",
        ),
    ] {
        let resp = handle(&s, request(tool, body, Some(SECRET))).await;
        let v: Value = serde_json::from_slice(resp.body().as_ref()).unwrap();
        assert_eq!(resp.status().as_u16(), status, "{tool} {body}: {v}");
        assert_eq!(v["error"]["code"], code, "{tool} {body}");
        assert!(
            v["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
        if body.contains("conv one") || body.contains("conv\\u0000") {
            assert!(
                v["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains("conversation_id: "),
                "{v}"
            );
        }
    }
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM leads")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(stored, 0, "refused requests store nothing");
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_call_leaves_at_most_five_messages_and_a_repeat_is_not_one_more(pool: PgPool) {
    seed(&pool).await;
    let server = vendors().await;
    let s = state(&pool, &server, evening).await;
    let conv = conversation();
    let leave = |text: String| {
        let s = &s;
        let conv = conv.clone();
        async move {
            tool(
                s,
                "take_message",
                &conv,
                NEW_CALLER,
                AURORA,
                json!({"message": text}),
            )
            .await
            .1
        }
    };
    for i in 0..5 {
        assert_eq!(leave(format!("message {i}")).await["recorded"], true);
    }
    let sixth = leave("message 5".into()).await;
    assert_eq!(sixth["recorded"], false, "{sixth}");
    assert!(sixth["say"].as_str().unwrap().contains("already passed"));
    // The same text again is the same message, not a sixth.
    assert_eq!(leave("message 0".into()).await["recorded"], true);
    let count: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM call_messages WHERE elevenlabs_conversation_id = $1",
    )
    .bind(&conv)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(count, 5);
    assert_eq!(emails(&server).await.len(), 5, "one email a message");
}
