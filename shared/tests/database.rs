//! The core data model on real Postgres: every test gets a fresh database with all migrations.

use sqlx::PgPool;

const BIZ_A: &str = "00000000-0000-4000-8000-00000000000a";
const BIZ_B: &str = "00000000-0000-4000-8000-00000000000b";

async fn two_businesses(pool: &PgPool) {
    sqlx::query("INSERT INTO businesses (id, name, timezone) VALUES ($1::uuid, 'A', 'UTC'), ($2::uuid, 'B', 'Europe/London')")
        .bind(BIZ_A)
        .bind(BIZ_B)
        .execute(pool)
    .await
    .unwrap();
}

async fn add_client(pool: &PgPool, business: &str, phone: &str) -> Result<uuid::Uuid, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let id: uuid::Uuid = sqlx::query_scalar(
        "INSERT INTO clients (business_id, name) VALUES ($1::uuid, 'Client') RETURNING id",
    )
    .bind(business)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("INSERT INTO client_phone_numbers (client_id, business_id, phone_e164) VALUES ($1, $2::uuid, $3)")
        .bind(id)
        .bind(business)
        .bind(phone)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(id)
}

fn violated_constraint(e: sqlx::Error) -> String {
    e.as_database_error()
        .and_then(|d| d.constraint().map(str::to_owned))
        .unwrap_or_else(|| e.to_string())
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn pgvector_is_available(pool: PgPool) {
    let v: String = sqlx::query_scalar("SELECT '[1,2,3]'::vector::text")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(v, "[1,2,3]");
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_called_number_belongs_to_one_business(pool: PgPool) {
    two_businesses(&pool).await;
    let insert = |b: &'static str| {
        sqlx::query("INSERT INTO business_phone_numbers (business_id, phone_e164) VALUES ($1::uuid, '+14155552600')").bind(b)
    };
    insert(BIZ_A).execute(&pool).await.unwrap();
    let err = insert(BIZ_B).execute(&pool).await.unwrap_err();
    assert_eq!(
        violated_constraint(err),
        "business_phone_numbers_phone_e164_key"
    );
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn client_phones_are_unique_per_business_only(pool: PgPool) {
    two_businesses(&pool).await;
    add_client(&pool, BIZ_A, "+14155552671").await.unwrap();
    add_client(&pool, BIZ_B, "+14155552671")
        .await
        .expect("another tenant may know the same caller");
    let err = add_client(&pool, BIZ_A, "+14155552671").await.unwrap_err();
    assert_eq!(violated_constraint(err), "client_phone_numbers_pkey");
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn non_e164_phones_are_refused(pool: PgPool) {
    two_businesses(&pool).await;
    let err = add_client(&pool, BIZ_A, "(415) 555-2671")
        .await
        .unwrap_err();
    assert_eq!(
        violated_constraint(err),
        "client_phone_numbers_phone_e164_check"
    );
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_project_cannot_point_at_another_tenants_client(pool: PgPool) {
    two_businesses(&pool).await;
    let client_of_b = add_client(&pool, BIZ_B, "+14155552671").await.unwrap();
    let err = sqlx::query(
        "INSERT INTO projects (business_id, client_id, provider, external_id, name, status) VALUES ($1::uuid, $2, 'manual', 'p1', 'P', 'todo')",
    )
    .bind(BIZ_A)
    .bind(client_of_b)
    .execute(&pool)
    .await
    .unwrap_err();
    assert_eq!(
        violated_constraint(err),
        "projects_client_id_business_id_fkey"
    );
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn deleting_a_client_keeps_its_projects_unlinked(pool: PgPool) {
    two_businesses(&pool).await;
    let client = add_client(&pool, BIZ_A, "+14155552671").await.unwrap();
    sqlx::query("INSERT INTO projects (business_id, client_id, provider, external_id, name, status) VALUES ($1::uuid, $2, 'jira', 'P-1', 'P', 'todo')")
        .bind(BIZ_A)
        .bind(client)
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("DELETE FROM clients WHERE id = $1")
        .bind(client)
        .execute(&pool)
        .await
        .unwrap();
    let (business, linked): (uuid::Uuid, Option<uuid::Uuid>) =
        sqlx::query_as("SELECT business_id, client_id FROM projects")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((business.to_string().as_str(), linked), (BIZ_A, None));
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn qualification_questions_can_be_reordered_in_one_transaction(pool: PgPool) {
    two_businesses(&pool).await;
    sqlx::query(
        "INSERT INTO qualification_questions (business_id, position, question, field_key, expected_format) VALUES
           ($1::uuid, 0, 'Name?', 'full_name', 'text'), ($1::uuid, 1, 'Email?', 'email', 'email')",
    )
    .bind(BIZ_A)
    .execute(&pool)
    .await
    .unwrap();
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("SET CONSTRAINTS ALL DEFERRED")
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE qualification_questions SET position = 1 - position WHERE business_id = $1::uuid",
    )
    .bind(BIZ_A)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let first: String =
        sqlx::query_scalar("SELECT field_key FROM qualification_questions WHERE position = 0")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(first, "email");
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn choice_questions_need_choices_and_only_they_have_them(pool: PgPool) {
    two_businesses(&pool).await;
    let insert = |format: &'static str, choices: Vec<&'static str>| {
        sqlx::query("INSERT INTO qualification_questions (business_id, position, question, field_key, expected_format, choices) VALUES ($1::uuid, 0, 'Q?', 'q', $2, $3)")
            .bind(BIZ_A)
            .bind(format)
            .bind(choices)
    };
    assert!(
        insert("choice", vec!["only-one"])
            .execute(&pool)
            .await
            .is_err()
    );
    assert!(insert("text", vec!["a", "b"]).execute(&pool).await.is_err());
    insert("choice", vec!["a", "b"])
        .execute(&pool)
        .await
        .unwrap();
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn voice_settings_stay_within_elevenlabs_ranges(pool: PgPool) {
    two_businesses(&pool).await;
    let set = |column: &str, value: f32| {
        // `column` is one of the literal names below.
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO agent_configs (business_id, {column}) VALUES ($1::uuid, $2) ON CONFLICT (business_id) DO UPDATE SET {column} = $2"
        )))
            .bind(BIZ_A)
            .bind(value)
            .execute(&pool)
    };
    set("speed", 1.2).await.unwrap();
    assert!(set("speed", 1.3).await.is_err());
    assert!(set("stability", -0.1).await.is_err());
    assert!(set("similarity_boost", 1.01).await.is_err());
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn only_platform_admins_stand_outside_a_tenant(pool: PgPool) {
    two_businesses(&pool).await;
    let insert = |email: &'static str, role: &'static str, business: Option<&'static str>| {
        sqlx::query("INSERT INTO users (email, password_hash, role, business_id) VALUES ($1, 'x', $2, $3::uuid)")
            .bind(email)
            .bind(role)
            .bind(business)
    };
    insert("admin@studioconnect.example", "platform_admin", None)
        .execute(&pool)
        .await
        .unwrap();
    insert("owner@a.example", "business_owner", Some(BIZ_A))
        .execute(&pool)
        .await
        .unwrap();
    assert!(
        insert("orphan@a.example", "business_member", None)
            .execute(&pool)
            .await
            .is_err()
    );
    assert!(
        insert("Owner@A.example", "business_owner", Some(BIZ_A))
            .execute(&pool)
            .await
            .is_err(),
        "emails are stored lower-case"
    );
    assert!(
        insert("owner@a.example", "business_member", Some(BIZ_B))
            .execute(&pool)
            .await
            .is_err(),
        "emails are unique"
    );
}

/// Every function's pool bounds its statements (`DB_STATEMENT_TIMEOUT_MS`): Postgres cancels one
/// that runs longer, and the caller gets an error it can answer with, not a hang.
#[tokio::test]
async fn a_statement_over_the_functions_bound_is_cancelled() {
    use std::time::Duration;
    let url = std::env::var("DATABASE_URL").expect("run the tests with ./infra/local/test");
    let settings = shared::config::DatabaseSettings::Url {
        url: url.into(),
        max_connections: 1,
    };
    let db = shared::db::Database::connect_lazy(
        &settings,
        &shared::aws::sdk_config().await,
        Duration::from_secs(5),
        Duration::from_millis(200),
    )
    .await
    .unwrap();
    let err = sqlx::query("SELECT pg_sleep(5)")
        .execute(db.pool().await.unwrap())
        .await
        .unwrap_err();
    assert_eq!(
        err.as_database_error().and_then(|d| d.code()).as_deref(),
        Some("57014"),
        "query_canceled: {err}"
    );
    // The connection stays usable.
    let one: i32 = sqlx::query_scalar("SELECT 1")
        .fetch_one(db.pool().await.unwrap())
        .await
        .unwrap();
    assert_eq!(one, 1);
}

/// A server that ends the session (an administrator, a shutdown, a crash: SQLSTATE 57P01) is a
/// dependency down, a 503 to retry; a statement of ours that is wrong stays a 500.
#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_server_going_away_is_a_503_and_our_mistake_a_500(pool: PgPool) {
    use shared::error::ApiError;
    let mut doomed = pool.acquire().await.unwrap();
    let ended = sqlx::query("SELECT pg_terminate_backend(pg_backend_pid())")
        .execute(&mut *doomed)
        .await
        .unwrap_err();
    let answer = ApiError::from(ended);
    assert_eq!(
        (answer.status().as_u16(), answer.code()),
        (503, "unavailable")
    );
    let wrong = sqlx::query("SELECT no_such_column FROM businesses")
        .execute(&pool)
        .await
        .unwrap_err();
    assert_eq!(ApiError::from(wrong).status().as_u16(), 500);
}

/// Deleting a row finds the rows whose foreign keys point at it through an index, never by
/// reading the referencing table across every business: each foreign key has an index whose
/// first column is one of its columns (for a key with `business_id`, one business's rows), whole
/// or partial on that column being set.
#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn every_foreign_key_is_served_by_an_index(pool: PgPool) {
    let unserved: Vec<(String, String)> = sqlx::query_as(
        "SELECT c.conrelid::regclass::text, c.conname::text
         FROM pg_constraint c
         WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace
           AND NOT EXISTS (
               SELECT 1 FROM pg_index i
               WHERE i.indrelid = c.conrelid
                 AND i.indkey[0] = ANY (c.conkey)
                 AND (i.indpred IS NULL
                      OR pg_get_expr(i.indpred, i.indrelid) = format('(%I IS NOT NULL)',
                             (SELECT a.attname FROM pg_attribute a
                              WHERE a.attrelid = i.indrelid AND a.attnum = i.indkey[0]))))
         ORDER BY 1, 2",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(unserved, Vec::<(String, String)>::new());
}

/// A page of the projects list reads its rows in the list's order from an index (sorting and
/// reading the whole table are switched off on the one connection, so only such an index can
/// serve it without them).
#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_page_of_projects_is_read_in_order_from_an_index(pool: PgPool) {
    use shared::pm::store::overview::{ProjectFilter, project_page};
    use shared::store::Keyset;
    two_businesses(&pool).await;
    for n in 0..30 {
        sqlx::query("INSERT INTO projects (business_id, provider, external_id, name, status, stale_since) VALUES ($1::uuid, 'jira', $2, 'P', 'todo', CASE WHEN $3 THEN now() END)")
            .bind(BIZ_A)
            .bind(format!("P-{n}"))
            .bind(n % 3 == 0)
            .execute(&pool)
            .await
            .unwrap();
    }
    sqlx::raw_sql(
        "DO $$ BEGIN
             EXECUTE format('ALTER DATABASE %I SET enable_seqscan = off', current_database());
             EXECUTE format('ALTER DATABASE %I SET enable_sort = off', current_database());
         END $$",
    )
    .execute(&pool)
    .await
    .unwrap();
    let one = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect_with((*pool.connect_options()).clone())
        .await
        .unwrap();
    let scans = || async {
        sqlx::query("SELECT pg_stat_force_next_flush()")
            .execute(&one)
            .await
            .unwrap();
        sqlx::query_scalar::<_, i64>(
            "SELECT COALESCE((SELECT idx_scan FROM pg_stat_user_indexes
                              WHERE indexrelname = 'projects_business_list_idx'), -1)",
        )
        .fetch_one(&one)
        .await
        .unwrap()
    };
    let before = scans().await;
    let filter = ProjectFilter {
        search: None,
        client_id: None,
        page: Keyset {
            before: (chrono::DateTime::<chrono::Utc>::MAX_UTC, uuid::Uuid::max()),
            rank_before: None,
            limit: 10,
        },
    };
    let page = project_page(
        &one,
        shared::domain::BusinessId::new(BIZ_A.parse().unwrap()),
        &filter,
    )
    .await
    .unwrap();
    assert_eq!(page.len(), 10);
    assert!(page.iter().all(|p| !p.stale), "live projects come first");
    assert!(
        scans().await > before,
        "the page was read through projects_business_list_idx"
    );
}
