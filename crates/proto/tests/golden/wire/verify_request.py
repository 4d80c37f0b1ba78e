#!/usr/bin/env python3
"""Checks a signed sync request, its batch's chain and the server's receipt, as an
outside auditor would: the standard library plus `cryptography` (pip install cryptography).

Usage: verify_request.py [DIR]   (DIR holds the wire golden files; default: this script's own)

1. The request (request.txt: method, path, query, timestamp, nonce, device, signature;
   the body is event_batch.json byte for byte) is signed with Ed25519 by the device key
   in enroll_request.json over these lines joined by "\\n":
       clinic-vault/request/v1, METHOD, PATH, QUERY, TIMESTAMP, NONCE, hex(SHA-256(body))
2. The batch's events chain from the vault's genesis:
       prev = SHA-256("clinic-vault/audit/v1" || vault id), hash = SHA-256(prev || JCS(event))
   each event naming the signing device, its seq one more than the last, its claimed hash
   the recomputed one.
3. The server's head receipt (batch_answer.json) names that device, vault, last seq and
   hash, and verifies under the server key (enroll_answer.json) over
       "clinic-vault/head-receipt/v1" || JCS(receipt).
Prints what it checked; exits non-zero naming the first thing that does not verify.
"""
import hashlib, json, os, sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def jcs(value):
    """RFC 8785 for the JSON subset the protocol uses (no floats)."""
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


def fail(message):
    sys.exit(f"verify_request.py: {message}")


def verify(public_hex, signature_hex, message, what):
    key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_hex))
    try:
        key.verify(bytes.fromhex(signature_hex), message)
    except (InvalidSignature, ValueError):
        fail(f"{what}: signature does not verify")


here = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))


def read(name):
    with open(os.path.join(here, name), "rb") as f:
        return f.read()


enroll = json.loads(read("enroll_request.json"))
server = json.loads(read("enroll_answer.json"))
body = read("event_batch.json")
request = {}
for line in read("request.txt").decode("utf-8").splitlines():
    name, _, value = line.partition(" ")
    request[name] = value

# 1. The request signature.
signed = "\n".join([
    "clinic-vault/request/v1", request["method"], request["path"], request["query"],
    request["timestamp"], request["nonce"], hashlib.sha256(body).hexdigest(),
]).encode("utf-8")
if request["device"] != enroll["device_id"]:
    fail("request: signed by another device than the one enrolled")
verify(enroll["public_key"], request["signature"], signed, "request")
print("request signature ok")

# 2. The chain.
prev = hashlib.sha256(b"clinic-vault/audit/v1" + enroll["vault_id"].encode()).digest()
last_seq = 0
for item in json.loads(body)["events"]:
    event = item["event"]
    seq = event["seq"]
    if seq != last_seq + 1:
        fail(f"event {seq}: expected seq {last_seq + 1}")
    if event["device_id"] != request["device"]:
        fail(f"event {seq}: names another device")
    if event.get("format") not in (None, 2):
        fail(f"event {seq}: unknown format")
    prev = hashlib.sha256(prev + jcs(event).encode("utf-8")).digest()
    if prev.hex() != item["hash"]:
        fail(f"event {seq}: hash does not match its content and predecessor")
    last_seq = seq
    print(seq, prev.hex())

# 3. The server's receipt of the head.
head = json.loads(read("batch_answer.json"))["head"]
receipt = head["receipt"]
expected = {"device_id": request["device"], "vault_id": enroll["vault_id"],
            "seq": last_seq, "hash": prev.hex()}
for name, value in expected.items():
    if receipt[name] != value:
        fail(f"head: {name} is {receipt[name]!r}, expected {value!r}")
verify(server["server_public_key"], head["signature"],
       b"clinic-vault/head-receipt/v1" + jcs(receipt).encode("utf-8"), "head: server")
print("head", last_seq, prev.hex(), "signed by the server")
