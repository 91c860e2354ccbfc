#!/usr/bin/env bash
# SNS benchmark: Publish throughput and latency to a topic with 1 and with 10 SQS
# subscribers (delivery is asynchronous, so publish latency should not grow with them), the
# HTTP floor in the same run, and publish-to-receive latency. Builds nothing.
set -euo pipefail
export LC_ALL=C
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
DURATION="${DURATION:-5s}"
CONNECTIONS="${CONNECTIONS:-32}"
STRATUS="${STRATUS:-build/release/stratus}"
source bench/lib.sh

python3 - "$URL" >"$TMP/setup" <<'PY'
import sys, boto3
kw = dict(endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
sns, sqs = boto3.client("sns", **kw), boto3.client("sqs", **kw)
for name, n in (("one", 1), ("ten", 10)):
    t = sns.create_topic(Name=name)["TopicArn"]
    for i in range(n):
        q = sqs.create_queue(QueueName=f"{name}-{i}")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=q, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=t, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    print(name, t)
t = sns.create_topic(Name="latency")["TopicArn"]
q = sqs.create_queue(QueueName="latency")["QueueUrl"]
arn = sqs.get_queue_attributes(QueueUrl=q, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
sns.subscribe(TopicArn=t, Protocol="sqs", Endpoint=arn)
print("latency", t, q)
PY

ONE="$(awk '$1=="one"{print $2}' "$TMP/setup")"
TEN="$(awk '$1=="ten"{print $2}' "$TMP/setup")"
wrk_run health "$CONNECTIONS" health.lua
wrk_run one "$CONNECTIONS" sns_publish.lua TOPIC_ARN="$ONE"
wrk_run ten "$CONNECTIONS" sns_publish.lua TOPIC_ARN="$TEN"
# Latency of a single publisher (the server not saturated): delivery happens after the answer.
wrk_run one1 1 sns_publish.lua TOPIC_ARN="$ONE"
wrk_run ten1 1 sns_publish.lua TOPIC_ARN="$TEN"
LAT="$(python3 bench/sns_latency.py "$URL" $(awk '$1=="latency"{print $2, $3}' "$TMP/setup") 200)"

echo
echo "wrk -t1 -c$CONNECTIONS -d$DURATION; stratus --threads 1; $(nproc) CPUs; $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo
printf '| %-36s | %9s | %7s | %7s |\n' target "req/s" "p50 ms" "p99 ms"
echo "|--------------------------------------|----------:|--------:|--------:|"
printf '| %-36s | %9.0f | %7.3f | %7.3f |\n' "GET /_stratus/health (floor)" "${RPS[health]}" "${P50[health]}" "${P99[health]}"
printf '| %-36s | %9.0f | %7.3f | %7.3f |\n' "Publish, 1 SQS subscriber" "${RPS[one]}" "${P50[one]}" "${P99[one]}"
printf '| %-36s | %9.0f | %7.3f | %7.3f |\n' "Publish, 10 SQS subscribers" "${RPS[ten]}" "${P50[ten]}" "${P99[ten]}"
printf '| %-36s | %9.0f | %7.3f | %7.3f |\n' "Publish, 1 subscriber, 1 connection" "${RPS[one1]}" "${P50[one1]}" "${P99[one1]}"
printf '| %-36s | %9.0f | %7.3f | %7.3f |\n' "Publish, 10 subscribers, 1 connection" "${RPS[ten1]}" "${P50[ten1]}" "${P99[ten1]}"
echo
echo "$LAT"
awk -v a="${P50[ten1]}" -v b="${P50[one1]}" 'BEGIN { printf "single-publisher p50, 10 subscribers / 1 = %.2f (goal: publish latency does not grow with subscribers)\n", a / b }'
