#!/usr/bin/env python3
"""Recomputes the golden audit chain with nothing but the standard library.

Usage: verify_chain.py [DIR]   (DIR holds the golden files; default: this script's own)

The chain: hash = SHA-256(prev_hash || canonical(event)), starting from
SHA-256("clinic-vault/audit/v1" || vault id). The canonical form is RFC 8785 (JCS):
members sorted by their UTF-16 code units, no whitespace, UTF-8, strings escaped as
JSON.stringify does; these events hold only strings, integers, null, booleans,
arrays and objects. v1 events (events.canonical.txt) are hashed as they are. v2
events (events.v2.canonical.txt) are what the server sees: the same fields plus
"format": 2 and "detail_digest", and their chain hash needs nothing else. Given the
workstation's local side (details.v2.jsonl: salt, detail, search hits), an auditor
also recomputes each digest:
    SHA-256("clinic-vault/audit-detail/v2" || salt
            || JCS({"detail": detail or null, "search_hits": sorted(set(hits))}))
Prints "genesis HASH", then "SEQ HASH" per event; exits non-zero, naming the event,
when a line is not canonical or a digest does not match its local detail.
"""
import hashlib, json, os, sys


def jcs(value):
    """RFC 8785 for the JSON subset the audit trail uses (no floats)."""
    if isinstance(value, dict):
        members = sorted(value.items(), key=lambda kv: kv[0].encode("utf-16-be"))
        return "{" + ",".join(jcs(k) + ":" + jcs(v) for k, v in members) + "}"
    if isinstance(value, list):
        return "[" + ",".join(jcs(v) for v in value) + "]"
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, int) and abs(value) <= 2**53 - 1:
        return str(value)
    raise ValueError(f"no canonical form for {value!r}")


def detail_digest(salt, detail, hits):
    body = jcs({"detail": detail, "search_hits": sorted(set(hits))})
    return hashlib.sha256(b"clinic-vault/audit-detail/v2" + salt + body.encode("utf-8")).hexdigest()


def fail(message):
    sys.exit(f"verify_chain.py: {message}")


here = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))


def lines(name):
    with open(os.path.join(here, name), encoding="utf-8") as f:
        return f.read().splitlines()


vault_id = "5b0c8a6e-1111-4222-8333-444455556666"
prev = hashlib.sha256(b"clinic-vault/audit/v1" + vault_id.encode()).digest()
print("genesis", prev.hex())
local = {}
for line in lines("details.v2.jsonl"):
    entry = json.loads(line)
    local[entry["seq"]] = entry
for name in ["events.canonical.txt", "events.v2.canonical.txt"]:
    for line in lines(name):
        event = json.loads(line)
        seq = event["seq"]
        if jcs(event) != line:
            fail(f"event {seq}: not in canonical form")
        if event.get("format") == 2:
            entry = local[seq]
            digest = detail_digest(bytes.fromhex(entry["salt"]), entry["detail"], entry["search_hits"])
            if digest != event["detail_digest"]:
                fail(f"event {seq}: detail digest does not match its local detail, hits and salt")
        elif "format" in event or "detail_digest" in event:
            fail(f"event {seq}: unknown format")
        prev = hashlib.sha256(prev + line.encode("utf-8")).digest()
        print(seq, prev.hex())
