#!/usr/bin/env bash
# Runs every SafetyBot test. Installs what the tests need when it is missing (Debian's redis-server and
# chromium, the Node packages of the official Direct Line clients), starts a redis-server on a free
# loopback port for the run, and ends by printing one line: "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v redis-cli >/dev/null 2>&1 || missing+=(redis-tools)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "Installing ${missing[*]} ..."
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ ! -f tests/node/node_modules/.package-lock.json ] || ! cmp -s tests/node/package-lock.json tests/node/node_modules/.safetybot-lock; then
  echo "Installing the Node packages of the official clients ..."
  (cd tests/node && npm ci --no-audit --no-fund --loglevel=error && cp package-lock.json node_modules/.safetybot-lock) \
    || { echo "npm ci failed"; echo "0 passed, 1 failed"; exit 1; }
fi

work="$(mktemp -d -t safetybot-test-XXXXXX)"
cleanup() {
  # Stop redis-server and let it finish writing its log before its directory goes, so nothing prints after the
  # result line.
  if [ -f "$work/redis.pid" ]; then
    pid="$(cat "$work/redis.pid")"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -rf "$work" 2>/dev/null || true
}
trap cleanup EXIT

# A port below the kernel's ephemeral range (so no outgoing connection holds it); retried if taken meanwhile.
port=""
for _ in $(seq 1 20); do
  candidate=$(( (RANDOM % 12000) + 20000 ))
  if (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then continue; fi
  rm -f "$work/redis.pid"
  redis-server --port "$candidate" --bind 127.0.0.1 --dir "$work" --save '' --appendonly no \
    --daemonize yes --pidfile "$work/redis.pid" --logfile "$work/redis.log" >/dev/null
  for _ in $(seq 1 50); do
    [ "$(redis-cli -p "$candidate" ping 2>/dev/null)" = "PONG" ] && { port=$candidate; break; }
    sleep 0.1
  done
  [ -n "$port" ] && break
  if [ -f "$work/redis.pid" ]; then kill "$(cat "$work/redis.pid")" 2>/dev/null || true; fi
done
if [ -z "$port" ]; then
  echo "redis-server did not start on a loopback port"; cat "$work/redis.log"; echo "0 passed, 1 failed"; exit 1
fi
export SAFETYBOT_TEST_REDIS="127.0.0.1:$port"
echo "Redis for the tests: $SAFETYBOT_TEST_REDIS"

results="$work/results"
echo "Building ..."
dotnet build "$root/SafetyBot.sln" -v quiet -nologo || { echo "0 passed, 1 failed"; exit 1; }
status=0
for project in "$root"/tests/*.Tests/*.Tests.csproj; do
  name="$(basename "$project" .csproj)"
  echo "== $name"
  dotnet test "$project" --no-build --nologo --logger "trx;LogFileName=$name.trx" --results-directory "$results" "$@" || status=$?
done

passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*' "$trx" | head -1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters"); p=${p:-0}
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters"); f=${f:-0}
  s=$(sed -n 's/.* notExecuted="\([0-9]*\)".*/\1/p' <<<"$counters"); s=${s:-0}
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
done
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
exit "$status"
