"""The holdout: a stable, seeded, auditable share of a broadcast's audience that is planned, not sent.

A customer is held out when ``bucket(seed, customer_id) < holdout_bp`` (basis points), where

    P = 2147483647 (2**31 - 1, prime);  k1, s1, s2 = the seed's SHA-256 read as three integers mod P
    h1 = ((customer_id mod P) * k1 + s1) mod P
    h2 = (h1 * h1 + s2) mod P
    bucket = h2 mod 10000

Every product stays below 2**62, so PostgreSQL (bigint) and SQLite (64-bit integers) compute it in
SQL with the same result as ``bucket`` here: an auditor recomputes any customer's assignment from the
broadcast's ``holdout_seed`` and ``holdout_bp``. The seed is drawn when the broadcast starts.
"""

from __future__ import annotations

import hashlib
import secrets

P = 2_147_483_647


def new_seed() -> str:
    return secrets.token_hex(8)


def constants(seed: str) -> tuple[int, int, int]:
    digest = hashlib.sha256(seed.encode()).digest()
    k1 = int.from_bytes(digest[0:8], "big") % (P - 1) + 1
    s1 = int.from_bytes(digest[8:16], "big") % P
    s2 = int.from_bytes(digest[16:24], "big") % P
    return k1, s1, s2


def bucket(seed: str, customer_id: int) -> int:
    k1, s1, s2 = constants(seed)
    h1 = ((customer_id % P) * k1 + s1) % P
    return ((h1 * h1 + s2) % P) % 10_000


def held_out(seed: str, holdout_bp: int, customer_id: int) -> bool:
    return bucket(seed, customer_id) < holdout_bp


def bucket_sql(column: str, seed: str) -> str:
    """The same bucket as SQL over an integer column (constants inlined: they are integers)."""
    k1, s1, s2 = constants(seed)
    h1 = f"(((CAST({column} AS BIGINT) % {P}) * {k1} + {s1}) % {P})"
    return f"((({h1} * {h1}) + {s2}) % {P}) % 10000"
