//! What a call becomes: a call log, a lead (new, updated, never overwritten by an older call or
//! over a live answer), a client note, a busy call log for a failed initiation; each once.

use crate::common::*;

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_new_callers_call_becomes_a_call_log_an_urgent_lead_and_one_email(pool: PgPool) {
    let h = harness(pool).await;
    sendgrid_accepts(&h).await;
    let (event, conversation_id) = transcription(None);
    assert!(deliver(&h, &[&job(&event)], 1).await.is_empty());

    let log: (String, String, String, String, i32, i64, String, String, Option<String>, String, Option<Uuid>) = sqlx::query_as(
        "SELECT status, direction, from_phone, to_phone, duration_secs, cost_credits, summary, summary_source,
                termination_reason, call_successful, lead_id
         FROM call_logs WHERE elevenlabs_conversation_id = $1",
    )
    .bind(&conversation_id)
    .fetch_one(&h.pool)
    .await
    .unwrap();
    assert_eq!((log.0.as_str(), log.1.as_str()), ("completed", "inbound"));
    assert_eq!(
        (log.2.as_str(), log.3.as_str()),
        ("+14155550123", "+14155552600")
    );
    assert_eq!((log.4, log.5), (185, 812));
    assert!(
        log.6.starts_with("Sam Rivera called"),
        "ElevenLabs' summary: {}",
        log.6
    );
    assert_eq!(log.7, "elevenlabs");
    assert_eq!(log.8.as_deref(), Some("end_call tool was called."));
    assert_eq!(log.9, "success");

    let messages: Value = sqlx::query_scalar(
        "SELECT messages FROM conversations WHERE elevenlabs_conversation_id = $1",
    )
    .bind(&conversation_id)
    .fetch_one(&h.pool)
    .await
    .unwrap();
    assert_eq!(messages.as_array().unwrap().len(), 6);
    assert_eq!(messages[1]["role"], "user");
    assert_eq!(
        messages[2]["tool_calls"][0]["tool_name"],
        "qualification_next"
    );
    assert_eq!(
        messages[2]["tool_calls"][0]["params"]["answer"],
        "Sam Rivera"
    );
    assert!(
        messages[2]["tool_calls"][0]["result"]
            .as_str()
            .unwrap()
            .contains("best email")
    );

    let lead: (Uuid, Option<String>, Option<String>, Option<String>, String, Vec<String>, Value, String) = sqlx::query_as(
        "SELECT id, contact_name, email, phone, priority, urgency_reasons, answers, status FROM leads WHERE business_id = $1",
    )
    .bind(Uuid::parse_str(BUSINESS).unwrap())
    .fetch_one(&h.pool)
    .await
    .unwrap();
    assert_eq!(Some(lead.0), log.10, "the call log links its lead");
    assert_eq!(lead.1.as_deref(), Some("Sam Rivera"));
    assert_eq!(lead.2, None, "an invalid email is not copied onto the lead");
    assert_eq!(
        lead.3.as_deref(),
        Some("+14155550123"),
        "callback number defaults to the caller"
    );
    assert_eq!(lead.4, "urgent");
    assert_eq!(lead.7, "new");
    assert!(
        lead.5.iter().any(|r| r.contains("site is down")),
        "{:?}",
        lead.5
    );
    assert!(
        lead.5.iter().any(|r| r.contains("deadline")),
        "{:?}",
        lead.5
    );
    assert!(
        lead.5.iter().any(|r| r.starts_with("agent: ")),
        "ElevenLabs' criterion: {:?}",
        lead.5
    );
    let answers = &lead.6;
    assert_eq!(answers["email"]["valid"], false, "kept and flagged");
    assert_eq!(answers["email"]["raw"], "sam at rivera studio");
    assert!(
        answers["email"]["problem"]
            .as_str()
            .unwrap()
            .contains("not an email")
    );
    assert_eq!(answers["budget"]["value"], "8000");
    assert_eq!(answers["project_type"]["value"], "Website");
    assert_eq!(answers["full_name"]["source"], "data_collection");

    let sent = emails(&h).await;
    assert_eq!(sent.len(), 1);
    let email = &sent[0];
    assert_eq!(
        email["personalizations"][0]["to"][0]["email"],
        "owner@aurora.example"
    );
    assert_eq!(email["from"]["email"], "calls@studioconnect.example");
    let subject = email["subject"].as_str().unwrap();
    assert!(
        subject.starts_with("[URGENT] New lead: Sam Rivera (+14155550123)"),
        "{subject}"
    );
    assert_eq!(email["content"][0]["type"], "text/plain");
    let text = email["content"][0]["value"].as_str().unwrap();
    assert!(text.contains("Duration: 3 min 5 s"), "{text}");
    assert!(
        text.contains("- What is the best email to reach you?: sam at rivera studio (unverified"),
        "{text}"
    );
    assert!(
        text.contains("https://app.studioconnect.example/calls/"),
        "{text}"
    );
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn the_same_event_five_times_is_one_call_log_one_lead_one_email(pool: PgPool) {
    let h = harness(pool).await;
    sendgrid_accepts(&h).await;
    let (event, _) = transcription(None);
    let job = job(&event);
    for receive in 1..=5 {
        assert!(deliver(&h, &[&job], receive).await.is_empty());
    }
    assert_eq!(count(&h.pool, "SELECT count(*) FROM call_logs").await, 1);
    assert_eq!(
        count(&h.pool, "SELECT count(*) FROM conversations").await,
        1
    );
    assert_eq!(count(&h.pool, "SELECT count(*) FROM leads").await, 1);
    let reasons: Vec<String> = sqlx::query_scalar("SELECT urgency_reasons FROM leads")
        .fetch_one(&h.pool)
        .await
        .unwrap();
    assert_eq!(reasons.len(), 3, "reasons are not repeated: {reasons:?}");
    assert_eq!(emails(&h).await.len(), 1);
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_blank_call_sid_in_the_event_falls_back_to_the_one_recorded_at_initiation(pool: PgPool) {
    let h = harness(pool).await;
    sendgrid_accepts(&h).await;
    let (mut event, id) = transcription(None);
    event["data"]["metadata"]["phone_call"]["call_sid"] = json!("");
    sqlx::query(
        "INSERT INTO call_starts (conversation_id, call_sid, business_id, direction)
         VALUES ($1, 'CAfromInitiation', 'a0000000-0000-4000-8000-000000000001', 'inbound')",
    )
    .bind(&id)
    .execute(&h.pool)
    .await
    .unwrap();
    assert!(deliver(&h, &[&job(&event)], 1).await.is_empty());
    let (sid, key): (Option<String>, String) =
        sqlx::query_as("SELECT call_sid, call_key FROM call_logs")
            .fetch_one(&h.pool)
            .await
            .unwrap();
    assert_eq!(sid.as_deref(), Some("CAfromInitiation"));
    assert_eq!(key, "CAfromInitiation");
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_second_call_from_the_same_caller_updates_their_open_lead(pool: PgPool) {
    let h = harness(pool).await;
    sendgrid_accepts(&h).await;
    let (first, _) = transcription(None);
    let (mut second, second_id) = transcription(None);
    second["data"]["analysis"]["data_collection_results"]["email"]["value"] =
        json!("Sam@RiveraStudio.com");
    assert!(deliver(&h, &[&job(&first)], 1).await.is_empty());
    assert!(deliver(&h, &[&job(&second)], 1).await.is_empty());
    assert_eq!(count(&h.pool, "SELECT count(*) FROM leads").await, 1);
    assert_eq!(count(&h.pool, "SELECT count(*) FROM call_logs").await, 2);
    let (email, conversation): (Option<String>, String) = sqlx::query_as(
        "SELECT l.email, c.elevenlabs_conversation_id FROM leads l JOIN conversations c ON c.id = l.conversation_id",
    )
    .fetch_one(&h.pool)
    .await
    .unwrap();
    assert_eq!(email.as_deref(), Some("sam@riverastudio.com"));
    assert_eq!(
        conversation, second_id,
        "the lead points at its latest call"
    );
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn an_older_call_processed_late_does_not_overwrite_the_newer_one(pool: PgPool) {
    let h = harness(pool).await;
    sendgrid_accepts(&h).await;
    let (mut newer, newer_id) = transcription(None);
    newer["data"]["analysis"]["data_collection_results"]["budget"]["value"] = json!("12000");
    let (mut older, _) = transcription(None);
    older["data"]["metadata"]["start_time_unix_secs"] = json!(1_763_900_000);
    assert!(deliver(&h, &[&job(&newer)], 1).await.is_empty());
    assert!(deliver(&h, &[&job(&older)], 1).await.is_empty());
    let (answers, conversation): (Value, String) = sqlx::query_as(
        "SELECT l.answers, c.elevenlabs_conversation_id FROM leads l JOIN conversations c ON c.id = l.conversation_id",
    )
    .fetch_one(&h.pool)
    .await
    .unwrap();
    assert_eq!(answers["budget"]["value"], "12000");
    assert_eq!(conversation, newer_id);
    assert_eq!(
        count(&h.pool, "SELECT count(*) FROM call_logs").await,
        2,
        "both calls are logged"
    );
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_valid_answer_recorded_live_is_not_overwritten_by_the_extraction(pool: PgPool) {
    let h = harness(pool).await;
    sendgrid_accepts(&h).await;
    sqlx::query(
        "INSERT INTO leads (business_id, caller_phone, email, answers) VALUES ($1, '+14155550123', 'sam@rivera.studio',
         '{\"email\": {\"raw\": \"sam@rivera.studio\", \"value\": \"sam@rivera.studio\", \"valid\": true, \"source\": \"live\"}}')",
    )
    .bind(Uuid::parse_str(BUSINESS).unwrap())
    .execute(&h.pool)
    .await
    .unwrap();
    let (event, _) = transcription(None);
    assert!(deliver(&h, &[&job(&event)], 1).await.is_empty());
    let (email, answers): (Option<String>, Value) =
        sqlx::query_as("SELECT email, answers FROM leads")
            .fetch_one(&h.pool)
            .await
            .unwrap();
    assert_eq!(email.as_deref(), Some("sam@rivera.studio"));
    assert_eq!(answers["email"]["source"], "live");
    assert_eq!(
        answers["budget"]["value"], "8000",
        "the extraction fills what was not answered live"
    );
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_known_clients_call_adds_a_note_and_no_lead(pool: PgPool) {
    let h = harness(pool).await;
    sendgrid_accepts(&h).await;
    let (event, id) = transcription(Some("+1 (415) 555-2671"));
    assert!(deliver(&h, &[&job(&event)], 1).await.is_empty());
    assert_eq!(count(&h.pool, "SELECT count(*) FROM leads").await, 0);
    let note: String = sqlx::query_scalar(
        "SELECT body FROM client_notes WHERE client_id = 'c0000000-0000-4000-8000-000000000001'",
    )
    .fetch_one(&h.pool)
    .await
    .unwrap();
    assert!(note.contains("Sam Rivera called"), "{note}");
    let client: Option<Uuid> =
        sqlx::query_scalar("SELECT client_id FROM call_logs WHERE elevenlabs_conversation_id = $1")
            .bind(&id)
            .fetch_one(&h.pool)
            .await
            .unwrap();
    assert_eq!(
        client,
        Some(Uuid::parse_str("c0000000-0000-4000-8000-000000000001").unwrap())
    );
    let sent = emails(&h).await;
    assert!(
        sent[0]["subject"]
            .as_str()
            .unwrap()
            .starts_with("Call from client: Dana Whitfield (+14155552671)")
    );
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_call_initiation_failure_becomes_a_busy_call_log(pool: PgPool) {
    let h = harness(pool).await;
    let event = json_fixture("elevenlabs/call_initiation_failure.json");
    assert!(deliver(&h, &[&job(&event)], 1).await.is_empty());
    let row: (String, String, String, String, String, String, Value) = sqlx::query_as(
        "SELECT status, direction, from_phone, to_phone, call_sid, failure_reason, failure_details FROM call_logs",
    )
    .fetch_one(&h.pool)
    .await
    .unwrap();
    assert_eq!((row.0.as_str(), row.1.as_str()), ("busy", "outbound"));
    assert_eq!(
        (row.2.as_str(), row.3.as_str()),
        ("+14155552600", "+14155550188")
    );
    assert_eq!(row.4, "CA9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a");
    assert_eq!(row.5, "busy");
    assert_eq!(row.6["type"], "twilio");
    assert_eq!(row.6["body"]["SipResponseCode"], "486");
    let at: i64 =
        sqlx::query_scalar("SELECT extract(epoch FROM started_at)::bigint FROM call_logs")
            .fetch_one(&h.pool)
            .await
            .unwrap();
    assert_eq!(
        at, 1_763_998_000,
        "the event's time, the same on every delivery"
    );
    assert!(emails(&h).await.is_empty());
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_stored_oversized_event_is_processed_from_postgres(pool: PgPool) {
    let h = harness(pool).await;
    sendgrid_accepts(&h).await;
    let (event, id) = transcription(None);
    let raw = serde_json::to_vec(&event).unwrap();
    let payload_id = shared::post_call::store::save_payload(
        &Database::from_pool(h.pool.clone()),
        "post_call_transcription",
        &id,
        &raw,
    )
    .await
    .unwrap();
    let job = CallEventJob {
        event_type: "post_call_transcription".into(),
        conversation_id: id.clone(),
        payload: Payload::Stored { payload_id },
    };
    assert!(deliver(&h, &[&job], 1).await.is_empty());
    assert_eq!(count(&h.pool, "SELECT count(*) FROM call_logs").await, 1);
}

/// Moves the fixture's number (+14155552600, the call's agent number) to a second business, as a
/// platform admin may after the call.
async fn move_the_number_to_another_business(pool: &PgPool) {
    sqlx::raw_sql(
        "INSERT INTO businesses (id, name, timezone) VALUES
           ('b0000000-0000-4000-8000-000000000002', 'Bolt Plumbing', 'America/Chicago');
         UPDATE business_phone_numbers SET business_id = 'b0000000-0000-4000-8000-000000000002'
          WHERE phone_e164 = '+14155552600';",
    )
    .execute(pool)
    .await
    .unwrap();
}

async fn call_log_business(pool: &PgPool) -> String {
    sqlx::query_scalar("SELECT business_id::text FROM call_logs")
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_call_stays_with_the_business_it_rang_after_its_number_moves(pool: PgPool) {
    let h = harness(pool).await;
    sendgrid_accepts(&h).await;
    let (event, id) = transcription(None);
    sqlx::query(
        "INSERT INTO call_starts (conversation_id, business_id, direction)
         VALUES ($1, 'a0000000-0000-4000-8000-000000000001', 'inbound')",
    )
    .bind(&id)
    .execute(&h.pool)
    .await
    .unwrap();
    move_the_number_to_another_business(&h.pool).await;
    assert!(deliver(&h, &[&job(&event)], 1).await.is_empty());
    assert_eq!(
        call_log_business(&h.pool).await,
        "a0000000-0000-4000-8000-000000000001"
    );
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_call_recorded_under_another_conversation_id_is_found_by_its_call_sid(pool: PgPool) {
    let h = harness(pool).await;
    sendgrid_accepts(&h).await;
    let (event, _) = transcription(None);
    let sid = event["data"]["metadata"]["phone_call"]["call_sid"]
        .as_str()
        .unwrap()
        .to_owned();
    sqlx::query(
        "INSERT INTO call_starts (conversation_id, call_sid, business_id, direction)
         VALUES ('conv_recorded_at_initiation', $1, 'a0000000-0000-4000-8000-000000000001', 'inbound')",
    )
    .bind(&sid)
    .execute(&h.pool)
    .await
    .unwrap();
    move_the_number_to_another_business(&h.pool).await;
    assert!(deliver(&h, &[&job(&event)], 1).await.is_empty());
    assert_eq!(
        call_log_business(&h.pool).await,
        "a0000000-0000-4000-8000-000000000001"
    );
}

/// ElevenLabs signed the event, so a NUL in what the caller said (which Postgres cannot store) is
/// dropped, not the call: it is processed like any other, once.
#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_nul_in_the_transcript_is_dropped_not_the_call(pool: PgPool) {
    let h = harness(pool).await;
    sendgrid_accepts(&h).await;
    let (mut event, id) = transcription(None);
    event["data"]["transcript"][0]["message"] = json!("Hello\u{0}, I need a new logo");
    assert!(deliver(&h, &[&job(&event)], 1).await.is_empty());
    let logs: i64 =
        sqlx::query_scalar("SELECT count(*) FROM call_logs WHERE elevenlabs_conversation_id = $1")
            .bind(&id)
            .fetch_one(&h.pool)
            .await
            .unwrap();
    assert_eq!(logs, 1);
    let transcript: String = sqlx::query_scalar(
        "SELECT messages::text FROM conversations WHERE elevenlabs_conversation_id = $1",
    )
    .bind(&id)
    .fetch_one(&h.pool)
    .await
    .unwrap();
    assert!(
        transcript.contains("Hello, I need a new logo"),
        "{transcript}"
    );
}
