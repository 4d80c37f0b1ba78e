"""Schemathesis hooks for clinic-vault-server: every request is signed as an enrolled
device would sign it (crates/proto/src/signing.rs), so the device routes are tested past
their authentication; the admin token comes from the command line's Authorization header.

At import it enrolls a fresh device with the one-time token in CV_ENROLL_TOKEN against
CV_BASE_URL. Standard library plus `cryptography`.
"""
import hashlib, json, os, secrets, time, urllib.parse, urllib.request, uuid

import requests
import schemathesis
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

BASE_URL = os.environ["CV_BASE_URL"]
KEY = Ed25519PrivateKey.generate()
PUBLIC_HEX = KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
DEVICE_ID = str(uuid.uuid4())


def signed_headers(method, path, query, body):
    timestamp = str(time.time_ns() // 1000)
    nonce = secrets.token_hex(16)
    text = "\n".join(["clinic-vault/request/v1", method, path, query, timestamp, nonce,
                      hashlib.sha256(body).hexdigest()])
    return {
        "x-clinic-vault-device": DEVICE_ID,
        "x-clinic-vault-timestamp": timestamp,
        "x-clinic-vault-nonce": nonce,
        "x-clinic-vault-signature": KEY.sign(text.encode("utf-8")).hex(),
    }


class DeviceSignature(requests.auth.AuthBase):
    """Signs the prepared request: its final method, path, query and body bytes."""

    def __call__(self, prepared):
        url = urllib.parse.urlsplit(prepared.url)
        body = prepared.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        prepared.headers.update(signed_headers(prepared.method, url.path, url.query, body))
        return prepared


def enroll():
    body = json.dumps({"token": os.environ["CV_ENROLL_TOKEN"], "vault_id": str(uuid.uuid4()),
                       "device_id": DEVICE_ID, "public_key": PUBLIC_HEX}).encode()
    headers = signed_headers("POST", "/v1/enroll", "", body)
    headers["content-type"] = "application/json"
    request = urllib.request.Request(BASE_URL + "/v1/enroll", data=body, headers=headers, method="POST")
    with urllib.request.urlopen(request) as response:
        assert response.status == 200, response.status


enroll()


@schemathesis.hook
def before_call(context, case, kwargs):
    kwargs["auth"] = DeviceSignature()
