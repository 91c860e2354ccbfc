# Shared by bench/sqs.sh and bench/sns.sh (sourced): starts one stratus with one thread on
# the first CPU, and runs wrk on the second, collecting WRK_RESULT figures.
# Sets: TMP, URL, PIN_W; arrays RPS, P50, P99. Needs STRATUS.

TMP="$(mktemp -d)"
PID=""
cleanup() { [[ -z "$PID" ]] || kill "$PID" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT
PIN_S=() PIN_W=()
if command -v taskset >/dev/null && (($(nproc) >= 2)); then PIN_S=(taskset -c 0) PIN_W=(taskset -c 1); fi
"${PIN_S[@]}" stdbuf -oL "$STRATUS" --port 0 --log-level warn --threads 1 >"$TMP/s.log" 2>&1 &
PID=$!
for _ in $(seq 200); do grep -q "ready on" "$TMP/s.log" && break; sleep 0.05; done
URL="$(sed -n 's#.*ready on \(http://[^ ]*\).*#\1#p' "$TMP/s.log")"
[[ -n "$URL" ]] || { cat "$TMP/s.log" >&2; exit 1; }

declare -A RPS P50 P99
# wrk_run NAME CONNECTIONS SCRIPT [ENV=VALUE...]: one measured wrk run of DURATION.
wrk_run() {
  local name="$1" conns="$2" script="$3"
  shift 3
  env "$@" "${PIN_W[@]}" wrk -t1 "-c$conns" "-d$DURATION" --latency -s "bench/$script" "$URL" >"$TMP/$name.out"
  local line; line="$(grep '^WRK_RESULT' "$TMP/$name.out")"
  [[ "$line" == *"non2xx=0 errors=0"* ]] || { echo "$name: errors: $line" >&2; cat "$TMP/$name.out" >&2; exit 1; }
  RPS[$name]="$(sed 's/.* rps=\([^ ]*\).*/\1/' <<<"$line")"
  P50[$name]="$(sed 's/.* p50_ms=\([^ ]*\).*/\1/' <<<"$line")"
  P99[$name]="$(sed 's/.* p99_ms=\([^ ]*\).*/\1/' <<<"$line")"
  echo "  $name: ${RPS[$name]} req/s" >&2
}
