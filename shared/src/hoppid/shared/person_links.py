"""A person's link as every service checks it, the moment it is used.

Signed with the platform's link key, not expired, for this purpose (links.py), and the person
not erased. Erasure is what revokes a person's links (intake moves their link epoch on), and
intake's first step of an erasure is to destroy the person's key in the vault, which every
service reads. So asking the vault makes an erased person's link dead in every service at once,
not when the erasure event reaches it (a consumer may lag, or be down).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from fastapi import HTTPException

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


ErasedHere = Callable[[str], Awaitable[bool]]


async def linked_person(
    secret: str,
    token: str,
    now: datetime,
    vault: PersonalDataVault,
    erased_here: ErasedHere,
    purpose: str = MANAGE,
) -> str | None:
    """The person of a live link (``live_link``) whom this service has not erased either (its
    own record of the erasure event: ``erased_here``); None otherwise."""
    claims = await live_link(secret, token, now, vault, purpose)
    if claims is None or await erased_here(claims.person_id):
        return None
    return claims.person_id


def person_dependency(
    person_of: Callable[[str], Awaitable[str | None]],
) -> Callable[[str], Awaitable[str]]:
    """A FastAPI dependency for ``/v1/me/{token}/…`` routes: the link's person, or 401 (the same
    answer whatever is wrong with the link, so it never says which)."""

    async def person_id(token: str) -> str:
        found = await person_of(token)
        if found is None:
            raise HTTPException(401, "this link is not valid (expired or revoked)")
        return found

    return person_id
