"""Bearer JWTs: locally issued (development, tests, demo) or from the identity provider.

Claims: ``sub`` (user id), ``name``, ``agency``, ``roles`` (list), ``partnerships``
(list, or ``["*"]`` for county-wide roles configured to see all).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from application.context import Actor, Role

ALL_PARTNERSHIPS = "*"


class InvalidToken(Exception):
    pass


@dataclass(frozen=True)
class TokenIssuer:
    secret: str
    issuer: str
    audience: str
    minutes: int

    def issue(
        self,
        *,
        user_id: str,
        display_name: str,
        agency: str,
        roles: list[str],
        partnerships: list[str],
        now: datetime | None = None,
    ) -> str:
        unknown = [role for role in roles if role not in Role.ALL]
        if unknown:
            raise ValueError(f"unknown role(s) {unknown}; roles are {list(Role.ALL)}")
        issued = now or datetime.now(tz=UTC)
        claims = {
            "sub": user_id,
            "name": display_name,
            "agency": agency,
            "roles": roles,
            "partnerships": partnerships,
            "iss": self.issuer,
            "aud": self.audience,
            "iat": int(issued.timestamp()),
            "exp": int((issued + timedelta(minutes=self.minutes)).timestamp()),
        }
        return jwt.encode(claims, self.secret, algorithm="HS256")


class TokenVerifier:
    """Validates signature, issuer, audience and expiry, and maps claims to an Actor."""

    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        secret: str | None = None,
        public_key: str | None = None,
        jwks_url: str | None = None,
    ) -> None:
        self.issuer = issuer
        self.audience = audience
        self._secret = secret
        self._public_key = public_key
        self._jwks = jwt.PyJWKClient(jwks_url, cache_keys=True) if jwks_url else None

    def verify(self, token: str) -> Actor:
        try:
            claims = self._decode(token)
        except jwt.PyJWTError as error:
            raise InvalidToken(str(error)) from error
        return actor_from_claims(claims)

    def _decode(self, token: str) -> dict[str, Any]:
        options: Any = {"require": ["sub", "exp", "iss", "aud"]}
        if self._secret is not None:
            return jwt.decode(token, self._secret, algorithms=["HS256"], issuer=self.issuer,
                              audience=self.audience, options=options)
        if self._jwks is not None:
            key: Any = self._jwks.get_signing_key_from_jwt(token).key
        else:
            key = self._public_key
        return jwt.decode(token, key, algorithms=["RS256", "ES256"], issuer=self.issuer,
                          audience=self.audience, options=options)


def actor_from_claims(claims: dict[str, Any]) -> Actor:
    roles = claims.get("roles") or []
    partnerships = claims.get("partnerships") or []
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise InvalidToken("claim 'roles' must be a list of strings")
    if not isinstance(partnerships, list):
        raise InvalidToken("claim 'partnerships' must be a list")
    return Actor(
        user_id=str(claims["sub"]),
        display_name=str(claims.get("name") or claims["sub"]),
        agency=str(claims.get("agency") or ""),
        roles=tuple(r for r in roles if r in Role.ALL),
        partnerships=tuple(str(p) for p in partnerships if p != ALL_PARTNERSHIPS),
        all_partnerships=ALL_PARTNERSHIPS in partnerships,
    )
