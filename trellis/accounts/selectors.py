"""Which Trellis account a sign-in through the district's identity provider belongs to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q

from trellis.accounts.models import ExternalIdentity


@dataclass(frozen=True)
class IdentityMatch:
    """The account an identity belongs to, or why there is none (``refusal``, in plain words)."""

    user: Any = None
    linked: bool = False  # the account was found by its stored subject, not by email
    refusal: str = ""


def account_for_identity(*, issuer: str, claims: dict[str, Any]) -> IdentityMatch:
    """Find the existing account for verified ID token claims: by the stored subject first,
    then by email. Never makes an account: staff come into Trellis through their district's roster."""
    subject = str(claims.get("sub") or "")
    email = str(claims.get("email") or "").strip()
    linked = ExternalIdentity.objects.filter(issuer=issuer, subject=subject).select_related("user").first()
    if linked is not None:
        return _usable(linked.user, linked=True)
    if not email or claims.get("email_verified") is False:
        return IdentityMatch(refusal="Your district's sign-in did not tell Trellis a confirmed email address, so "
                                     "Trellis cannot tell which account is yours. Ask your district AI lead.")
    users = list(
        get_user_model().objects.filter(Q(email__iexact=email) | Q(person__email__iexact=email))
        .select_related("person").distinct()[:2]
    )
    if not users:
        return IdentityMatch(refusal=f"Trellis has no account for {email}. Staff are added to Trellis by their "
                                     "district's roster: ask your district AI lead to include you.")
    if len(users) > 1:
        return IdentityMatch(refusal=f"More than one Trellis account has the email address {email}, so Trellis "
                                     "cannot tell which is yours. Ask your district AI lead to correct the roster.")
    if ExternalIdentity.objects.filter(user=users[0], issuer=issuer).exists():
        return IdentityMatch(refusal="Your Trellis account is already linked to another sign-in at your district. "
                                     "Ask your district AI lead.")
    return _usable(users[0], linked=False)


def _usable(user: Any, *, linked: bool) -> IdentityMatch:
    person = getattr(user, "person", None)
    if not user.is_active or (person is not None and not person.is_active):
        return IdentityMatch(refusal="Your Trellis account is switched off, so you cannot sign in. If you still "
                                     "work in the district, ask your district AI lead to switch it back on.")
    return IdentityMatch(user=user, linked=linked)
