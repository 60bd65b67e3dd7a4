#!/usr/bin/env python3
"""A small load test of a running halshop: catalogue reads mixed with guest orders.

    python3 scripts/load.py [BASE_URL] [REQUESTS] [CONCURRENCY]

Defaults: http://127.0.0.1:8080, 2000 requests, 32 at a time; one request in five places an
order (a write transaction). Prints the status counts, throughput and latency percentiles.
Only for a server of your own on this machine.
"""
import concurrent.futures as cf
import json
import sys
import time
import urllib.error
import urllib.request
from collections import Counter

BASE = sys.argv[1].rstrip("/") if len(sys.argv) > 1 else "http://127.0.0.1:8080"
TOTAL = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
WORKERS = int(sys.argv[3]) if len(sys.argv) > 3 else 32

products = json.load(urllib.request.urlopen(BASE + "/products?kind=ebook"))["_embedded"]["shop:products"]
if not products:
    sys.exit("no ebook in the catalogue: start the server with the demo data")


def one(i):
    if i % 5 == 0:
        product = products[i % len(products)]
        body = json.dumps({
            "products": [{"product": product["_links"]["self"]["href"], "quantity": 1}],
            "consumer": {"email": f"load{i}@example.com", "first_name": "Load", "last_name": "Test",
                         "country": "CA", "region": "QC"},
        }).encode()
        request = urllib.request.Request(BASE + "/orders", data=body, headers={"content-type": "application/json"})
    else:
        request = urllib.request.Request(BASE + "/products?page_size=5")
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except Exception as error:  # noqa: BLE001 - a refused connection is a result too
        status = type(error).__name__
    return status, time.perf_counter() - started


started = time.perf_counter()
with cf.ThreadPoolExecutor(WORKERS) as pool:
    results = list(pool.map(one, range(TOTAL)))
elapsed = time.perf_counter() - started
latencies = sorted(latency for _, latency in results)


def percentile(p):
    return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000


print(f"statuses: {dict(Counter(status for status, _ in results))}")
print(f"{TOTAL} requests, {WORKERS} at a time: {TOTAL / elapsed:.0f} req/s over {elapsed:.1f} s")
print(f"latency ms: p50 {percentile(50):.1f}  p95 {percentile(95):.1f}  p99 {percentile(99):.1f}  max {latencies[-1] * 1000:.1f}")
