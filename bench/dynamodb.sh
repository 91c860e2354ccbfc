#!/usr/bin/env bash
# DynamoDB load benchmark (issue goals in bench/README.md), ratios within one run:
#   health   GET /_stratus/health, the HTTP floor
#   put      PutItem, 1 KB items, a new key each request
#   get      GetItem, random keys of a table of 10,000 1 KB items
#   small    Query, a 100-item page from a table of 1,000 items (10 partitions x 100)
#   large    Query, a 100-item page from a table of LARGE items (1,000 partitions)
# Builds nothing; expects build/release/stratus and wrk. DURATION (default 5s),
# CONNECTIONS (32), LARGE (1000000 items), ROUNDS (5; each figure is the median round).
set -euo pipefail
export LC_ALL=C
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
DURATION="${DURATION:-5s}"
CONNECTIONS="${CONNECTIONS:-32}"
LARGE="${LARGE:-1000000}"
ROUNDS="${ROUNDS:-5}"
STRATUS="${STRATUS:-build/release/stratus}"
command -v wrk >/dev/null || { echo "wrk not found (apt-get install wrk)" >&2; exit 1; }

source bench/lib.sh

ddb() {  # ddb OP JSON
  curl -sf -X POST "$URL/" -H "Content-Type: application/x-amz-json-1.0" -H "X-Amz-Target: DynamoDB_20120810.$1" \
    -H "Authorization: AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0" \
    -d "$2"
}
hash_table() {
  ddb CreateTable "{\"TableName\":\"$1\",\"BillingMode\":\"PAY_PER_REQUEST\",
    \"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"}],
    \"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}]}" >/dev/null
}
sorted_table() {
  ddb CreateTable "{\"TableName\":\"$1\",\"BillingMode\":\"PAY_PER_REQUEST\",
    \"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"},{\"AttributeName\":\"sk\",\"AttributeType\":\"N\"}],
    \"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"},{\"AttributeName\":\"sk\",\"KeyType\":\"RANGE\"}]}" >/dev/null
}
count() { ddb DescribeTable "{\"TableName\":\"$1\"}" | sed 's/.*"ItemCount":\([0-9]*\).*/\1/'; }

hash_table puts
hash_table gets
sorted_table small
sorted_table large
LARGE_PARTS=$((LARGE / 100 < 1000 ? LARGE / 100 : 1000))  # at least 100 items per partition
echo "Filling tables (10,000 1 KB items; 1,000 and $LARGE items)" >&2
"${PIN_W[@]}" python3 bench/dynamodb_fill.py "$URL" gets 10000 get
"${PIN_W[@]}" python3 bench/dynamodb_fill.py "$URL" small 1000 query 10
"${PIN_W[@]}" python3 bench/dynamodb_fill.py "$URL" large "$LARGE" query "$LARGE_PARTS"
echo "  gets holds $(count gets), small $(count small), large $(count large)" >&2
# The first Query after a table has doubled lays it out again in key order (the service
# README, "Memory layout"), a 4,096-item chunk at a time from the event loop; let that finish
# before measuring, as it would after a bulk load (about 1 s for 1M items).
for t in small large; do
  ddb Query "{\"TableName\":\"$t\",\"Limit\":1,\"KeyConditionExpression\":\"pk = :p\",\"ExpressionAttributeValues\":{\":p\":{\"S\":\"p0\"}}}" >/dev/null
done
while curl -sf "$URL/_stratus/dynamodb/layout" | grep -q '"in_progress":true'; do sleep 0.2; done
# ROUNDS interleaved rounds; each target reports its median round, so a burst of load from
# elsewhere on the machine moves one round, not the comparison.
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
for r in $(seq "$ROUNDS"); do
  wrk_run "health$r" "$CONNECTIONS" health.lua
  wrk_run "put$r" "$CONNECTIONS" dynamodb_put.lua TABLE=puts
  wrk_run "get$r" "$CONNECTIONS" dynamodb_get.lua TABLE=gets KEYS=10000
  wrk_run "small$r" "$CONNECTIONS" dynamodb_query.lua TABLE=small PARTITIONS=10 PER=100
  wrk_run "large$r" "$CONNECTIONS" dynamodb_query.lua TABLE=large PARTITIONS="$LARGE_PARTS" PER=$((LARGE / LARGE_PARTS))
done
for n in health put get small large; do
  for m in RPS P50 P99; do
    declare -n arr="$m"
    vals=()
    for r in $(seq "$ROUNDS"); do vals+=("${arr[$n$r]}"); done
    arr[$n]="$(median "${vals[@]}")"
    unset -n arr
  done
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
# A ratio's figure: the median over rounds of the ratio within each round (its two runs were
# measured one after the other, so a slow spell of the machine moves both); the ratio of the
# medians follows in brackets.
round_ratio() {  # round_ratio A B
  local vals=() r
  for r in $(seq "$ROUNDS"); do vals+=("$(ratio "${RPS[$1$r]}" "${RPS[$2$r]}")"); done
  printf '%s (per round: %s; of the medians: %s)' "$(median "${vals[@]}")" "${vals[*]}" "$(ratio "${RPS[$1]}" "${RPS[$2]}")"
}
echo
echo "wrk -t1 -c$CONNECTIONS -d$DURATION, median of $ROUNDS rounds; stratus --threads 1; $(nproc) CPUs; $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo
printf '| %-44s | %9s | %7s | %7s |\n' target "req/s" "p50 ms" "p99 ms"
echo "|----------------------------------------------|----------:|--------:|--------:|"
for n in health put get small large; do
  case $n in
    health) l="GET /_stratus/health (floor)" ;; put) l="PutItem (1 KB)" ;; get) l="GetItem (1 KB)" ;;
    small) l="Query 100 items, table of 1,000" ;; large) l="Query 100 items, table of $LARGE" ;;
  esac
  printf '| %-44s | %9.0f | %7.3f | %7.3f |\n' "$l" "${RPS[$n]}" "${P50[$n]}" "${P99[$n]}"
done
echo
echo "put/health   = $(round_ratio put health)  (goal >= 0.60)"
echo "get/health   = $(round_ratio get health)  (goal >= 0.60)"
echo "large/small  = $(round_ratio large small)  (goal: about 1, a Query page as fast on $LARGE items as on 1,000)"
