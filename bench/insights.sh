#!/usr/bin/env bash
# The dashboard part of `make bench` (bench/README.md, docs/insights.md): in its own database on
# the bench's PostgreSQL, `pishkhan generate` makes BENCH_DASHBOARD_REQUESTS requests (10 million)
# with their audit trails and the rollups; VACUUM ANALYZE; then bench/dashboards.py times the
# national and Tehran's dashboards (last 30 days, all time) from the rollups, as the pages over
# HTTP (gunicorn on this database, signed in as the demo's regulator and supervisor), and by
# plain GROUP BY over the requests and events. Writes $BENCH_RUN_DIR/generate.json and
# dashboards.json for report.py.
#
#   bench/insights.sh PG_PORT RUN_DIR [WORK_DIR]     (run.sh calls it; the PostgreSQL is running)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=$ROOT/.venv/bin
PG_PORT=$1
RUN_DIR=$2
WORK=${3:-$(mktemp -d /tmp/pishkhan-dashboards.XXXXXX)}
REQUESTS=${BENCH_DASHBOARD_REQUESTS:-10000000}
DB=${BENCH_DASHBOARD_DB:-pishkhan_dashboards}
PSQL=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres)
say() { printf '== %s\n' "$*"; }
mkdir -p "$RUN_DIR" "$WORK/var"

pid=""
stop() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; }
trap stop EXIT

"${PSQL[@]}" -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" postgres
export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/$DB" DATABASE_CONN_MAX_AGE=600
export DEBUG=0 SECRET_KEY=${SECRET_KEY:-"bench-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"}
export ALLOWED_HOSTS=127.0.0.1,localhost SECURE_COOKIES=0 PISHKHAN_STAFF_OTP=0 LOG_LEVEL=WARNING
export PISHKHAN_VAR_DIR=${PISHKHAN_VAR_DIR:-$WORK/var}
say "dashboards: migrate, demo into $DB"
"$BIN/pishkhan" migrate --noinput >/dev/null
"$BIN/pishkhan" demo --quiet-logins >/dev/null 2>&1
[ -f "$PISHKHAN_VAR_DIR/static/staticfiles.json" ] || "$BIN/pishkhan" collectstatic --noinput >/dev/null

say "dashboards: pishkhan generate --requests $REQUESTS (COPY, then the rollups in SQL)"
"$BIN/pishkhan" generate --requests "$REQUESTS" --json "$RUN_DIR/generate.json" | tee "$RUN_DIR/generate.log"
t0=$(date +%s)
"${PSQL[@]}" -c "VACUUM ANALYZE" "$DB"
say "dashboards: VACUUM ANALYZE in $(( $(date +%s) - t0 )) s"

url=""
if [ "${BENCH_DASHBOARD_PAGES:-1}" = 1 ]; then
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  BENCH_APP_PORT=$port BENCH_WORKERS=2 BENCH_GUNICORN_PID=$WORK/dash-gunicorn.pid \
    "$BIN/gunicorn" -c bench/gunicorn.conf.py pishkhan.wsgi >"$WORK/dash-gunicorn.log" 2>&1 &
  pid=$!
  for _ in $(seq 60); do
    curl -s -o /dev/null "http://127.0.0.1:$port/" && break
    sleep 0.5
  done
  url="http://127.0.0.1:$port"
fi
say "dashboards: timing the national and Tehran's views (rollups${url:+, pages} and GROUP BY)"
"$BIN/python" bench/dashboards.py "$RUN_DIR/dashboards.json" ${url:+--url "$url"}
