#!/usr/bin/env bash
# `make bench`: start PostgreSQL (temp folder, durable defaults), Redis, gunicorn and a Celery
# worker on loopback; generate a million requests; measure the app with wrk and PostgreSQL itself
# with pgbench in the same run; write bench/results/latest.json and print the table.
# Everything it starts is stopped and removed on exit. See bench/README.md.
#
#   bench/run.sh           the whole bench, the student import included
#   bench/run.sh import    the student import alone: PostgreSQL, the import against PostgreSQL's
#                          own COPY of the same rows; bench/results/latest-import.json
#   bench/run.sh dashboards  the dashboard part alone (bench/insights.sh: 10 million generated
#                          requests, rollups against GROUP BY); bench/results/latest-dashboards.json
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=${BENCH_BIN:-$ROOT/.venv/bin}   # another virtualenv's bin/ compares interpreters on the same code
PG_BIN=/usr/lib/postgresql/15/bin
MODE=${1:-all}
case "$MODE" in all|import|dashboards) ;; *) echo "usage: bench/run.sh [import|dashboards]"; exit 2 ;; esac

REQUESTS=${BENCH_REQUESTS:-1000000}
CITIZENS=${BENCH_CITIZENS:-200000}
DURATION=${BENCH_SECONDS:-20}          # each measurement
WARMUP=${BENCH_WARMUP_SECONDS:-4}       # before each app measurement
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PG_PORT=${BENCH_PG_PORT:-$(free_port)}
REDIS_PORT=${BENCH_REDIS_PORT:-$(free_port)}
export BENCH_APP_PORT=${BENCH_APP_PORT:-$(free_port)}
export BENCH_WORKER_CLASS=${BENCH_WORKER_CLASS:-sync}
export BENCH_WORKERS=${BENCH_WORKERS:-4}
export BENCH_THREADS=${BENCH_THREADS:-1}
SUBMIT_CONNECTIONS=${BENCH_SUBMIT_CONNECTIONS:-12}
TRACK_CONNECTIONS=${BENCH_TRACK_CONNECTIONS:-12}
QUEUE_CONNECTIONS=${BENCH_QUEUE_CONNECTIONS:-2}
PG_SUBMIT_CLIENTS=${BENCH_PG_SUBMIT_CLIENTS:-32}
PG_TRACK_CLIENTS=${BENCH_PG_TRACK_CLIENTS:-8}
IMPORT_ROWS=${BENCH_IMPORT_ROWS:-200000}
RESULTS=$ROOT/bench/results

say() { printf '== %s\n' "$*"; }

# --- tools -------------------------------------------------------------------------------
missing=()
[ -x "$PG_BIN/postgres" ] || missing+=(postgresql-15)
if [ "$MODE" = all ]; then
  command -v wrk >/dev/null || missing+=(wrk)
  command -v pgbench >/dev/null || [ -x "$PG_BIN/pgbench" ] || missing+=(postgresql-client-15)
  command -v redis-server >/dev/null || missing+=(redis-server)
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "make bench needs: ${missing[*]} (apt-get install them, or run as root)"; exit 1
  fi
  say "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
PGBENCH=$(command -v pgbench || echo "$PG_BIN/pgbench")
[ -x "$BIN/python" ] || { echo "run 'make install' first (make bench does)"; exit 1; }

# --- temp folder, and stopping everything on the way out ----------------------------------
work=$(mktemp -d /tmp/pishkhan-bench.XXXXXX)
chmod 755 "$work"
export BENCH_RUN_DIR=$work/run BENCH_GUNICORN_PID=$work/gunicorn.pid
mkdir -p "$BENCH_RUN_DIR" "$work/var"
as_postgres() {
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi
}
cleanup() {
  set +e
  [ -f "$work/celery.pid" ] && kill "$(cat "$work/celery.pid")" 2>/dev/null
  [ -f "$BENCH_GUNICORN_PID" ] && kill "$(cat "$BENCH_GUNICORN_PID")" 2>/dev/null
  [ -f "$work/redis.pid" ] && kill "$(cat "$work/redis.pid")" 2>/dev/null
  as_postgres "$PG_BIN/pg_ctl -D '$work/pg' -m immediate stop" >/dev/null 2>&1
  sleep 1
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
say "load average before the run: $load_before ($(nproc) cores)"

# --- PostgreSQL with its durable defaults (fsync, synchronous_commit, full_page_writes on) --
say "PostgreSQL 15 on 127.0.0.1:$PG_PORT (durable defaults) in $work/pg"
mkdir "$work/pg"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$work/pg"
as_postgres "$PG_BIN/initdb -D '$work/pg' -U postgres --auth=trust -E UTF8 --locale=C.UTF-8" >/dev/null
as_postgres "$PG_BIN/pg_ctl -D '$work/pg' -l '$work/pg/log' -w start -o \"-h 127.0.0.1 -p $PG_PORT \
  -k '$work/pg' -c shared_buffers=1GB -c max_connections=200 -c max_wal_size=4GB\"" >/dev/null \
  || { tail -5 "$work/pg/log"; exit 1; }
PSQL=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres)
"${PSQL[@]}" -c "CREATE DATABASE pishkhan" postgres
durability=$("${PSQL[@]}" -At -c "SELECT 'fsync ' || current_setting('fsync') || ', synchronous_commit ' \
  || current_setting('synchronous_commit') || ', full_page_writes ' || current_setting('full_page_writes')" postgres)

