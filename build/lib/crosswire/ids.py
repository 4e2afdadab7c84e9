"""Stable, content-derived identifiers: the same input always gets the same id, run after run."""

from __future__ import annotations

import hashlib


def stable_id(prefix: str, *parts: object) -> str:
    """`prefix` + 16 hex digits of BLAKE2b over the parts (joined by a unit separator)."""
    payload = "\x1f".join(str(part) for part in parts).encode("utf-8", "surrogatepass")
    return prefix + hashlib.blake2b(payload, digest_size=8).hexdigest()
