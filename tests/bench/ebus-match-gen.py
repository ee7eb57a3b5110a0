#!/usr/bin/env python3
"""Deterministic inputs for the ebus-match benchmark (standard library only).

  ebus-match-gen.py events [-n 100000] [--seed 7]   EventBridge events, ~1 KB
  ebus-match-gen.py rules  [-n 100]    [--seed 7]   rules, AWS NDJSON shape

The events are application events (orders, logins, uploads, network flows)
with nested objects, arrays of objects, IP addresses, numbers of every
form (integers, decimals, exponents, negatives) and free text.  The rules
use every operator of the pattern language: exact values, prefix, suffix
(with and without equals-ignore-case), equals-ignore-case, anything-but
(values, lists, prefix, suffix, wildcard, equals-ignore-case), numeric
comparisons and ranges, exists true and false, cidr (IPv4 and IPv6),
wildcard, $or and fields in arrays of objects.  The same -n and --seed
always give the same bytes.
"""
import argparse
import json
import random
import sys

SOURCES = ["shop.orders", "shop.auth", "media.uploads", "net.flows", "shop.billing"]
TYPES = {
    "shop.orders": ["OrderPlaced", "OrderShipped", "OrderCancelled"],
    "shop.auth": ["LoginSucceeded", "LoginFailed", "PasswordReset"],
    "media.uploads": ["ObjectCreated", "ObjectDeleted"],
    "net.flows": ["FlowAccepted", "FlowRejected"],
    "shop.billing": ["InvoiceIssued", "PaymentCaptured", "PaymentDeclined"],
}
REGIONS = ["eu-west-1", "eu-central-1", "us-east-1", "us-west-2", "ap-south-1", "sa-east-1"]
STATES = ["new", "Active", "SUSPENDED", "closed", "Pending"]
EXTS = [".png", ".JPG", ".gif", ".tmp", ".bak", ".pdf", ".csv"]
DIRS = ["/srv/media", "/home/ann/photos", "/var/lib/cache", "/tmp/upload", "/opt/app/lib/x"]
WORDS = ("alpha beta gamma delta epsilon zeta theta kappa lambda sigma omega "
         "invoice parcel retry timeout refund review warehouse courier").split()
COUNTRIES = ["DE", "FR", "IE", "US", "BR", "IN", "JP", "ES"]


def ipv4(r):
    net = r.choice(["10", "172", "192", "203"])
    return "%s.%d.%d.%d" % (net, r.randint(0, 255), r.randint(0, 255), r.randint(1, 254))


def ipv6(r):
    return "2001:db8:%x:%x::%x" % (r.randint(0, 15), r.randint(0, 65535), r.randint(1, 65535))


def number(r):
    k = r.random()
    if k < 0.4:
        return r.randint(-50, 5000)
    if k < 0.8:
        return round(r.uniform(-100, 10000), 2)
    return float("%.3e" % r.uniform(1, 1e6))


def event(r, i):
    src = r.choice(SOURCES)
    lines = []
    for _ in range(r.randint(1, 4)):
        lines.append({"sku": "SKU-%04d" % r.randint(0, 9999),
                      "qty": r.randint(1, 9),
                      "price": round(r.uniform(0.5, 900), 2),
                      "flags": r.sample(["gift", "fragile", "bulk", "eco"], r.randint(0, 2))})
    detail = {
        "state": r.choice(STATES),
        "amount": number(r),
        "delta": -r.randint(0, 500),
        "ratio": round(r.random(), 6),
        "user": {"name": r.choice(["ann", "Bob", "CHEN", "dana", "Émile"]),
                 "country": r.choice(COUNTRIES),
                 "ip": ipv4(r) if r.random() < 0.8 else ipv6(r),
                 "tier": r.choice(["free", "pro", "enterprise"])},
        "lines": lines,
        "path": "%s/%s%s" % (r.choice(DIRS), r.choice(WORDS), r.choice(EXTS)),
        "arn": "arn:aws:s3:::%s-bucket/%s/%d" % (r.choice(WORDS), r.choice(["logs", "data", "tmp"]), i),
        "note": " ".join(r.choice(WORDS) for _ in range(r.randint(30, 60))),
        "retries": r.choice([0, 0, 0, 1, 2, 5]),
        "secure": r.random() < 0.7,
    }
    if r.random() < 0.3:
        detail["coupon"] = {"code": r.choice(["SPRING", "VIP10", "WELCOME"]), "pct": r.choice([5, 10, 25])}
    if r.random() < 0.1:
        detail["error"] = None
    region = r.choice(REGIONS)
    return {
        "version": "0",
        "id": "%08x-0000-4000-8000-%012x" % (r.getrandbits(32), i),
        "detail-type": r.choice(TYPES[src]),
        "source": src,
        "account": r.choice(["111122223333", "123456789012"]),
        "time": "2025-03-%02dT%02d:%02d:00Z" % (1 + i % 28, i % 24, i % 60),
        "region": region,
        "resources": ["arn:aws:%s:%s:123456789012:thing/%d" % (src.split(".")[0], region, i)],
        "detail": detail,
    }


