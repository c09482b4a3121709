"""A person's link as every service checks it, the moment it is used.

Signed with the platform's link key, not expired, for this purpose (links.py), and the person
not erased. Erasure is what revokes a person's links (intake moves their link epoch on), and
intake's first step of an erasure is to destroy the person's key in the vault, which every
service reads. So asking the vault makes an erased person's link dead in every service at once,
not when the erasure event reaches it (a consumer may lag, or be down).
"""

from __future__ import annotations

from datetime import datetime

from hoppid.shared.links import MANAGE, LinkClaims, verify_link
from hoppid.shared.pii import PersonalDataVault


async def live_link(
    secret: str, token: str, now: datetime, vault: PersonalDataVault, purpose: str = MANAGE
) -> LinkClaims | None:
    """The link's claims; None if it is forged, expired, for another purpose, or the person's
    key is destroyed."""
    claims = verify_link(secret, token, now, purpose)
    if claims is None or await vault.erased(claims.person_id):
        return None
    return claims
