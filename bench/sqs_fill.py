#!/usr/bin/env python3
"""Fills an SQS queue with N 200-byte messages quickly: SendMessageBatch requests (10 each)
pipelined on a few keep-alive connections. Usage: sqs_fill.py ENDPOINT QUEUE_URL N"""
import socket
import sys
import threading
from urllib.parse import urlsplit


def main():
    endpoint, queue_url, total = sys.argv[1], sys.argv[2], int(sys.argv[3])
    host = urlsplit(endpoint)
    entries = ",".join('{"Id":"m%d","MessageBody":"%s"}' % (i, "x" * 200) for i in range(10))
    body = ('{"QueueUrl":"%s","Entries":[%s]}' % (queue_url, entries)).encode()
    head = ("POST / HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-amz-json-1.0\r\n"
            "X-Amz-Target: AmazonSQS.SendMessageBatch\r\nAuthorization: AWS4-HMAC-SHA256 "
            "Credential=test/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=0\r\n"
            "Content-Length: %d\r\n\r\n" % (host.netloc, len(body))).encode()
    request = head + body
    batches = (total + 9) // 10
    workers = 4
    per = [batches // workers + (1 if i < batches % workers else 0) for i in range(workers)]

    def run(n):
        s = socket.create_connection((host.hostname, host.port))
        window = 64
        sent = done = 0
        buf = b""
        while done < n:
            while sent < n and sent - done < window:
                s.sendall(request)
                sent += 1
            chunk = s.recv(1 << 20)
            if not chunk:
                raise SystemExit("connection closed")
            buf += chunk
            # Count complete responses (each has a Content-Length body).
            while True:
                end = buf.find(b"\r\n\r\n")
                if end < 0:
                    break
                hdr = buf[:end].decode()
                if " 200 " not in hdr.split("\r\n")[0]:
                    raise SystemExit("fill failed: " + hdr.split("\r\n")[0])
                length = int([l for l in hdr.split("\r\n") if l.lower().startswith("content-length:")][0].split(":")[1])
                if len(buf) < end + 4 + length:
                    break
                buf = buf[end + 4 + length:]
                done += 1
        s.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in per]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()
