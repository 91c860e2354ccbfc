#!/usr/bin/env python3
"""Fills a DynamoDB table quickly: BatchWriteItem requests (25 items each) pipelined on a few
keep-alive connections.
Usage: dynamodb_fill.py ENDPOINT TABLE N get        items k0..k{N-1} with a 1,000-byte attribute
       dynamodb_fill.py ENDPOINT TABLE N query P    items pk p{i % P}, sk i // P, 50-byte attribute"""
import json
import socket
import sys
import threading
from urllib.parse import urlsplit


def item(mode: str, i: int, partitions: int) -> dict:
    if mode == "get":
        return {"pk": {"S": f"k{i}"}, "data": {"S": "x" * 1000}}
    return {"pk": {"S": f"p{i % partitions}"}, "sk": {"N": str(i // partitions)}, "data": {"S": "y" * 50}}


def main():
    endpoint, table, total, mode = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    partitions = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    host = urlsplit(endpoint)
    batches = (total + 24) // 25
    workers = 4

    def request(b: int) -> bytes:
        items = [{"PutRequest": {"Item": item(mode, i, partitions)}} for i in range(b * 25, min(total, b * 25 + 25))]
        body = json.dumps({"RequestItems": {table: items}}, separators=(",", ":")).encode()
        head = ("POST / HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-amz-json-1.0\r\n"
                "X-Amz-Target: DynamoDB_20120810.BatchWriteItem\r\nAuthorization: AWS4-HMAC-SHA256 "
                "Credential=test/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0\r\n"
                "Content-Length: %d\r\n\r\n" % (host.netloc, len(body))).encode()
        return head + body

    def run(mine):
        s = socket.create_connection((host.hostname, host.port))
        window = 32
        sent = done = 0
        buf = b""
        n = len(mine)
        while done < n:
            while sent < n and sent - done < window:
                s.sendall(request(mine[sent]))
                sent += 1
            chunk = s.recv(1 << 20)
            if not chunk:
                raise SystemExit("connection closed")
            buf += chunk
            while True:
                end = buf.find(b"\r\n\r\n")
                if end < 0:
                    break
                hdr = buf[:end].decode()
                if " 200 " not in hdr.split("\r\n")[0]:
                    raise SystemExit("fill failed: " + hdr.split("\r\n")[0] + " " + buf[end:end + 300].decode())
                length = int([l for l in hdr.split("\r\n") if l.lower().startswith("content-length:")][0].split(":")[1])
                if len(buf) < end + 4 + length:
                    break
                buf = buf[end + 4 + length:]
                done += 1
        s.close()

    threads = [threading.Thread(target=run, args=(list(range(w, batches, workers)),)) for w in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()
