#!/usr/bin/env python3
"""Recomputes the golden audit chain with nothing but the standard library.

The canonical form is RFC 8785: sorted keys (all ASCII here), no whitespace,
UTF-8 output with JSON.stringify escaping; json.dumps matches it for these
events (strings and integers only).
"""
import hashlib, json, os

here = os.path.dirname(os.path.abspath(__file__))
vault_id = "5b0c8a6e-1111-4222-8333-444455556666"
prev = hashlib.sha256(b"clinic-vault/audit/v1" + vault_id.encode()).digest()
print("genesis", prev.hex())
with open(os.path.join(here, "events.canonical.txt"), encoding="utf-8") as f:
    for line in f.read().splitlines():
        event = json.loads(line)
        canonical = json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert canonical == line, "canonical form differs"
        prev = hashlib.sha256(prev + canonical.encode("utf-8")).digest()
        print(event["seq"], prev.hex())
