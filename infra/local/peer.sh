# `./infra/local/bench peer`: our initiation webhook beside the seed's stack done right (Node 20 +
# Express 5 + Prisma 7, `../shared/peer`), on the same 1,000 x 100 x 20 dataset, under the same wrk
# load, one server at a time. Sourced by infra/local/bench after its Postgres, moto and release build.
#
# Fairness: both databases run on the same PostgreSQL build with the same settings (durable commits),
# in two clusters; the peer's schema and seed are its own (`schema.sql`). Our businesses let unverified
# known callers hear their projects (`unverified_caller_access = 'projects'`) for this run, so both
# sides load the client's open projects into the prompt (the peer always does). Our side also records
# a call start per call; the peer writes nothing.

PEER_RESULTS="$STATE/peer-results.txt"

# The peer's sources: PEER_SRC, else ../shared/peer beside the checkout, else the workplace's copy.
peer_sources() {
  local candidate
  for candidate in "${PEER_SRC:-}" "$ROOT/../shared/peer" /work/shared/peer; do
    if [ -n "$candidate" ] && [ -f "$candidate/server.ts" ]; then (cd "$candidate" && pwd); return; fi
  done
  die "the peer's sources were not found: set PEER_SRC to the folder holding server.ts"
}

# Builds the peer in a scratch folder as its README says, again only when its sources change.
peer_build() {
  local src=$1 dir=$2 stamp
  stamp=$(cd "$src" && cat package.json prisma/schema.prisma prisma.config.ts server.ts tsconfig.json | sha256sum)
  if [ -f "$dir/dist/server.js" ] && [ "$(cat "$dir/.stamp" 2>/dev/null)" = "$stamp" ]; then return; fi
  command -v npm >/dev/null || die "npm is required (it comes with Node.js)"
  log "building the peer in ${dir#"$ROOT"/} (npm install, prisma generate, tsc)"
  rm -rf "$dir" && mkdir -p "$dir"
  cp -r --no-preserve=mode "$src"/. "$dir"/   # the sources may be read-only; npm rewrites package.json
  (
    cd "$dir"
    npm install --no-audit --no-fund --loglevel=error prisma@7 @prisma/client@7 @prisma/adapter-pg@7 pg express@5 \
      typescript@5 @types/express @types/pg >/dev/null
    # The CLI would otherwise download a schema-engine binary; generating the client needs none.
    PRISMA_SCHEMA_ENGINE_BINARY=/bin/true PRISMA_ENGINES_CHECKSUM_IGNORE_MISSING=1 npx prisma generate >/dev/null
    npx tsc -p .
  )
  echo "$stamp" >"$dir/.stamp"
}

# wrk_run LABEL URL LOAD_SCRIPT CONNECTIONS SECONDS: one measured run; appends "LABEL rps p50 p99" to the results.
wrk_run() {
  local label=$1 url=$2 script=$3 conns=$4 secs=$5 out="$STATE/wrk-$1.txt"
  wrk -t1 -c"$conns" -d"${secs}s" --latency -s "$script" "$url" >"$out"
  if grep -qE "Non-2xx|Socket errors" "$out"; then cat "$out" >&2; die "$label: wrk saw errors"; fi
  # wrk prints latencies as 812.00us, 3.41ms or 1.02s; in milliseconds here.
  awk -v label="$label" '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec:/ { rps = $2 }
    $1 == "50%" { p50 = ms($2) } $1 == "99%" { p99 = ms($2) }
    END { printf "%s %.0f %.2f %.2f\n", label, rps, p50, p99 }' "$out" | tee -a "$PEER_RESULTS" >&2
}

# warm_up URL LOAD_SCRIPT EXPECT: 5 s of the same load, every answer checked (peer-check.lua).
# EXPECT: Lua patterns separated by ";" that every answer must match.
warm_up() {
  local out
  out=$(LOAD_SCRIPT=$2 EXPECT=$3 wrk -t1 -c8 -d5s -s "$LOCAL/peer-check.lua" "$1")
  local checked
  checked=$(awk '/^checked/ {print $2, $3}' <<<"$out")
  read -r good bad <<<"$checked"
  [ "${bad:-1}" = 0 ] && [ "${good:-0}" -gt 0 ] || { echo "$out" >&2; die "warm-up answers were not known-client personalizations"; }
  log "warm-up: $good answers, every one a known client's personalization with their projects"
}

# peak_rss PID: the process's peak resident memory, MiB.
peak_rss() { awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }

