#!/usr/bin/env python3
"""Mints a Pulse embedding token (HS256) with Python's standard library:
docs/EMBED.md, "Minting a token". Run it on the host platform's server.

    PULSE_EMBED_SECRET=... mint_token.py INTEGRATION VIEWER_ID VIEWER_NAME ROLE AGENT [SECTION]
"""
import base64
import hashlib
import hmac
import json
import os
import secrets
import sys
import time


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def mint(secret, integration, viewer_id, viewer_name, role, agents, section=None, lifetime=300):
    now = int(time.time())
    claims = {
        "iss": integration,
        "sub": viewer_id,
        "name": viewer_name,
        "role": role,
        "agents": agents,
        "iat": now,
        "exp": now + lifetime,
        "jti": secrets.token_hex(16),
    }
    if section:
        claims["section"] = section
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = b64url(json.dumps(claims).encode())
    signed = f"{header}.{payload}".encode("ascii")
    signature = b64url(hmac.new(secret.encode(), signed, hashlib.sha256).digest())
    return f"{header}.{payload}.{signature}"


if __name__ == "__main__":
    integration, viewer_id, viewer_name, role, agent = sys.argv[1:6]
    section = sys.argv[6] if len(sys.argv) > 6 else None
    print(mint(os.environ["PULSE_EMBED_SECRET"], integration, viewer_id, viewer_name, role, [agent], section))
