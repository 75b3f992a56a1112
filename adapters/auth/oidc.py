"""OpenID Connect sign-in for the pages: the authorisation code flow with PKCE (S256).

- The provider's metadata (``<issuer>/.well-known/openid-configuration``) is fetched when
  first needed and kept in the process for :data:`DISCOVERY_SECONDS` (it is public).
- The flow's secrets (``state``, ``nonce``, the PKCE ``code_verifier``) and where to go
  afterwards travel in a short-lived cookie sealed with AES-256-GCM under a key derived from
  the service's secret (:class:`FlowSealer`): nothing is kept in process memory, so any
  service process behind the load balancer can finish a flow another one started.
- The code is exchanged at the token endpoint with the verifier (httpx, with a timeout), and
  the ID token is checked: signature against the provider's JWKS, issuer, audience (the
  client id), expiry and the flow's nonce.
- :func:`session_token` chooses which token becomes the ``casework_session`` cookie: it must
  pass the service's own :class:`TokenVerifier` (the one every page and API request uses),
  so the roles and partnerships come from the same claims as for API callers.

Every failure is an :class:`OidcError` with a ``reason`` for the log (never a token or
personal data), a message for the person and the page's status.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import parse_qsl, quote_plus, urlencode, urlsplit, urlunsplit

import httpx
import jwt
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from adapters.auth.tokens import InvalidToken, TokenVerifier
from adapters.config.settings import OidcSessionToken, Settings, is_secure_url
from application.context import Actor

DISCOVERY_PATH = "/.well-known/openid-configuration"
DISCOVERY_SECONDS = 300.0
"""How long the provider's metadata is kept in the process."""
FLOW_SECONDS = 600
"""How long a person has at the provider before the flow cookie is no longer accepted."""
HTTP_TIMEOUT_SECONDS = 10.0
CLOCK_LEEWAY_SECONDS = 60
ID_TOKEN_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
                       "ES256", "ES384", "ES512"]
"""Asymmetric only: an ID token signed with a shared secret is not accepted."""
MAX_SESSION_TOKEN_LENGTH = 3800
"""Browsers drop a cookie over 4096 bytes (name and attributes included) without a word."""

PROVIDER_UNREACHABLE = "Your identity provider could not be reached. Try again in a few minutes."
FLOW_EXPIRED = ("The sign-in took too long, or was started in another browser or tab. "
                "Sign in again.")
NOT_VERIFIED = ("The sign-in from your identity provider could not be verified. Sign in "
                "again, or ask your service desk if this keeps happening.")


