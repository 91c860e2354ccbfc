#!/usr/bin/env bash
# SQS load benchmark (issue goals in bench/README.md), ratios within one run:
#   health   GET /_stratus/health, the HTTP floor
#   send     SendMessage, 200-byte body
#   batch    SendMessageBatch, 10 x 200 bytes
#   steady   ReceiveMessage + DeleteMessage at steady state (queue of LARGE messages)
#   small    ReceiveMessage (VisibilityTimeout 0) on a queue holding 1,000 messages
#   large    ReceiveMessage (VisibilityTimeout 0) on a queue holding LARGE messages
# Builds nothing; expects build/release/stratus and wrk. DURATION (default 5s),
# CONNECTIONS (32), LARGE (1000000 messages).
set -euo pipefail
export LC_ALL=C
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
DURATION="${DURATION:-5s}"
CONNECTIONS="${CONNECTIONS:-32}"
LARGE="${LARGE:-1000000}"
STRATUS="${STRATUS:-build/release/stratus}"
command -v wrk >/dev/null || { echo "wrk not found (apt-get install wrk)" >&2; exit 1; }

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

sqs() {  # sqs OP JSON
  curl -sf -X POST "$URL/" -H "Content-Type: application/x-amz-json-1.0" -H "X-Amz-Target: AmazonSQS.$1" \
    -H "Authorization: AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=0" \
    -d "$2"
}
for q in send small large; do sqs CreateQueue "{\"QueueName\":\"$q\"}" >/dev/null; done
qurl() { echo "$URL/000000000000/$1"; }

declare -A RPS P50 P99
run() {  # run NAME SCRIPT QUEUE [EXTRA ENV]
  local name="$1" script="$2" queue="$3"
  QUEUE_URL="$(qurl "$queue")" "${PIN_W[@]}" wrk -t1 "-c$CONNECTIONS" "-d$DURATION" --latency -s "bench/$script" "$URL" >"$TMP/$name.out"
  local line; line="$(grep '^WRK_RESULT' "$TMP/$name.out")"
  [[ "$line" == *"non2xx=0 errors=0"* ]] || { echo "$name: errors: $line" >&2; cat "$TMP/$name.out" >&2; exit 1; }
  RPS[$name]="$(sed 's/.* rps=\([^ ]*\).*/\1/' <<<"$line")"
  P50[$name]="$(sed 's/.* p50_ms=\([^ ]*\).*/\1/' <<<"$line")"
  P99[$name]="$(sed 's/.* p99_ms=\([^ ]*\).*/\1/' <<<"$line")"
  echo "  $name: ${RPS[$name]} req/s" >&2
}
fill() {  # fill QUEUE MESSAGES
  "${PIN_W[@]}" python3 bench/sqs_fill.py "$URL" "$(qurl "$1")" "$2"
}
count() { sqs GetQueueAttributes "{\"QueueUrl\":\"$(qurl "$1")\",\"AttributeNames\":[\"ApproximateNumberOfMessages\"]}" |
  sed 's/.*"ApproximateNumberOfMessages":"\([0-9]*\)".*/\1/'; }

echo "Filling queues (1,000 and $LARGE messages)" >&2
fill small 1000
fill large "$LARGE"
echo "  small holds $(count small), large holds $(count large)" >&2
run health health.lua send
run send sqs_send.lua send
run batch sqs_send_batch.lua send
run steady sqs_receive_delete.lua large
run small sqs_receive.lua small
run large sqs_receive.lua large

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo
echo "wrk -t1 -c$CONNECTIONS -d$DURATION; stratus --threads 1; $(nproc) CPUs; $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo
printf '| %-44s | %9s | %7s | %7s |\n' target "req/s" "p50 ms" "p99 ms"
echo "|----------------------------------------------|----------:|--------:|--------:|"
for n in health send batch steady small large; do
  case $n in
    health) l="GET /_stratus/health (floor)" ;; send) l="SendMessage (200 B)" ;;
    batch) l="SendMessageBatch (10 x 200 B)" ;; steady) l="Receive+Delete (steady state)" ;;
    small) l="Receive, queue of 1,000" ;; large) l="Receive, queue of $LARGE" ;;
  esac
  printf '| %-44s | %9.0f | %7.3f | %7.3f |\n' "$l" "${RPS[$n]}" "${P50[$n]}" "${P99[$n]}"
done
echo
echo "send/health  = $(ratio "${RPS[send]}" "${RPS[health]}")  (goal >= 0.60)"
echo "large/small  = $(ratio "${RPS[large]}" "${RPS[small]}")  (goal: about 1, receiving from a deep queue as fast as from a small one)"
