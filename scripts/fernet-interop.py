#!/usr/bin/python3
# Python side of the Fernet interop test (src/secure/fernet.test.ts): decrypts tokens made by our
# TypeScript Fernet and encrypts messages for it, with Python's `cryptography.fernet`.
# Reads one JSON request on stdin, writes one JSON answer on stdout:
#   in : {"key": str, "decrypt": [token], "encrypt": [base64 plaintext], "ttl": int|null}
#   out: {"available": true, "version": str, "decrypted": [base64 plaintext | null], "encrypted": [token]}
# When `cryptography` is missing it answers {"available": false, "reason": ...} and exits 0.
import base64
import json
import sys

try:
    import cryptography
    from cryptography.fernet import Fernet, InvalidToken
except ImportError as e:  # the test reports this as a diagnostic, not a failure
    json.dump({"available": False, "reason": "python cryptography not importable: %s" % e}, sys.stdout)
    sys.exit(0)

req = json.load(sys.stdin)
f = Fernet(req["key"].encode("ascii"))
ttl = req.get("ttl")
decrypted = []
for token in req.get("decrypt", []):
    try:
        decrypted.append(base64.b64encode(f.decrypt(token.encode("ascii"), ttl=ttl)).decode("ascii"))
    except InvalidToken:
        decrypted.append(None)
encrypted = [f.encrypt(base64.b64decode(m)).decode("ascii") for m in req.get("encrypt", [])]
json.dump({"available": True, "version": cryptography.__version__, "decrypted": decrypted, "encrypted": encrypted}, sys.stdout)
