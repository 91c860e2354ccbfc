#!/usr/bin/env bash
# Kinesis load benchmark, ratios within one run (figures in bench/README.md):
#   health   GET /_stratus/health, the HTTP floor
#   put      PutRecord, 200 B
#   puts     PutRecords, 500 x 200 B (a stream of 4 shards, 500 partition keys)
#   get      GetRecords, 1,000 records of 200 B per call (one shard)
# Builds nothing; expects build/release/stratus and wrk. DURATION (default 5s), CONNECTIONS (32).
set -euo pipefail
export LC_ALL=C
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
DURATION="${DURATION:-5s}"
CONNECTIONS="${CONNECTIONS:-32}"
STRATUS="${STRATUS:-build/release/stratus}"
command -v wrk >/dev/null || { echo "wrk not found (apt-get install wrk)" >&2; exit 1; }

source bench/lib.sh

kinesis() {  # kinesis OP JSON
  curl -sf -X POST "$URL/" -H "Content-Type: application/x-amz-json-1.1" -H "X-Amz-Target: Kinesis_20131202.$1" \
    -H "Authorization: AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/kinesis/aws4_request, SignedHeaders=host, Signature=0" \
    -d "$2"
}
kinesis CreateStream '{"StreamName":"bench","ShardCount":4}' >/dev/null
kinesis CreateStream '{"StreamName":"read","ShardCount":1}' >/dev/null
for _ in $(seq 100); do
  kinesis DescribeStreamSummary '{"StreamName":"read"}' | grep -q '"ACTIVE"' && break
  sleep 0.05
done
data="$(printf 'x%.0s' $(seq 200) | base64 -w0)"
records="$(for i in $(seq 500); do printf '{"Data":"%s","PartitionKey":"k%d"},' "$data" "$i"; done)"
echo "{\"StreamName\":\"read\",\"Records\":[${records%,}]}" >"$TMP/put.json"
for _ in 1 2; do kinesis PutRecords "@$TMP/put.json" >/dev/null; done
iterator="$(kinesis GetShardIterator '{"StreamName":"read","ShardId":"shardId-000000000000","ShardIteratorType":"TRIM_HORIZON"}' |
  sed 's/.*"ShardIterator":"\([^"]*\)".*/\1/')"

wrk_run health "$CONNECTIONS" health.lua
wrk_run put "$CONNECTIONS" kinesis_put_record.lua STREAM=bench
wrk_run puts "$CONNECTIONS" kinesis_put_records.lua STREAM=bench
wrk_run get "$CONNECTIONS" kinesis_get_records.lua ITERATOR="$iterator" LIMIT=1000

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo
echo "wrk -t1 -c$CONNECTIONS -d$DURATION; stratus --threads 1; $(nproc) CPUs; $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo
printf '| %-44s | %9s | %7s | %7s | %11s |\n' target "req/s" "p50 ms" "p99 ms" "records/s"
echo "|----------------------------------------------|----------:|--------:|--------:|------------:|"
for n in health put puts get; do
  case $n in
    health) l="GET /_stratus/health (floor)"; per=0 ;; put) l="PutRecord (200 B)"; per=1 ;;
    puts) l="PutRecords (500 x 200 B)"; per=500 ;; get) l="GetRecords (1,000 x 200 B per call)"; per=1000 ;;
  esac
  printf '| %-44s | %9.0f | %7.3f | %7.3f | %11.0f |\n' "$l" "${RPS[$n]}" "${P50[$n]}" "${P99[$n]}" \
    "$(awk -v r="${RPS[$n]}" -v p="$per" 'BEGIN { print r * p }')"
done
echo
echo "put/health   = $(ratio "${RPS[put]}" "${RPS[health]}")"
echo "puts/health  = $(ratio "${RPS[puts]}" "${RPS[health]}")  (each call carries 500 records, ~134 KB)"
echo "get/health   = $(ratio "${RPS[get]}" "${RPS[health]}")  (each answer carries 1,000 records, ~300 KB)"