def rules(r, n):
    t = [
        lambda: {"source": [r.choice(SOURCES)]},
        lambda: {"source": ["shop.orders"], "detail-type": [r.choice(TYPES["shop.orders"])]},
        lambda: {"region": [{"prefix": r.choice(["eu-", "us-", "ap-"])}]},
        lambda: {"detail": {"path": [{"suffix": r.choice(EXTS)}]}},
        lambda: {"detail": {"path": [{"suffix": {"equals-ignore-case": r.choice([".png", ".jpg"])}}]}},
        lambda: {"detail": {"user": {"name": [{"prefix": {"equals-ignore-case": r.choice(["b", "ch", "d"])}}]}}},
        lambda: {"detail": {"state": [{"equals-ignore-case": r.choice(["active", "suspended"])}]}},
        lambda: {"detail": {"state": [{"anything-but": r.sample(STATES, 2)}]}},
        lambda: {"detail": {"retries": [{"anything-but": [0]}]}},
        lambda: {"source": [{"anything-but": {"prefix": "shop."}}]},
        lambda: {"detail": {"path": [{"anything-but": {"suffix": [".tmp", ".bak"]}}]}},
        lambda: {"detail": {"path": [{"anything-but": {"wildcard": "*/lib/*"}}]}},
        lambda: {"detail": {"user": {"name": [{"anything-but": {"equals-ignore-case": ["ann", "bob"]}}]}}},
        lambda: {"detail": {"amount": [{"numeric": [">", r.choice([100, 1000, 5e3])]}]}},
        lambda: {"detail": {"amount": [{"numeric": [">=", -10, "<", r.choice([50, 500])]}]}},
        lambda: {"detail": {"delta": [{"numeric": ["<=", -r.randint(100, 400)]}]}},
        lambda: {"detail": {"ratio": [{"numeric": ["=", 0.5]}, {"numeric": ["<", 0.01]}]}},
        lambda: {"detail": {"coupon": {"code": [{"exists": True}]}}},
        lambda: {"detail": {"error": [{"exists": False}], "state": ["closed"]}},
        lambda: {"detail": {"user": {"ip": [{"cidr": r.choice(["10.0.0.0/8", "192.168.0.0/16", "203.0.0.0/8"])}]}}},
        lambda: {"detail": {"user": {"ip": [{"cidr": "2001:db8::/32"}]}}},
        lambda: {"detail": {"arn": [{"wildcard": "arn:aws:s3:::*-bucket/%s/*" % r.choice(["logs", "data"])}]}},
        lambda: {"detail": {"note": [{"wildcard": "*%s*%s*" % (r.choice(WORDS), r.choice(WORDS))}]}},
        lambda: {"detail": {"lines": {"sku": [{"prefix": "SKU-%d" % r.randint(0, 9)}], "qty": [{"numeric": [">", 5]}]}}},
        lambda: {"detail": {"lines": {"flags": [r.choice(["gift", "fragile", "bulk", "eco"])]}}},
        lambda: {"detail": {"secure": [False], "user": {"tier": ["enterprise"]}}},
        lambda: {"$or": [{"source": ["net.flows"]}, {"detail": {"user": {"country": r.sample(COUNTRIES, 2)}}}]},
        lambda: {"detail": {"$or": [{"state": ["new"]}, {"amount": [{"numeric": ["<", 0]}]}]}, "region": [{"prefix": "eu-"}]},
        lambda: {"account": ["123456789012"], "detail": {"user": {"country": [r.choice(COUNTRIES)]}}},
    ]
    out = []
    k = 0
    while len(out) < n:
        f = t[k] if k < len(t) else r.choice(t)
        k += 1
        out.append({"Name": "bench-%03d" % len(out), "EventPattern": f()})
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["events", "rules"])
    ap.add_argument("-n", type=int)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    r = random.Random(a.seed)
    enc = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
    w = sys.stdout.write
    if a.what == "rules":
        for x in rules(r, a.n or 100):
            w(enc(x) + "\n")
    else:
        for i in range(a.n or 100000):
            w(enc(event(r, i)) + "\n")


if __name__ == "__main__":
    main()