# The student import against PostgreSQL's own COPY of the same rows (bench/import_bench.py):
# into emptied education tables, on the server as it is at that point of the run.
student_import() {
  say "student import: $IMPORT_ROWS rows, pishkhan import-students against COPY of the same rows"
  "$BIN/python" bench/import_bench.py generate "$work/students.csv" "$IMPORT_ROWS"
  "$BIN/python" bench/import_bench.py prepare "$work/students.csv" "$work/import"
  BENCH_TREES="db:$(head -1 "$work/pg/postmaster.pid")" \
    "$BIN/python" bench/import_bench.py measure "$work/students.csv" "$work/import" "$BENCH_RUN_DIR/import.json"
}
write_meta() {  # requests_in_db online_skip pending load_after
  "$BIN/python" - "$BENCH_RUN_DIR/meta.json" "$@" <<PY
import json, platform, sys, sysconfig, datetime as dt
requests, online_skip, pending, load_after = sys.argv[2:6]
# The interpreter the app ran on: its build moves every Python figure by a quarter or more
# (docs/performance.md, change 21). A libpython in a shared library is mapped into the process.
shared = any("libpython" in line for line in open("/proc/self/maps"))
optimized = "--enable-optimizations" in (sysconfig.get_config_var("CONFIG_ARGS") or "")
python = (
    f"{platform.python_implementation()} {platform.python_version()} ({sys._base_executable}; "
    f"libpython {'shared' if shared else 'linked in'}"
    f"{', --enable-optimizations' if optimized else ''})"
)
setup = {
    "python": python,
    "postgres": "$("${PSQL[@]}" -At -c "SHOW server_version" postgres)",
    "durability": "$durability",
    "load": f"before $load_before, after {load_after}",
}
if "$MODE" == "all":
    setup.update({
        "gunicorn": "$BENCH_WORKER_CLASS, $BENCH_WORKERS workers x $BENCH_THREADS threads",
        "wrk_connections": {"submit": $SUBMIT_CONNECTIONS, "track": $TRACK_CONNECTIONS, "queue": $QUEUE_CONNECTIONS},
        "pgbench_clients": {"submit": $PG_SUBMIT_CLIENTS, "track": $PG_TRACK_CLIENTS},
        "seconds_each": $DURATION,
        "outbox_backlog_after_run": int(pending),
    })
json.dump({
    "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    "requests_in_db": int(requests) if requests else None,
    "submit_online_not_measured": online_skip or None,
    "setup": setup,
}, open(sys.argv[1], "w"), indent=1)
PY
}

if [ "$MODE" = import ]; then
  export DEBUG=0 SECRET_KEY="bench-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  export ALLOWED_HOSTS=127.0.0.1,localhost LOG_LEVEL=WARNING PISHKHAN_VAR_DIR=$work/var
  export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/pishkhan"
  say "migrate, counties"
  "$BIN/pishkhan" migrate --noinput >/dev/null
  "$BIN/pishkhan" loaddata geography >/dev/null
  student_import
  write_meta "" "" 0 "$(cut -d' ' -f1-3 /proc/loadavg)"
  "$BIN/python" bench/report.py "$BENCH_RUN_DIR" "$RESULTS" --import-only
  exit 0
fi
# The dashboards at 10 million requests, in a database of their own (bench/insights.sh).
if [ "$MODE" = dashboards ]; then
  bench/insights.sh "$PG_PORT" "$BENCH_RUN_DIR" "$work"
  write_meta "" "" 0 "$(cut -d' ' -f1-3 /proc/loadavg)"
  "$BIN/python" bench/report.py "$BENCH_RUN_DIR" "$RESULTS" --dashboards-only
  exit 0
fi

say "Redis on 127.0.0.1:$REDIS_PORT"
redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no --daemonize yes \
  --pidfile "$work/redis.pid" --dir "$work" >/dev/null