# measure_side LABEL PID PORT LOAD_SCRIPT EXPECT: one server (already starting as PID): the checked
# warm-up, then one connection (a request's own duration, as one Lambda environment serves it: the
# cost model), 8 and 32; its peak memory; then stops it.
measure_side() {
  local label=$1 pid=$2 url="http://127.0.0.1:$3" script=$4
  STARTED_PIDS+=("$pid")
  wait_for_port 127.0.0.1 "$3" 30 "$label"
  warm_up "$url" "$script" "$5"
  wrk_run "$label-c1" "$url" "$script" 1 10
  wrk_run "$label-c8" "$url" "$script" 8 "$secs"
  wrk_run "$label-c32" "$url" "$script" 32 "$secs"
  echo "$label-rss $(peak_rss "$pid")" >>"$PEER_RESULTS"
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

peer_bench() {
  local src dir="$STATE/peer-app" pport=${BENCH_PEER_PORT:-39100} ppg=${BENCH_PEER_PG_PORT:-54344}
  local oport=${BENCH_PEER_OURS_PORT:-54345} psql peer_url
  secs=${PEER_SECONDS:-20}
  src=$(peer_sources)
  command -v wrk >/dev/null || apt_install wrk
  peer_build "$src" "$dir"
  psql="$(pg_bin)/psql"
  : >"$PEER_RESULTS"

  log "the peer's database: its own cluster, same PostgreSQL build and settings as ours (port $ppg)"
  PG_SERVER_OPTS="" start_cluster peer "$ppg" peer
  peer_url="postgresql://postgres@127.0.0.1:$ppg/peer"
  if [ "$("$psql" -tAc 'SELECT count(*) FROM "Project"' "$peer_url" 2>/dev/null)" != 2000000 ]; then
    log "seeding the peer's 1,000 x 100 x 20 (its schema.sql)"
    "$psql" -q -v ON_ERROR_STOP=1 "$peer_url" -c 'DROP SCHEMA public CASCADE; CREATE SCHEMA public' -f "$src/schema.sql"
  fi
  "$psql" -q "$peer_url" -c 'VACUUM (ANALYZE)'

  log "our database: the same dataset (benches/seed.sql), known callers hear their projects"
  if [ "$("$psql" -tAc 'SELECT count(*) FROM projects' "$DATABASE_URL")" != 2000000 ]; then
    "$psql" -q -v ON_ERROR_STOP=1 "$DATABASE_URL" -f "$ROOT/functions/elevenlabs-personalization/benches/seed.sql"
  fi
  # Back to the default whatever happens next: the other benches measure the default mode.
  trap "\"$psql\" -q \"$DATABASE_URL\" -c \"UPDATE agent_configs SET unverified_caller_access = 'name'\" || true; stop_started" EXIT
  "$psql" -q "$DATABASE_URL" -c "UPDATE agent_configs SET unverified_caller_access = 'projects' WHERE unverified_caller_access <> 'projects'"
  "$psql" -q "$DATABASE_URL" -c 'VACUUM (ANALYZE)'
  log "call_starts holds $("$psql" -tAc 'SELECT count(*) FROM call_starts' "$DATABASE_URL") rows"

  log "peer: node dist/server.js on 127.0.0.1:$pport"
  (cd "$dir" && DATABASE_URL="$peer_url" PORT=$pport exec node dist/server.js >"$STATE/peer-server.log" 2>&1) &
  measure_side peer $! "$pport" "$src/req.lua" \
    '"caller_type":"existing";"caller_name":"Client [0-9]+";"open_projects":"Project [0-9]+: '

  log "ours: the local gateway (release) on 127.0.0.1:$oport, every function on its production path"
  GATEWAY_ADDR="127.0.0.1:$oport" "$ROOT/target/release/local-gateway" serve &
  measure_side ours $! "$oport" "$src/project.lua" '"caller_name":"Client [0-9]+%-[0-9]+";Project [0-9]+ for Client'

  awk '
    { v[$1 "-rps"] = $2; v[$1 "-p50"] = $3; v[$1 "-p99"] = $4 }
    $1 ~ /-rss$/ { v[$1] = $2 }
    END {
      printf "\n%-22s %14s %14s %10s\n", "", "peer", "ours", "ours/peer"
      printf "%-22s %12.2f ms %11.2f ms %9.3f\n", "p50 at c1", v["peer-c1-p50"], v["ours-c1-p50"], v["ours-c1-p50"] / v["peer-c1-p50"]
      split("c8 c32", cs, " ")
      for (i = 1; i <= 2; i++) {
        c = cs[i]
        printf "%-22s %14.0f %14.0f %9.1fx\n", "req/s at " c, v["peer-" c "-rps"], v["ours-" c "-rps"], v["ours-" c "-rps"] / v["peer-" c "-rps"]
        printf "%-22s %12.2f ms %11.2f ms %9.3f\n", "p50 at " c, v["peer-" c "-p50"], v["ours-" c "-p50"], v["ours-" c "-p50"] / v["peer-" c "-p50"]
        printf "%-22s %12.2f ms %11.2f ms %9.3f\n", "p99 at " c, v["peer-" c "-p99"], v["ours-" c "-p99"], v["ours-" c "-p99"] / v["peer-" c "-p99"]
      }
      printf "%-22s %11.0f MiB %10.0f MiB\n", "peak memory", v["peer-rss"], v["ours-rss"]
    }' "$PEER_RESULTS"
}
