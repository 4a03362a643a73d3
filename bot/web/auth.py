"""Webhook authentication: GitLab's secret token and Standard Webhooks signatures."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class AuthResult:
    """Whether a request is authentic, and if not, a reason safe to send back."""

    ok: bool
    reason: str = ""


def sign(key: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``v1,<base64>`` Standard Webhooks signature of a message."""
    # https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
    signed = f"{msg_id}.{timestamp}.".encode("utf-8", "surrogateescape") + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify_signature(
    key: bytes, headers: Mapping[str, str], body: bytes, *, now: float, tolerance: int
) -> AuthResult:
    """Check ``webhook-id``/``webhook-timestamp``/``webhook-signature`` against *key*."""
    msg_id = headers.get("webhook-id", "")
    stamp = headers.get("webhook-timestamp", "")
    if not msg_id or not stamp:
        return AuthResult(False, "signed request without webhook-id or webhook-timestamp")
    # Unix seconds: digits only, and few of them (int() would take 4,000 and overflow a float).
    if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 12):
        return AuthResult(False, "webhook-timestamp is not a Unix time")
    timestamp = int(stamp)
    if abs(now - timestamp) > tolerance:
        return AuthResult(False, "webhook-timestamp is outside the allowed tolerance")
    expected = sign(key, msg_id, timestamp, body).encode()
    # Several space-separated signatures may be sent (key rotation); any valid v1 one will do.
    for candidate in headers.get("webhook-signature", "").split():
        if candidate.startswith("v1,") and hmac.compare_digest(
            candidate.encode("utf-8", "surrogateescape"), expected
        ):
            return AuthResult(True)
    return AuthResult(False, "webhook-signature does not match")


def token_matches(secret: str, presented: str) -> bool:
    """Constant-time comparison of the ``X-Gitlab-Token`` header with the secret."""
    # Header values arrive with undecodable bytes kept as surrogates: compare them as bytes too.
    return hmac.compare_digest(secret.encode(), presented.encode("utf-8", "surrogateescape"))


def authenticate(
    headers: Mapping[str, str],
    body: bytes,
    *,
    secret: str | None,
    signing_key: bytes | None,
    now: float,
    tolerance: int = 300,
) -> AuthResult:
    """Authenticate a delivery: every credential presented must be valid, and one must be.

    GitLab may send both a token and a signature; a wrong one of the two means the
    request was tampered with or misconfigured, so it is refused rather than ignored.
    """
    presented_token = headers.get("x-gitlab-token")
    has_signature = "webhook-signature" in headers and signing_key is not None
    if presented_token is None and not has_signature:
        return AuthResult(False, "missing X-Gitlab-Token (or webhook signature)")
    if presented_token is not None and (secret is None or not token_matches(secret, presented_token)):
        return AuthResult(False, "X-Gitlab-Token does not match")
    if has_signature:
        assert signing_key is not None
        return verify_signature(signing_key, headers, body, now=now, tolerance=tolerance)
    return AuthResult(True)
