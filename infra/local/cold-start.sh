# `./infra/local/bench cold-start`: cold start of every function's Lambda binary (release), exec ->
# first response, with the database on loopback, each on an event it really answers. Sourced by
# infra/local/bench after its PostgreSQL, moto and provisioning.
#
# How the events are made: a release gateway records, per function, the last event it invoked it
# with (GATEWAY_RECORD_EVENTS, infra/gateway/src/record.rs) while the demos drive a whole call, a
# post-call delivery and a Jira connection, and cold_starts.py the rest; then each binary is started
# COLD_START_RUNS times (default 10) on its event by target/release/cold-start.

cold_start_bench() {
  local port=${BENCH_COLD_GATEWAY_PORT:-54346} fport=${BENCH_COLD_FAKES_PORT:-54347}
  local recorded="$STATE/cold-events" server password=cold-start-password-$RANDOM$RANDOM
  if [ "${BENCH_BUILD:-1}" != 0 ]; then
    log "building every function's Lambda binary (release)"
    cargo build --release --locked --workspace --bins
  fi
  GATEWAY="$ROOT/target/release/local-gateway" OPERATOR="$ROOT/target/release/studioconnect"
  FAKE_VENDORS_BIN="$ROOT/target/release/fake-vendors"

  # A database of its own on the bench server, made anew with the demo tenant.
  server=${DATABASE_URL%/*}
  "$(pg_bin)/psql" -q "$server/postgres" -c "DROP DATABASE IF EXISTS studioconnect_cold WITH (FORCE)" \
    -c "CREATE DATABASE studioconnect_cold"
  export DATABASE_URL="$server/studioconnect_cold"
  "$GATEWAY" migrate
  "$(pg_bin)/psql" -q -v ON_ERROR_STOP=1 "$DATABASE_URL" -f "$LOCAL/seed.sql" >/dev/null
  STUDIOCONNECT_PASSWORD=$password "$OPERATOR" user create --email owner@aurora.example --role business_owner \
    --business a0a0a0a0-0000-4000-8000-000000000001 >/dev/null
  STUDIOCONNECT_PASSWORD=$password "$OPERATOR" user create --email member@aurora.example --role business_member \
    --business a0a0a0a0-0000-4000-8000-000000000001 >/dev/null

  rm -rf "$recorded"
  start_fake_vendors "$fport"
  GATEWAY_RECORD_EVENTS="$recorded" start_gateway "$port"
  log "driving every function once through the gateway (recording their events)"
  local demo_env=(GATEWAY_PORT="$port" FAKE_VENDORS_PORT="$fport" DEMO_PASSWORD="$password" DATABASE_URL="$DATABASE_URL")
  # post-call-demo ends on a tampered delivery (a 401); call-demo's last one is genuine: it goes second.
  env "${demo_env[@]}" "$LOCAL/post-call-demo" >/dev/null
  env "${demo_env[@]}" "$LOCAL/call-demo" >/dev/null
  env "${demo_env[@]}" "$LOCAL/pm-demo" >/dev/null
  curl -sSf -XPOST "http://127.0.0.1:$port/_local/schedules/ElevenLabsReconcileFunction" >/dev/null
  log "cold starts: each function's binary started ${COLD_START_RUNS:-10} times on its recorded event"
  "$VENV/bin/python" "$LOCAL/cold_starts.py" --gateway "http://127.0.0.1:$port" --email owner@aurora.example \
    --password "$password" --recorded "$recorded" --root "$ROOT" --runs "${COLD_START_RUNS:-10}"
}