class OidcError(Exception):
    """A sign-in that cannot go on.

    ``reason`` (and ``detail``) go to the log: a short code, never a token or personal data;
    ``message`` is shown to the person; ``status`` is the page's status.
    """

    def __init__(self, reason: str, message: str, status: int, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.message = message
        self.status = status
        self.detail = detail


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def with_query(url: str, params: dict[str, str]) -> str:
    """``url`` with ``params`` added to whatever query it already has."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


# -- the provider's metadata -----------------------------------------------------------

@dataclass(frozen=True)
class ProviderMetadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    end_session_endpoint: str | None = None
    token_endpoint_auth_methods: tuple[str, ...] = ()

    @classmethod
    def from_document(cls, document: object, expected_issuer: str) -> ProviderMetadata:
        """Read a discovery document; ``ValueError`` names what is wrong with it."""
        if not isinstance(document, dict):
            raise ValueError("the discovery document is not a JSON object")
        issuer = document.get("issuer")
        if not isinstance(issuer, str) or issuer.rstrip("/") != expected_issuer.rstrip("/"):
            raise ValueError("the discovery document's issuer is not CASEWORK_OIDC_ISSUER_URL")

        def endpoint(name: str) -> str:
            value = document.get(name)
            if not isinstance(value, str) or not is_secure_url(value):
                raise ValueError(f"the discovery document's {name} is missing or not https")
            return value

        end_session = document.get("end_session_endpoint")
        methods = document.get("token_endpoint_auth_methods_supported")
        return cls(
            issuer=issuer,
            authorization_endpoint=endpoint("authorization_endpoint"),
            token_endpoint=endpoint("token_endpoint"),
            jwks_uri=endpoint("jwks_uri"),
            end_session_endpoint=endpoint("end_session_endpoint") if end_session else None,
            token_endpoint_auth_methods=tuple(
                str(method) for method in methods) if isinstance(methods, list) else (),
        )


# -- the flow and its cookie -----------------------------------------------------------

@dataclass(frozen=True)
class Flow:
    """One sign-in in progress: what the callback needs, kept in the browser (sealed)."""

    state: str
    nonce: str
    verifier: str
    next_path: str
    redirect_uri: str
    started: float

    @property
    def challenge(self) -> str:
        """The PKCE S256 code challenge: base64url(SHA-256(code_verifier))."""
        return _b64(hashlib.sha256(self.verifier.encode("ascii")).digest())


class FlowSealer:
    """Seals a :class:`Flow` into a cookie value with AES-256-GCM (secret and tamper-evident),
    under a key derived from the service's secret (``CASEWORK_AUTH_SECRET``)."""

    _ASSOCIATED = b"casework-oidc-flow-v1"

    def __init__(self, secret: str) -> None:
        key = hashlib.sha256(b"casework-oidc-flow-key\x00" + secret.encode()).digest()
        self._aead = AESGCM(key)

    def seal(self, flow: Flow) -> str:
        nonce = os.urandom(12)
        body = json.dumps(asdict(flow), separators=(",", ":")).encode()
        return _b64(nonce + self._aead.encrypt(nonce, body, self._ASSOCIATED))

    def open(self, value: str | None, *, now: float | None = None) -> Flow:
        if not value:
            raise OidcError("flow_cookie_missing", FLOW_EXPIRED, 400)
        try:
            raw = _unb64(value)
            body = self._aead.decrypt(raw[:12], raw[12:], self._ASSOCIATED)
            flow = Flow(**json.loads(body))
        except (ValueError, TypeError, InvalidTag):
            raise OidcError("flow_cookie_invalid", FLOW_EXPIRED, 400) from None
        age = (time.time() if now is None else now) - flow.started
        if not -CLOCK_LEEWAY_SECONDS <= age <= FLOW_SECONDS:
            raise OidcError("flow_expired", FLOW_EXPIRED, 400)
        return flow


# -- tokens ----------------------------------------------------------------------------

@dataclass(frozen=True)
class TokenSet:
    id_token: str
    access_token: str | None


def session_token(verifier: TokenVerifier, tokens: TokenSet,
                  keep: OidcSessionToken) -> tuple[str, Actor, str]:
    """The token to keep as the session, its actor, and which it is (``access``/``id``).

    ``auto``: the access token when it is a JWT the service's verifier accepts (issuer
    ``CASEWORK_AUTH_ISSUER``, audience ``CASEWORK_AUTH_AUDIENCE``), else the ID token (then the
    audience must be the client id). ``access``/``id``: only that one.
    """
    candidates: list[tuple[str, str]] = []
    problems: list[str] = []
    if keep is not OidcSessionToken.ID:
        if tokens.access_token and tokens.access_token.count(".") == 2:
            candidates.append(("access", tokens.access_token))
        else:
            problems.append("access token: not a JWT")
    if keep is not OidcSessionToken.ACCESS:
        candidates.append(("id", tokens.id_token))
    for kind, token in candidates:
        try:
            return token, verifier.verify(token), kind
        except InvalidToken as error:
            problems.append(f"{kind} token: {error}")
    raise OidcError("no_session_token", NOT_VERIFIED, 401, detail="; ".join(problems))


def token_expiry(token: str) -> int:
    """The ``exp`` of a token that has already been verified."""
    claims = jwt.decode(token, options={"verify_signature": False})
    return int(claims["exp"])


# -- the client ------------------------------------------------------------------------

class OidcClient:
    """The service as an OpenID Connect relying party (one per app; holds only public data)."""

    def __init__(self, *, issuer_url: str, client_id: str, client_secret: str | None,
                 scopes: str, secret: str, timeout: float = HTTP_TIMEOUT_SECONDS) -> None:
        self.issuer_url = issuer_url
        self.client_id = client_id
        self._client_secret = client_secret
        self.scopes = scopes
        self.sealer = FlowSealer(secret)
        self._timeout = timeout
        self._metadata: tuple[float, ProviderMetadata] | None = None
        self._jwks: dict[str, jwt.PyJWKClient] = {}

    @classmethod
    def from_settings(cls, settings: Settings, secret: str) -> OidcClient | None:
        if not settings.oidc_sign_in or not settings.oidc_issuer_url:
            return None
        client_secret = settings.oidc_client_secret
        return cls(issuer_url=settings.oidc_issuer_url, client_id=settings.oidc_client_id or "",
                   client_secret=client_secret.get_secret_value() if client_secret else None,
                   scopes=settings.oidc_scopes, secret=secret)

    async def metadata(self) -> ProviderMetadata:
        cached = self._metadata
        if cached is not None and time.monotonic() - cached[0] < DISCOVERY_SECONDS:
            return cached[1]
        url = self.issuer_url.rstrip("/") + DISCOVERY_PATH
        try:
            async with httpx.AsyncClient(timeout=self._timeout) as http:
                response = await http.get(url, headers={"Accept": "application/json"})
            response.raise_for_status()
            metadata = ProviderMetadata.from_document(response.json(), self.issuer_url)
        except (httpx.HTTPError, ValueError) as error:
            raise OidcError("discovery_failed", PROVIDER_UNREACHABLE, 503,
                            detail=f"{type(error).__name__}: {error}") from None
        self._metadata = (time.monotonic(), metadata)
        return metadata

    def new_flow(self, next_path: str, redirect_uri: str) -> Flow:
        return Flow(state=secrets.token_urlsafe(32), nonce=secrets.token_urlsafe(32),
                    verifier=secrets.token_urlsafe(64), next_path=next_path,
                    redirect_uri=redirect_uri, started=time.time())

    def authorization_url(self, metadata: ProviderMetadata, flow: Flow) -> str:
        return with_query(metadata.authorization_endpoint, {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": flow.redirect_uri,
            "scope": self.scopes,
            "state": flow.state,
            "nonce": flow.nonce,
            "code_challenge": flow.challenge,
            "code_challenge_method": "S256",
        })

    async def exchange(self, metadata: ProviderMetadata, flow: Flow, code: str) -> TokenSet:
        """Swap the code (and the PKCE verifier) for tokens at the token endpoint."""
        form = {"grant_type": "authorization_code", "code": code,
                "redirect_uri": flow.redirect_uri, "code_verifier": flow.verifier}
        headers = {"Accept": "application/json"}
        methods = metadata.token_endpoint_auth_methods
        if self._client_secret is None:
            form["client_id"] = self.client_id
        elif not methods or "client_secret_basic" in methods:
            pair = f"{quote_plus(self.client_id)}:{quote_plus(self._client_secret)}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        else:
            form |= {"client_id": self.client_id, "client_secret": self._client_secret}
        try:
            async with httpx.AsyncClient(timeout=self._timeout) as http:
                response = await http.post(metadata.token_endpoint, data=form, headers=headers)
        except httpx.HTTPError as error:
            raise OidcError("token_endpoint_unreachable", PROVIDER_UNREACHABLE, 503,
                            detail=type(error).__name__) from None
        try:
            body: Any = response.json()
        except ValueError:
            body = None
        if response.status_code != 200 or not isinstance(body, dict):
            code_name = body.get("error") if isinstance(body, dict) else None
            raise OidcError(
                "token_endpoint_refused",
                "Your identity provider did not confirm the sign-in. Sign in again.", 401,
                detail=f"HTTP {response.status_code} {_safe_code(code_name)}".strip())
        id_token, access_token = body.get("id_token"), body.get("access_token")
        if not isinstance(id_token, str) or not id_token:
            raise OidcError("no_id_token", NOT_VERIFIED, 401,
                            detail='the token response has no id_token (is "openid" a scope?)')
        return TokenSet(id_token=id_token,
                        access_token=access_token if isinstance(access_token, str) else None)

    def id_token_claims(self, metadata: ProviderMetadata, id_token: str,
                        nonce: str) -> dict[str, Any]:
        """Check the ID token (signature, issuer, audience, expiry, nonce); its claims.

        Blocking (it may fetch the provider's JWKS): call it in a thread.
        """
        try:
            key = self._jwks_client(metadata.jwks_uri).get_signing_key_from_jwt(id_token).key
            claims: dict[str, Any] = jwt.decode(
                id_token, key, algorithms=ID_TOKEN_ALGORITHMS, audience=self.client_id,
                issuer=metadata.issuer, leeway=CLOCK_LEEWAY_SECONDS,
                options={"require": ["sub", "exp", "iat", "iss", "aud"]})
        except jwt.PyJWKClientConnectionError:
            raise OidcError("jwks_unreachable", PROVIDER_UNREACHABLE, 503) from None
        except jwt.PyJWTError as error:
            raise OidcError("id_token_invalid", NOT_VERIFIED, 401,
                            detail=f"{type(error).__name__}: {error}") from None
        sent = claims.get("nonce")
        if not isinstance(sent, str) or not hmac.compare_digest(sent, nonce):
            raise OidcError("nonce_mismatch", NOT_VERIFIED, 401)
        audience = claims["aud"]
        if isinstance(audience, list) and len(audience) > 1 and claims.get(
                "azp", self.client_id) != self.client_id:
            raise OidcError("id_token_invalid", NOT_VERIFIED, 401,
                            detail="azp is not the client id")
        return claims

    def _jwks_client(self, uri: str) -> jwt.PyJWKClient:
        client = self._jwks.get(uri)
        if client is None:
            client = jwt.PyJWKClient(uri, cache_keys=True, timeout=self._timeout)
            self._jwks[uri] = client
        return client

    def is_id_token(self, token: str) -> bool:
        """Whether a (session) token looks like an ID token issued to this client: it may then
        be sent as ``id_token_hint`` when signing out at the provider."""
        try:
            claims = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            return False
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        return "nonce" in claims and self.client_id in audiences

    def end_session_url(self, metadata: ProviderMetadata, *, post_logout_redirect_uri: str,
                        id_token_hint: str | None) -> str | None:
        """Where to send the browser to sign out at the provider (None if it has no
        ``end_session_endpoint``)."""
        if metadata.end_session_endpoint is None:
            return None
        params = {"post_logout_redirect_uri": post_logout_redirect_uri,
                  "client_id": self.client_id}
        if id_token_hint:
            params["id_token_hint"] = id_token_hint
        return with_query(metadata.end_session_endpoint, params)


def _safe_code(value: object) -> str:
    """An OAuth error code from the provider, fit to log or show (``invalid_grant``)."""
    if not isinstance(value, str):
        return ""
    return "".join(c for c in value[:40] if c.isascii() and (c.isalnum() or c in "_-."))


def provider_error_code(value: object) -> str:
    return _safe_code(value) or "unknown"