# --- the app's environment: production settings on loopback ------------------------------
export DEBUG=0 SECRET_KEY="bench-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
# Staff sign in with a TOTP code (PISHKHAN_STAFF_OTP on, production's default): sessions.py
# answers it with the device prepare.py gives them.
export ALLOWED_HOSTS=127.0.0.1,localhost SECURE_COOKIES=0 PISHKHAN_STAFF_OTP=1 LOG_LEVEL=WARNING
export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/pishkhan" DATABASE_CONN_MAX_AGE=600
export DATABASE_PREPARED_STATEMENTS=${DATABASE_PREPARED_STATEMENTS:-1}
export PISHKHAN_VAR_DIR=$work/var PISHKHAN_TRACK_PER_MINUTE=1000000000
export BENCH_REQUESTS=$REQUESTS BENCH_CITIZENS=$CITIZENS

say "migrate, demo, collectstatic"
t0=$(date +%s)
"$BIN/pishkhan" migrate --noinput >/dev/null
"$BIN/pishkhan" demo --quiet-logins >/dev/null 2>&1
"$BIN/pishkhan" collectstatic --noinput >/dev/null

say "generate $REQUESTS requests ($CITIZENS citizens)"
"$BIN/python" bench/prepare.py people
"$BIN/python" bench/prepare.py samples
"$BIN/python" bench/prepare.py devices
(echo '\timing on'; cat bench/gen_data.sql) | "${PSQL[@]}" -v requests="$REQUESTS" \
  -v citizens="$CITIZENS" pishkhan >"$BENCH_RUN_DIR/gen_data.log"
"${PSQL[@]}" -c "VACUUM ANALYZE" pishkhan
"$BIN/python" bench/prepare.py verify
requests_in_db=$("${PSQL[@]}" -At -c "SELECT count(*) FROM cases_servicerequest" pishkhan)
say "data ready in $(( $(date +%s) - t0 )) s: $requests_in_db requests"

"$BIN/python" bench/prepare.py pgbench "$BENCH_RUN_DIR"

# --- the app: gunicorn and a Celery worker (delivers the outbox's SMS) --------------------
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
say "gunicorn ($BENCH_WORKER_CLASS, $BENCH_WORKERS workers x $BENCH_THREADS threads) and a Celery worker"
"$BIN/gunicorn" -c bench/gunicorn.conf.py pishkhan.wsgi >"$work/gunicorn.log" 2>&1 &
"$BIN/celery" -A pishkhan worker --pool=solo --concurrency=1 -l warning \
  --without-heartbeat --without-mingle --without-gossip >"$work/celery.log" 2>&1 &
echo $! >"$work/celery.pid"
for _ in $(seq 60); do
  curl -s -o /dev/null "http://127.0.0.1:$BENCH_APP_PORT/track/" && break
  sleep 0.5
done
"$BIN/python" bench/sessions.py "http://127.0.0.1:$BENCH_APP_PORT" "$work/sessions.env"
# shellcheck disable=SC1091
. "$work/sessions.env"
export BENCH_WRK_DIR=$ROOT/bench/wrk BENCH_PDF=$BENCH_RUN_DIR/doc.pdf BENCH_RUN_ID=$(date +%s)
export BENCH_TREES="app:$(cat "$BENCH_GUNICORN_PID") db:$(head -1 "$work/pg/postmaster.pid") worker:$(cat "$work/celery.pid") redis:$(cat "$work/redis.pid")"

APP="http://127.0.0.1:$BENCH_APP_PORT"
checkpoint() { "${PSQL[@]}" -c "CHECKPOINT" pishkhan; }
pg() {  # name script clients
  "$BIN/python" bench/measure.py "$1" -- "$PGBENCH" -h 127.0.0.1 -p "$PG_PORT" -U postgres -n \
    -M prepared -c "$3" -j 2 -T "$DURATION" -D k=0 -D requests="$REQUESTS" -D citizens="$CITIZENS" \
    -l --log-prefix="$BENCH_RUN_DIR/$1_log" -f "$2" pishkhan
}
app() {  # name lua connections [--count-requests] [path]
  local name=$1 lua=$2 connections=$3 count=${4:-} path=${5:-/}
  BENCH_WRK_OUT=/dev/null wrk -t1 -c "$connections" -d "${WARMUP}s" -s "bench/wrk/$lua" "$APP$path" >/dev/null
  BENCH_WRK_OUT="$BENCH_RUN_DIR/$name.wrk.json" "$BIN/python" bench/measure.py "$name" $count -- \
    wrk -t1 -c "$connections" -d "${DURATION}s" --timeout 10s -s "bench/wrk/$lua" "$APP$path"
}

