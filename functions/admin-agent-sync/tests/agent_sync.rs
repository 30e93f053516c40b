//! The ElevenLabs agent manager against an HTTP fake of ElevenLabs' API (documented shapes), on a
//! real database: the exact bodies of a first sync, an idempotent re-run, a deleted agent, the
//! webhook-tool hook, and ElevenLabs' errors surfacing through this route. (The manager is in
//! `shared::agent_manager`: the operator CLI syncs with it too.) Which numbers a sync connects is
//! `numbers.rs`.

use crate::common::*;

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_first_sync_creates_the_agent_with_the_exact_configuration(pool: PgPool) {
    setup(&pool).await;
    let server = MockServer::start().await;
    empty_workspace(&server).await;
    let report = manager(&pool, &server, vec![])
        .sync(A.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(report.agent_id, "agent_new_1");
    assert_eq!(report.agent, "created");
    assert_eq!(report.phone_numbers.len(), 1);
    assert_eq!(report.phone_numbers[0].action, "imported");

    let secret = &requests(&server, "POST", "/v1/convai/secrets").await[0];
    assert_eq!(
        secret,
        &json!({"type": "new", "name": "studioconnect-initiation-secret", "value": "initiation-secret-value"})
    );
    let created = requests(&server, "POST", "/v1/convai/agents/create").await;
    assert_eq!(created.len(), 1);
    let agent = &created[0];
    assert_eq!(agent["name"], format!("Aurora Branding receptionist [{A}]"));
    let cc = &agent["conversation_config"];
    // A placeholder for every dynamic variable the initiation webhook sends, with its default.
    let placeholders = cc["agent"]["dynamic_variables"]["dynamic_variable_placeholders"]
        .as_object()
        .unwrap();
    assert_eq!(placeholders.len(), DYNAMIC_VARIABLES.len());
    for v in DYNAMIC_VARIABLES {
        assert!(placeholders.contains_key(v.name), "{}", v.name);
    }
    assert_eq!(placeholders["is_known_client"], json!(false));
    assert_eq!(placeholders["active_project_count"], json!(0));
    assert!(
        cc["agent"]["first_message"]
            .as_str()
            .unwrap()
            .contains("{{business_name}}")
    );
    assert_eq!(cc["agent"]["language"], "en");
    // The business never chose a model: ElevenLabs' default, said explicitly.
    assert_eq!(cc["agent"]["prompt"]["llm"], "gemini-2.0-flash");
    assert_eq!(cc["tts"]["voice_id"], "EXAVITQu4vr4xnSDxMaL");
    assert_eq!(cc["tts"]["model_id"], "eleven_flash_v2");
    assert_eq!(cc["agent"]["prompt"]["tool_ids"], json!([]));
    assert_eq!(
        cc["agent"]["prompt"]["built_in_tools"]["transfer_to_number"],
        json!({"type": "system", "name": "transfer_to_number",
               "description": "Transfer the caller to a person at the business when one of the conditions applies.",
               "params": {"system_tool_type": "transfer_to_number", "enable_client_message": true, "transfers": [
                   {"transfer_destination": {"type": "phone", "phone_number": "+14155550100"},
                    "condition": "the caller asks for a person", "transfer_type": "conference"},
                   {"transfer_destination": {"type": "phone", "phone_number": "+14155550101"},
                    "condition": "the matter is urgent", "transfer_type": "conference"}]}})
    );
    let ps = &agent["platform_settings"];
    assert_eq!(
        ps["workspace_overrides"]["conversation_initiation_client_data_webhook"],
        json!({"url": "https://api.studioconnect.example/api/voice/elevenlabs-personalization",
               "request_headers": {"x-studioconnect-secret": {"secret_id": "sec_init_1"}}})
    );
    assert_eq!(
        ps["workspace_overrides"]["webhooks"],
        json!({"post_call_webhook_id": "wh_postcall_1", "events": ["transcript", "call_initiation_failure"]})
    );
    assert_eq!(
        ps["overrides"]["enable_conversation_initiation_client_data_from_webhook"],
        true
    );
    // Exactly the fields the personalization webhook sends are overridable.
    for field in OVERRIDDEN_FIELDS {
        let pointer = format!(
            "/overrides/conversation_config_override/{}",
            field.replace('.', "/")
        );
        assert_eq!(ps.pointer(&pointer), Some(&json!(true)), "{field}");
    }
    // Data collection keyed by the question field keys; the urgency criterion the worker reads.
    let dc = ps["data_collection"].as_object().unwrap();
    assert_eq!(
        dc.keys().cloned().collect::<Vec<_>>(),
        vec!["budget", "email", "full_name", "project_type"]
    );
    assert_eq!(dc["email"]["type"], "string");
    assert_eq!(ps["evaluation"]["criteria"][0]["id"], "urgent_matter");

    let import = &requests(&server, "POST", "/v1/convai/phone-numbers").await[0];
    assert_eq!(
        import,
        &json!({"provider": "twilio", "phone_number": "+14155552600", "label": "Aurora Branding",
                "sid": "AC0123456789", "token": "twilio-token", "agent_id": "agent_new_1"})
    );
    let (agent_id, synced): (Option<String>, Option<chrono::DateTime<Utc>>) = sqlx::query_as(
        "SELECT elevenlabs_agent_id, agent_synced_at FROM agent_configs WHERE business_id = $1::uuid",
    )
    .bind(A)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(agent_id.as_deref(), Some("agent_new_1"));
    assert!(synced.is_some());
    let pn: Option<String> = sqlx::query_scalar(
        "SELECT elevenlabs_phone_number_id FROM business_phone_numbers WHERE phone_e164 = '+14155552600'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(pn.as_deref(), Some("pn_1"));
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn re_running_updates_in_place_and_never_duplicates(pool: PgPool) {
    setup(&pool).await;
    let server = MockServer::start().await;
    empty_workspace(&server).await;
    agent_updates(&server).await;
    let m = manager(&pool, &server, vec![]);
    m.sync(A.parse().unwrap()).await.unwrap();
    // The workspace now lists the imported number, answered by our agent.
    workspace_numbers(
        &server,
        json!([{"phone_number": "+14155552600", "phone_number_id": "pn_1",
                "assigned_agent": {"agent_id": "agent_new_1", "agent_name": "Aurora"}}]),
    )
    .await;
    let second = m.sync(A.parse().unwrap()).await.unwrap();
    assert_eq!(second.agent, "updated");
    assert_eq!(second.agent_id, "agent_new_1");
    assert_eq!(second.phone_numbers[0].action, "assigned");
    assert_eq!(
        requests(&server, "PATCH", "/v1/convai/phone-numbers/pn_1").await,
        [json!({"agent_id": "agent_new_1"})]
    );
    assert_eq!(
        requests(&server, "POST", "/v1/convai/agents/create")
            .await
            .len(),
        1
    );
    assert_eq!(
        requests(&server, "POST", "/v1/convai/phone-numbers")
            .await
            .len(),
        1
    );
    assert_eq!(
        requests(&server, "POST", "/v1/convai/secrets").await.len(),
        1,
        "the secret is reused"
    );
    let patched = requests(&server, "PATCH", "/v1/convai/agents/agent_new_1").await;
    assert_eq!(patched.len(), 1);
    assert_eq!(
        patched[0],
        requests(&server, "POST", "/v1/convai/agents/create").await[0],
        "the same whole configuration"
    );
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn an_agent_created_before_a_lost_response_is_found_by_name_not_duplicated(pool: PgPool) {
    setup(&pool).await;
    sqlx::query("UPDATE agent_configs SET elevenlabs_agent_id = 'agent_deleted'")
        .execute(&pool)
        .await
        .unwrap();
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .and(path("/v1/convai/agents/agent_deleted"))
        .respond_with(ResponseTemplate::new(404).set_body_json(
            json!({"detail": {"status": "agent_not_found", "message": "Agent not found"}}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/convai/agents"))
        .and(query_param("search", format!("Aurora Branding receptionist [{A}]")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"agents": [
            {"agent_id": "agent_orphan", "name": format!("Aurora Branding receptionist [{A}]"), "tags": []}],
            "has_more": false})))
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/v1/convai/agents/agent_orphan"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"agent_id": "agent_orphan"})))
        .mount(&server)
        .await;
    empty_workspace(&server).await;
    let report = manager(&pool, &server, vec![])
        .sync(A.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(
        (report.agent_id.as_str(), report.agent.as_str()),
        ("agent_orphan", "updated")
    );
    assert!(
        requests(&server, "POST", "/v1/convai/agents/create")
            .await
            .is_empty()
    );
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn webhook_tools_are_registered_once_attached_by_id_and_patched_when_changed(pool: PgPool) {
    setup(&pool).await;
    let server = MockServer::start().await;
    empty_workspace(&server).await;
    Mock::given(method("POST"))
        .and(path("/v1/convai/tools"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"id": "tool_1", "tool_config": {}})),
        )
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/v1/convai/tools/tool_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "tool_1"})))
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/v1/convai/agents/agent_new_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/v1/convai/phone-numbers/pn_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    let tool = |description: &str| WebhookTool {
        name: "check_business_hours".into(),
        tool_config: json!({"type": "webhook", "name": "check_business_hours", "description": description,
            "api_schema": {"url": "https://api.studioconnect.example/api/voice/tools/check_business_hours", "method": "POST"}}),
    };
    let first = manager(&pool, &server, vec![tool("Is the office open?")])
        .sync(A.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(first.tool_ids, vec!["tool_1"]);
    let created = requests(&server, "POST", "/v1/convai/agents/create").await;
    assert_eq!(
        created[0]["conversation_config"]["agent"]["prompt"]["tool_ids"],
        json!(["tool_1"])
    );
    assert_eq!(
        requests(&server, "POST", "/v1/convai/tools").await[0]["tool_config"]["name"],
        "check_business_hours"
    );
    // Unchanged: neither created nor patched again. Changed: patched in place.
    manager(&pool, &server, vec![tool("Is the office open?")])
        .sync(A.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(requests(&server, "POST", "/v1/convai/tools").await.len(), 1);
    assert!(
        requests(&server, "PATCH", "/v1/convai/tools/tool_1")
            .await
            .is_empty()
    );
    manager(&pool, &server, vec![tool("Is the office open right now?")])
        .sync(A.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(
        requests(&server, "PATCH", "/v1/convai/tools/tool_1")
            .await
            .len(),
        1
    );
    assert_eq!(requests(&server, "POST", "/v1/convai/tools").await.len(), 1);
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn the_mid_call_tools_are_registered_at_the_deployment_url_with_the_workspace_secret(
    pool: PgPool,
) {
    setup(&pool).await;
    let server = MockServer::start().await;
    empty_workspace(&server).await;
    Mock::given(method("POST"))
        .and(path("/v1/convai/tools"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"id": "tool_x", "tool_config": {}})),
        )
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/v1/convai/phone-numbers/pn_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    let mut m = manager(&pool, &server, vec![]);
    m.tools = Box::new(shared::call_tools::definitions::webhook_tools);
    m.sync(A.parse().unwrap()).await.unwrap();
    let created = requests(&server, "POST", "/v1/convai/tools").await;
    let names: Vec<&str> = created
        .iter()
        .map(|t| t["tool_config"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "qualification_next",
            "get_project_status",
            "escalate_to_team",
            "take_message",
            "check_business_hours",
            "verify_caller",
            "search_knowledge_base",
        ]
    );
    let secret_id = requests(&server, "POST", "/v1/convai/secrets").await.len();
    assert_eq!(secret_id, 1);
    for tool in &created {
        let api = &tool["tool_config"]["api_schema"];
        assert!(
            api["url"]
                .as_str()
                .unwrap()
                .starts_with("https://api.studioconnect.example/api/voice/tools/")
        );
        assert!(
            api["request_headers"]["x-studioconnect-secret"]["secret_id"]
                .as_str()
                .is_some_and(|id| !id.is_empty())
        );
    }
    let agent = &requests(&server, "POST", "/v1/convai/agents/create").await[0];
    assert_eq!(
        agent["conversation_config"]["agent"]["prompt"]["tool_ids"]
            .as_array()
            .unwrap()
            .len(),
        7
    );
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn elevenlabs_errors_surface_with_their_message_through_the_route(pool: PgPool) {
    setup(&pool).await;
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/convai/agents/create"))
        .respond_with(ResponseTemplate::new(422).set_body_json(json!({"detail": [
            {"loc": ["body", "conversation_config", "tts", "voice_id"], "msg": "Voice EXAVITQu4vr4xnSDxMaL not found", "type": "value_error"}]})))
        .mount(&server)
        .await;
    empty_workspace(&server).await;
    let m = manager(&pool, &server, vec![]);
    match m.sync(A.parse().unwrap()).await {
        Err(SyncError::ElevenLabs(msg)) => assert_eq!(
            msg,
            "ElevenLabs answered 422: body.conversation_config.tts.voice_id: Voice EXAVITQu4vr4xnSDxMaL not found"
        ),
        other => panic!("unexpected {other:?}"),
    }
    let key = SecretString::from("agent-sync-test-key");
    let state = admin_agent_sync::State {
        admin: AdminState {
            db: Database::from_pool(pool.clone()),
            tokens: TokenKeys::new(&key, DEFAULT_TOKEN_TTL),
            now: Utc::now,
            edge: Default::default(),
        },
        agents: m,
    };
    // Every request checks its user: the owner exists.
    let owner: uuid::Uuid = sqlx::query_scalar(
        "INSERT INTO users (email, password_hash, role, business_id)
         VALUES ('owner@aurora.example', '', 'business_owner', $1::uuid) RETURNING id",
    )
    .bind(A)
    .fetch_one(&pool)
    .await
    .unwrap();
    let token = state
        .admin
        .tokens
        .issue(
            &Principal {
                user_id: owner,
                business_id: Some(A.parse().unwrap()),
                role: Role::BusinessOwner,
            },
            Utc::now().timestamp() as u64,
        )
        .unwrap();
    let mut req = Request::new(Body::Empty).with_path_parameters(
        [("id".to_owned(), A.to_owned())]
            .into_iter()
            .collect::<std::collections::HashMap<_, _>>(),
    );
    *req.method_mut() = Method::POST;
    req.headers_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    let resp = admin_agent_sync::handle(&state, req).await;
    assert_eq!(resp.status(), 502);
    let body: Value = serde_json::from_slice(resp.body().as_ref()).unwrap();
    assert_eq!(body["error"]["code"], "elevenlabs_error");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Voice EXAVITQu4vr4xnSDxMaL not found")
    );
    let agent_id: Option<String> = sqlx::query_scalar(
        "SELECT elevenlabs_agent_id FROM agent_configs WHERE business_id = $1::uuid",
    )
    .bind(A)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(agent_id, None, "nothing recorded for a refused create");
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_sync_without_the_post_call_webhook_is_refused_before_calling_elevenlabs(pool: PgPool) {
    setup(&pool).await;
    let server = MockServer::start().await;
    let mut m = manager(&pool, &server, vec![]);
    m.settings.post_call_webhook_id = None;
    assert!(matches!(
        m.sync(A.parse().unwrap()).await,
        Err(SyncError::Config(_))
    ));
    assert!(server.received_requests().await.unwrap().is_empty());
    assert!(matches!(
        m.sync(uuid::Uuid::new_v4().into()).await,
        Err(SyncError::NoSuchBusiness)
    ));
}
