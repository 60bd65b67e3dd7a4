#!/usr/bin/env python3
"""The on-sale race against a running halshop: BUYERS guests at once for PLACES places.

    python3 scripts/onsale.py BASE_URL APP_KEY SECRET [BUYERS] [PLACES] [CONCURRENCY]

Creates an event of PLACES places and a ticket product of it (as the merchant APP_KEY),
then sends BUYERS orders of one ticket each, CONCURRENCY at a time (default: all at once,
at most 256). Prints one line: orders/s, p50 and p99 in ms, how many got a place, how many
were answered sold_out, other answers, and the oversell count (places sold beyond the
capacity, as counted from the answers and from the event): it must be 0. Exits 1 when
anything was oversold. Only for a server of your own on this machine.
"""
import base64
import concurrent.futures as cf
import datetime
import json
import sys
import time
import urllib.error
import urllib.request
from collections import Counter

BASE = sys.argv[1].rstrip("/")
AUTH = "Basic " + base64.b64encode(f"{sys.argv[2]}:{sys.argv[3]}".encode()).decode()
BUYERS = int(sys.argv[4]) if len(sys.argv) > 4 else 500
PLACES = int(sys.argv[5]) if len(sys.argv) > 5 else 50
WORKERS = int(sys.argv[6]) if len(sys.argv) > 6 else min(BUYERS, 256)


def call(method, path, body=None, auth=True):
    request = urllib.request.Request(
        path if path.startswith("http") else BASE + path,
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers={"content-type": "application/json", **({"authorization": AUTH} if auth else {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


starts = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=30)
stamp = lambda at: at.strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
status, event = call("POST", "/events", {
    "title": f"On-sale benchmark {int(time.time())}", "venue": "Benchmark hall",
    "starts_at": stamp(starts), "ends_at": stamp(starts + datetime.timedelta(hours=3)),
    "time_zone": "UTC", "capacity": PLACES,
})
assert status == 201, event
event_url = event["_links"]["self"]["href"]
status, ticket = call("POST", "/products", {
    "sku": f"ONSALE-{event['uid'][:12]}", "kind": "ticket", "title": "On-sale benchmark ticket",
    "price": {"amount": "25.00", "currency": "EUR"}, "event": event_url, "max_per_order": 1,
})
assert status == 201, ticket
cart = {
    "products": [{"product": ticket["_links"]["self"]["href"], "quantity": 1}],
    "consumer": {"email": "buyer@example.com", "first_name": "On", "last_name": "Sale", "country": "BE"},
}


def buy(_):
    started = time.perf_counter()
    status, body = call("POST", "/orders", cart, auth=False)
    code = "placed" if status == 201 else body.get("code", str(status))
    return code, time.perf_counter() - started


started = time.perf_counter()
with cf.ThreadPoolExecutor(WORKERS) as pool:
    results = list(pool.map(buy, range(BUYERS)))
elapsed = time.perf_counter() - started
codes = Counter(code for code, _ in results)
latencies = sorted(latency for _, latency in results)
p = lambda q: latencies[min(len(latencies) - 1, int(q / 100 * len(latencies)))] * 1000  # noqa: E731
_, now = call("GET", event_url, auth=False)
placed = codes.pop("placed", 0)
sold_out = codes.pop("sold_out", 0)
oversold = max(placed - PLACES, -now["available"], 0)
print(
    f"on-sale: {BUYERS} buyers, {WORKERS} at a time, for {PLACES} places: "
    f"{BUYERS / elapsed:.0f} orders/s, p50 {p(50):.1f} ms, p99 {p(99):.1f} ms; "
    f"{placed} placed, {sold_out} sold_out, other {dict(codes)}; "
    f"available now {now['available']}; oversold {oversold}"
)
sys.exit(1 if oversold else 0)