say "PostgreSQL alone: the writes of one submission ($PG_SUBMIT_CLIENTS clients, ${DURATION} s)"
checkpoint
pg pg_submit "$BENCH_RUN_DIR/submit.sql" "$PG_SUBMIT_CLIENTS"
say "PostgreSQL alone: the tracking look-up ($PG_TRACK_CLIENTS clients, ${DURATION} s)"
"$PGBENCH" -h 127.0.0.1 -p "$PG_PORT" -U postgres -n -M prepared -t 200 -D requests="$REQUESTS" \
  -D citizens="$CITIZENS" -f "$BENCH_RUN_DIR/track_check.sql" pishkhan >"$BENCH_RUN_DIR/track_check.out" 2>&1 \
  || { echo "the look-up script does not find the generated requests:"; tail -3 "$BENCH_RUN_DIR/track_check.out"; exit 1; }
pg pg_track "$BENCH_RUN_DIR/track.sql" "$PG_TRACK_CLIENTS"

# pgbench's submissions wrote outbox rows too; nobody waits for them, and the app's worker would
# otherwise deliver them during the app's measurements.
"${PSQL[@]}" -c "UPDATE notify_outboxmessage SET status = 'sent' WHERE status = 'pending'" pishkhan
pending_sql="SELECT count(*) FROM notify_outboxmessage WHERE status = 'pending'"
say "app: submit at the office counter ($SUBMIT_CONNECTIONS connections, ${DURATION} s)"
checkpoint
BENCH_FORM=OFFICE app submit_office submit.lua "$SUBMIT_CONNECTIONS" --count-requests
online_skip=""
if [ -n "${BENCH_PORTAL_PATH:-}" ]; then
  say "app: submit online ($SUBMIT_CONNECTIONS connections, ${DURATION} s)"
  checkpoint
  BENCH_FORM=PORTAL app submit_online submit.lua "$SUBMIT_CONNECTIONS" --count-requests
else
  online_skip=${BENCH_PORTAL_SKIP:-the portal is not there}
  say "app: submit online not measured: $online_skip"
fi
say "app: tracking look-ups ($TRACK_CONNECTIONS connections, ${DURATION} s)"
app track track.lua "$TRACK_CONNECTIONS"
say "app: tracking look-ups, whole page as without JavaScript ($TRACK_CONNECTIONS connections, ${DURATION} s)"
BENCH_TRACK_FULL_PAGE=1 app track_full_page track.lua "$TRACK_CONNECTIONS"
say "app: the officer's queue ($QUEUE_CONNECTIONS connections, ${DURATION} s)"
app queue queue.lua "$QUEUE_CONNECTIONS"

sleep 2  # the last drain (queued a second after the last submission)
pending=$("${PSQL[@]}" -At -c "$pending_sql" pishkhan)

if [ "${BENCH_BARE:-1}" = 1 ]; then
  # Calibration: what Django itself costs here, under the same middleware, gunicorn and server.
  say "calibration: bare views, the look-up alone and a two-row submission alone"
  old_app=$(cat "$BENCH_GUNICORN_PID")
  kill "$old_app"
  while kill -0 "$old_app" 2>/dev/null; do sleep 0.2; done
  DJANGO_SETTINGS_MODULE=bare_settings PYTHONPATH="$ROOT/bench/calibration${PYTHONPATH:+:$PYTHONPATH}" \
    "$BIN/gunicorn" -c bench/gunicorn.conf.py pishkhan.wsgi >>"$work/gunicorn.log" 2>&1 &
  for _ in $(seq 60); do
    curl -s -o /dev/null "$APP/track/" && [ -f "$BENCH_GUNICORN_PID" ] && break
    sleep 0.5
  done
  BENCH_TREES="app:$(cat "$BENCH_GUNICORN_PID") ${BENCH_TREES#app:* }"
  BENCH_BARE_VIEW=track app bare_track bare.lua "$TRACK_CONNECTIONS"
  checkpoint
  BENCH_BARE_VIEW=submit app bare_submit bare.lua "$SUBMIT_CONNECTIONS" --count-requests
fi
if [ "${BENCH_IMPORT:-1}" = 1 ]; then
  student_import
fi
if [ "${BENCH_DASHBOARDS:-1}" = 1 ]; then
  bench/insights.sh "$PG_PORT" "$BENCH_RUN_DIR" "$work"
fi
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
write_meta "$requests_in_db" "$online_skip" "$pending" "$load_after"
"$BIN/python" bench/report.py "$BENCH_RUN_DIR" "$RESULTS"
rm -rf "$RESULTS/last-run" && mkdir -p "$RESULTS/last-run"
cp "$BENCH_RUN_DIR"/*.json "$BENCH_RUN_DIR"/*.sql "$BENCH_RUN_DIR"/*.out "$BENCH_RUN_DIR"/*.log "$RESULTS/last-run/" 2>/dev/null || true
