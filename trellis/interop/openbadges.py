"""Open Badges 3.0 credentials (1EdTech): an OpenBadgeCredential as JSON-LD, signed with the
specification's JSON Web Token proof format (a compact JWS, VC-JWT) using Ed25519 ("EdDSA", which
the specification permits beside its minimum RS256), and verified again from the token.

The signing key is 32 secret bytes (an Ed25519 seed) the caller keeps; nothing here touches a
database or Django."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

CONTEXT = ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
CREDENTIAL_TYPE = ["VerifiableCredential", "OpenBadgeCredential"]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def signing_key(secret: str) -> Ed25519PrivateKey:
    """The Ed25519 key derived from a deployment secret (any string; its SHA-256 is the seed)."""
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(f"open badges v1:{secret}".encode()).digest())


def public_jwk(key: Ed25519PrivateKey | Ed25519PublicKey, kid: str) -> dict[str, str]:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    raw = public.public_bytes_raw()
    return {"kty": "OKP", "crv": "Ed25519", "x": _b64(raw), "kid": kid, "use": "sig", "alg": "EdDSA"}


def key_from_jwk(jwk: dict[str, Any]) -> Ed25519PublicKey:
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or "d" in jwk:
        raise ValueError("Not an Ed25519 public key.")
    return Ed25519PublicKey.from_public_bytes(_unb64(str(jwk["x"])))


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class Issuer:
    id: str
    name: str
    url: str
    description: str = ""

    def profile(self) -> dict[str, Any]:
        found = {"id": self.id, "type": ["Profile"], "name": self.name, "url": self.url}
        if self.description:
            found["description"] = self.description
        return found


def credential(*, id: str, issuer: Issuer, subject_id: str, achievement_id: str, achievement_name: str,
               achievement_description: str, criteria: str, issued: datetime, expires: datetime | None,
               narrative: str = "", evidence: list[dict[str, str]] | None = None,
               status_url: str = "") -> dict[str, Any]:
    """An OpenBadgeCredential for the subject (an organization or an educator, named by a URI)."""
    subject: dict[str, Any] = {
        "id": subject_id, "type": ["AchievementSubject"],
        "achievement": {"id": achievement_id, "type": ["Achievement"], "name": achievement_name,
                        "description": achievement_description, "criteria": {"narrative": criteria},
                        "creator": issuer.profile()},
    }
    if narrative:
        subject["narrative"] = narrative
    found: dict[str, Any] = {
        "@context": CONTEXT, "id": id, "type": CREDENTIAL_TYPE, "name": achievement_name,
        "issuer": issuer.profile(), "validFrom": iso(issued), "awardedDate": iso(issued),
        "credentialSubject": subject,
    }
    if expires is not None:
        found["validUntil"] = iso(expires)
    if evidence:
        found["evidence"] = [{"id": e["url"], "type": ["Evidence"], "name": e["name"]} for e in evidence]
    if status_url:
        found["credentialStatus"] = {"id": status_url, "type": "1EdTechRevocationList"}
    return found


def _numeric(moment: str) -> int:
    return int(datetime.fromisoformat(moment.replace("Z", "+00:00")).timestamp())


def sign(document: dict[str, Any], key: Ed25519PrivateKey, kid: str) -> str:
    """The credential as a compact JWS: the JOSE header names the key by ``kid`` (a URL giving its
    JWK); the payload is the credential with the JWT claims the specification requires."""
    header = {"alg": "EdDSA", "kid": kid, "typ": "JWT"}
    claims = {**document, "iss": document["issuer"]["id"], "jti": document["id"],
              "sub": document["credentialSubject"]["id"],
              "nbf": _numeric(document["validFrom"])}
    if "validUntil" in document:
        claims["exp"] = _numeric(document["validUntil"])
    signing_input = f"{_b64(json.dumps(header, separators=(',', ':')).encode())}." \
                    f"{_b64(json.dumps(claims, separators=(',', ':'), ensure_ascii=False).encode())}"
    return f"{signing_input}.{_b64(key.sign(signing_input.encode()))}"


class VerificationError(ValueError):
    """Why a token is not a valid credential from this issuer."""


def read(token: str, public_key: Ed25519PublicKey, *, issuer_id: str, kid: str,
         now: datetime | None = None) -> dict[str, Any]:
    """The credential in ``token`` once its signature, its key, its issuer, its claims and its
    dates check out; VerificationError (with the reason in plain words) otherwise."""
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise VerificationError("This is not a signed credential: it should have three parts separated by dots.")
    try:
        header = json.loads(_unb64(parts[0]))
        claims = json.loads(_unb64(parts[1]))
        signature = _unb64(parts[2])
    except (ValueError, UnicodeDecodeError) as exc:
        raise VerificationError("This is not a signed credential: a part of it cannot be read.") from exc
    if not isinstance(header, dict) or header.get("alg") != "EdDSA" or header.get("kid") != kid:
        raise VerificationError("This credential was not signed with this issuer's key.")
    try:
        public_key.verify(signature, f"{parts[0]}.{parts[1]}".encode())
    except InvalidSignature as exc:
        raise VerificationError("The signature does not match: the credential was changed after it was issued, "
                                "or another key signed it.") from exc
    if not isinstance(claims, dict) or claims.get("iss") != issuer_id or \
            (claims.get("issuer") or {}).get("id") != issuer_id:
        raise VerificationError("This credential names another issuer.")
    if claims.get("jti") != claims.get("id") or claims.get("sub") != (claims.get("credentialSubject") or {}).get("id"):
        raise VerificationError("The credential's claims do not agree with its content.")
    moment = (now or datetime.now(UTC)).timestamp()
    if isinstance(claims.get("nbf"), int) and claims["nbf"] > moment + 300:
        raise VerificationError("This credential is not valid yet.")
    if isinstance(claims.get("exp"), int) and claims["exp"] < moment:
        raise VerificationError("This credential has expired.")
    return {k: v for k, v in claims.items() if k not in ("iss", "jti", "sub", "nbf", "exp")}
