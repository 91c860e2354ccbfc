#!/usr/bin/env python3
"""Publish-to-receive latency: publishes N messages one at a time to a topic with one SQS
subscriber and measures, for each, the time until a long-polling receiver has it.
Usage: sns_latency.py ENDPOINT TOPIC_ARN QUEUE_URL N"""
import statistics
import sys
import time

import boto3


def main():
    endpoint, topic, queue, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    kw = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test",
              aws_secret_access_key="test")
    sns, sqs = boto3.client("sns", **kw), boto3.client("sqs", **kw)
    samples = []
    for i in range(n):
        t0 = time.perf_counter()
        sns.publish(TopicArn=topic, Message=f"m{i}")
        got = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=5).get("Messages", [])
        samples.append((time.perf_counter() - t0) * 1000)
        for m in got:
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])
    samples.sort()
    print(f"publish-to-receive over {n}: p50 {statistics.median(samples):.2f} ms, "
          f"p99 {samples[int(len(samples) * 0.99) - 1]:.2f} ms (boto3 client time included)")


if __name__ == "__main__":
    main()
