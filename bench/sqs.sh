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

source bench/lib.sh

sqs() {  # sqs OP JSON
  curl -sf -X POST "$URL/" -H "Content-Type: application/x-amz-json-1.0" -H "X-Amz-Target: AmazonSQS.$1" \
    -H "Authorization: AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=0" \
    -d "$2"
}
for q in send small large; do sqs CreateQueue "{\"QueueName\":\"$q\"}" >/dev/null; done
qurl() { echo "$URL/000000000000/$1"; }

fill() {  # fill QUEUE MESSAGES
  "${PIN_W[@]}" python3 bench/sqs_fill.py "$URL" "$(qurl "$1")" "$2"
}
count() { sqs GetQueueAttributes "{\"QueueUrl\":\"$(qurl "$1")\",\"AttributeNames\":[\"ApproximateNumberOfMessages\"]}" |
  sed 's/.*"ApproximateNumberOfMessages":"\([0-9]*\)".*/\1/'; }

echo "Filling queues (1,000 and $LARGE messages)" >&2
fill small 1000
fill large "$LARGE"
echo "  small holds $(count small), large holds $(count large)" >&2
wrk_run health "$CONNECTIONS" health.lua QUEUE_URL="$(qurl send)"
wrk_run send "$CONNECTIONS" sqs_send.lua QUEUE_URL="$(qurl send)"
wrk_run batch "$CONNECTIONS" sqs_send_batch.lua QUEUE_URL="$(qurl send)"
wrk_run steady "$CONNECTIONS" sqs_receive_delete.lua QUEUE_URL="$(qurl large)"
wrk_run small "$CONNECTIONS" sqs_receive.lua QUEUE_URL="$(qurl small)"
wrk_run large "$CONNECTIONS" sqs_receive.lua QUEUE_URL="$(qurl large)"

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
