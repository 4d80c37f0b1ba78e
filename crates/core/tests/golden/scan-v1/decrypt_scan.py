#!/usr/bin/env python3
"""Decrypts the scan-v1 golden files from docs/formats/scan-v1.md alone.

Usage: decrypt_scan.py [DIR]   (DIR holds vectors.json and the *.cvscan files; default:
this script's directory). Needs only the standard library and `cryptography`'s AESGCM.

For every vector it checks the header, unwraps the scan key, opens every chunk with the
STREAM nonce (prefix || u32 BE counter || last-chunk flag) and the header as associated
data, compares the plaintext and the content address (SHA-256 of the whole file), and
checks that a cut at the last chunk boundary, a flipped bit and an appended byte are
refused. Prints "NAME: ok" per vector; exits non-zero on any failure.
"""

import hashlib
import json
import pathlib
import sys

try:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
except ImportError:
    sys.stderr.write(
        "decrypt_scan.py needs Python's `cryptography` package: "
        "pip install cryptography\n"
    )
    sys.exit(2)

MAGIC = b"CVSCAN"
HEADER_LEN = 111
TAG_LEN = 16
MIN_CHUNK, MAX_CHUNK = 4 * 1024, 4 * 1024 * 1024
WRAP_LABEL = b"clinic-vault/scan-key/v1"


class Refused(Exception):
    """The file is not a valid scan-v1 file for this key and scan."""


def decrypt(data, patient_key, scan_id, key_id):
    """Returns (plaintext, n_chunks) or raises Refused. Checks in the spec's order."""
    if data[:6] != MAGIC[: len(data[:6])]:
        raise Refused("bad magic")
    if len(data) > 6 and data[6] != 1:
        raise Refused("unsupported version %d" % data[6])
    if len(data) > 7 and data[7] != 0:
        raise Refused("unsupported flags")
    if len(data) >= 12:
        chunk_size = int.from_bytes(data[8:12], "big")
        if not MIN_CHUNK <= chunk_size <= MAX_CHUNK:
            raise Refused("chunk size %d out of range" % chunk_size)
    if len(data) < HEADER_LEN:
        raise Refused("truncated inside the header")
    header = data[:HEADER_LEN]
    if header[12:28] != scan_id:
        raise Refused("wrong scan")
    if header[28:44] != key_id:
        raise Refused("wrong patient key")
    nonce_prefix, wrap_nonce, wrapped = header[44:51], header[51:63], header[63:111]
    try:
        scan_key = AESGCM(patient_key).decrypt(
            wrap_nonce, wrapped, WRAP_LABEL + scan_id + key_id
        )
    except InvalidTag:
        raise Refused("scan key does not unwrap")
    aes = AESGCM(scan_key)
    full = chunk_size + TAG_LEN
    pos, index, plain = HEADER_LEN, 0, []
    while True:
        rest = len(data) - pos
        if rest < TAG_LEN:
            raise Refused("truncated after %d chunks" % index)
        if index >= 1 << 32:
            raise Refused("too many chunks")
        last = rest <= full  # by position: nothing follows a full chunk
        chunk = data[pos : pos + min(rest, full)]
        nonce = nonce_prefix + index.to_bytes(4, "big") + (b"\x01" if last else b"\x00")
        try:
            piece = aes.decrypt(nonce, chunk, header)
        except InvalidTag:
            raise Refused("chunk %d at byte %d fails authentication" % (index, pos))
        if last and not piece and index > 0:
            raise Refused("empty last chunk after other chunks")
        plain.append(piece)
        pos += len(chunk)
        index += 1
        if last:
            return b"".join(plain), index


def plaintext_of(vector):
    if "plaintext_hex" in vector:
        return bytes.fromhex(vector["plaintext_hex"])
    assert vector["plaintext_rule"] == "byte i = (31 * i + 7) mod 251"
    return bytes((31 * i + 7) % 251 for i in range(vector["plaintext_len"]))


def refused(data, *args):
    try:
        decrypt(data, *args)
    except Refused:
        return True
    return False


def main():
    here = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parent)
    doc = json.loads((here / "vectors.json").read_text())
    patient_key = bytes.fromhex(doc["patient_key"])
    key_id = bytes.fromhex(doc["key_id"].replace("-", ""))
    failures = 0
    for v in doc["vectors"]:
        data = (here / v["file"]).read_bytes()
        scan_id = bytes.fromhex(v["scan_id"].replace("-", ""))
        args = (patient_key, scan_id, key_id)
        problems = []
        try:
            plain, n_chunks = decrypt(data, *args)
        except Refused as e:
            problems.append("refused: %s" % e)
        else:
            if plain != plaintext_of(v) or len(plain) != v["plaintext_len"]:
                problems.append("plaintext differs")
            if hashlib.sha256(plain).hexdigest() != v["plaintext_sha256"]:
                problems.append("plaintext SHA-256 differs")
            if n_chunks != v["n_chunks"] or len(data) != v["file_len"]:
                problems.append("chunk count or length differs")
        if hashlib.sha256(data).hexdigest() != v["content_sha256"]:
            problems.append("content address differs")
        if bytes.fromhex(v["wrapped_key"]) != data[63:111]:
            problems.append("wrapped key differs")
        last_start = HEADER_LEN + (v["n_chunks"] - 1) * (doc["chunk_size"] + TAG_LEN)
        flipped = bytearray(data)
        flipped[-1] ^= 1
        for what, bad in [
            ("cut before the last chunk", data[:last_start]),
            ("flipped bit", bytes(flipped)),
            ("appended byte", data + b"\x00"),
            ("wrong patient key", None),
        ]:
            if bad is None:
                ok = refused(data, bytes(32), scan_id, key_id)
            else:
                ok = refused(bad, *args)
            if not ok:
                problems.append("%s was accepted" % what)
        if problems:
            failures += 1
            print("%s: FAILED: %s" % (v["name"], "; ".join(problems)))
        else:
            print("%s: ok" % v["name"])
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
