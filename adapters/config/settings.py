"""Process settings, read from ``CASEWORK_*`` environment variables (or a .env file)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated
from urllib.parse import unquote, urlparse

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class LogFormat(StrEnum):
    JSON = "json"
    CONSOLE = "console"


class AuthMode(StrEnum):
    LOCAL = "local"
    OIDC = "oidc"


class OidcSessionToken(StrEnum):
    """Which of the provider's tokens the pages keep in the session cookie."""

    AUTO = "auto"  # the access token if the service's verifier accepts it, else the ID token
    ACCESS = "access"
    ID = "id"


OIDC_CALLBACK_PATH = "/sign-in/oidc/callback"
_LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}


def is_secure_url(value: str) -> bool:
    """An absolute https URL, or http to this machine (a provider on localhost in tests)."""
    parsed = urlparse(value)
    if not parsed.hostname:
        return False
    return parsed.scheme == "https" or (
        parsed.scheme == "http" and parsed.hostname in _LOOPBACK_HOSTS)


def _listed(names: list[str]) -> str:
    """``A needs`` / ``A, B need``: the start of a message about settings given together."""
    return f"{', '.join(names)} {'needs' if len(names) == 1 else 'need'}"


class SettingsError(Exception):
    """Settings are invalid; the message names each bad setting."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CASEWORK_", env_file=".env", extra="ignore")

    database: Annotated[
        str,
        Field(description="SQLite file path (or sqlite:///path) or a postgresql:// URL"),
    ] = "var/casework.sqlite"
    database_pool_size: int = Field(default=5, ge=1, le=100)
    rules_file: Path | None = Field(
        default=None, description="Local rules TOML; the packaged defaults when unset"
    )
    log_format: LogFormat = LogFormat.CONSOLE
    log_level: str = "INFO"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    var_dir: Path = Path("var")

    auth_mode: AuthMode = AuthMode.LOCAL
    auth_secret: str | None = Field(
        default=None, description="HS256 secret for locally issued tokens (dev/test)"
    )
    auth_issuer: str = "casework-local"
    auth_audience: str = "casework"
    auth_jwks_url: str | None = None
    auth_public_key: str | None = None
    auth_token_minutes: int = Field(default=12 * 60, ge=1)
    demo_sign_in: bool = Field(
        default=True, description="Offer the demo user picker on the sign-in page"
    )

    # Page sign-in at the identity provider (auth_mode=oidc): the authorisation code flow
    # with PKCE. Unset issuer: no page sign-in (API tokens only, or a proxy sets the cookie).
    oidc_issuer_url: str | None = Field(
        default=None,
        description="the provider's issuer; discovery at <issuer>/.well-known/openid-configuration",
    )
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = Field(
        default=None, description="confidential clients only; public clients rely on PKCE"
    )
    oidc_scopes: str = "openid profile email"
    oidc_redirect_url: str | None = Field(
        default=None,
        description=f"the registered redirect URI (...{OIDC_CALLBACK_PATH}); else from the request",
    )
    oidc_session_token: OidcSessionToken = Field(
        default=OidcSessionToken.AUTO,
        description="the token kept as the session: auto (the access token if the service's "
        "verifier accepts it, else the ID token), access or id",
    )
    oidc_provider_name: str = Field(
        default="your identity provider", min_length=1, max_length=80,
        description='shown on the sign-in button: "Sign in with <name>"',
    )

    master_key: str | None = Field(
        default=None, description="base64 AES-256 key wrapping the per-subject data keys"
    )
    encryption: bool = True

    create_schema: bool = Field(
        default=True, description="create missing tables and functions on start (needs CREATE)"
    )
    snapshot_interval: int = Field(default=50, ge=0)
    aggregate_cache_size: int = Field(
        default=2_000, ge=0, description="aggregates kept per process between loads (0: off)"
    )
    aggregate_cache_seconds: float = Field(
        default=60.0, gt=0, description="how long a cached aggregate may go unread from the store"
    )
    aggregate_cache_verify: bool = Field(
        default=False, description="check cached aggregates are never changed in place (tests)"
    )
    projections_in_process: bool = True
    projection_poll_seconds: float = Field(default=0.2, gt=0)
    demo_data: str | None = Field(default=None, description="load demo data on first start")
    demo_seed: int = 2026

    @field_validator("database")
    @classmethod
    def _database_is_sqlite_or_postgres(cls, value: str) -> str:
        if value.startswith(("postgresql://", "postgres://")):
            parsed = urlparse(value)
            if not parsed.hostname or not parsed.path.strip("/"):
                raise ValueError("a postgresql:// URL needs a host and a database name")
        elif "://" in value and not value.startswith("sqlite:///"):
            raise ValueError("use a SQLite file path, sqlite:///path or a postgresql:// URL")
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
        return value.upper()

    @field_validator("oidc_issuer_url")
    @classmethod
    def _issuer_is_https(cls, value: str | None) -> str | None:
        if value is not None and not is_secure_url(value.strip()):
            raise ValueError("must be an https:// URL (http only for localhost)")
        return value.strip() if value is not None else None

    @field_validator("oidc_redirect_url")
    @classmethod
    def _redirect_is_the_callback(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        parsed = urlparse(value)
        if not is_secure_url(value) or parsed.query or parsed.fragment:
            raise ValueError("must be an https:// URL without a query (http only for localhost)")
        if not parsed.path.endswith(OIDC_CALLBACK_PATH):
            raise ValueError(f"must end with {OIDC_CALLBACK_PATH}, where the service takes the "
                             "provider's answer")
        return value

    @field_validator("oidc_scopes")
    @classmethod
    def _scopes_ask_for_openid(cls, value: str) -> str:
        scopes = value.replace(",", " ").split()
        if "openid" not in scopes:
            raise ValueError('must include "openid" (space-separated, e.g. "openid profile email")')
        return " ".join(scopes)

    @model_validator(mode="after")
    def _auth_complete(self) -> Settings:
        if self.auth_mode is AuthMode.OIDC and not (self.auth_jwks_url or self.auth_public_key):
            raise ValueError(
                "CASEWORK_AUTH_MODE=oidc needs CASEWORK_AUTH_JWKS_URL or CASEWORK_AUTH_PUBLIC_KEY"
            )
        return self

    @model_validator(mode="after")
    def _oidc_sign_in_complete(self) -> Settings:
        client_settings = {
            "CASEWORK_OIDC_CLIENT_ID": self.oidc_client_id,
            "CASEWORK_OIDC_CLIENT_SECRET": self.oidc_client_secret,
            "CASEWORK_OIDC_REDIRECT_URL": self.oidc_redirect_url,
        }
        named = [name for name, value in client_settings.items() if value]
        if self.auth_mode is not AuthMode.OIDC:
            if self.oidc_issuer_url or named:
                given = (["CASEWORK_OIDC_ISSUER_URL"] if self.oidc_issuer_url else []) + named
                raise ValueError(f"{_listed(given)} CASEWORK_AUTH_MODE=oidc (it is "
                                 f"{self.auth_mode.value}, so they would be ignored)")
            return self
        if not self.oidc_issuer_url:
            if named:
                raise ValueError(f"{_listed(named)} CASEWORK_OIDC_ISSUER_URL "
                                 "(the identity provider's issuer)")
            return self
        if not self.oidc_client_id:
            raise ValueError("CASEWORK_OIDC_ISSUER_URL needs CASEWORK_OIDC_CLIENT_ID (the client "
                             "registered for this service at the identity provider)")
        if self.auth_issuer == "casework-local":
            raise ValueError("CASEWORK_OIDC_ISSUER_URL needs CASEWORK_AUTH_ISSUER set to the "
                             "issuer of the provider's tokens (usually the same URL)")
        return self

    @property
    def oidc_sign_in(self) -> bool:
        """Whether the pages sign people in at the identity provider."""
        return self.auth_mode is AuthMode.OIDC and bool(self.oidc_issuer_url)

    @property
    def is_postgres(self) -> bool:
        return self.database.startswith(("postgresql://", "postgres://"))

    @property
    def sqlite_path(self) -> str:
        return self.database.removeprefix("sqlite:///")

    def eventsourcing_env(self, master_key: str | None) -> dict[str, str]:
        env: dict[str, str] = {"CREATE_TABLE": "y" if self.create_schema else "n"}
        if self.is_postgres:
            url = urlparse(self.database)
            env |= {
                "PERSISTENCE_MODULE": (
                    "adapters.persistence.postgres_store:CaseworkPostgresFactory"
                ),
                "POSTGRES_DBNAME": url.path.lstrip("/"),
                "POSTGRES_HOST": url.hostname or "localhost",
                "POSTGRES_PORT": str(url.port or 5432),
                "POSTGRES_USER": unquote(url.username or ""),
                "POSTGRES_PASSWORD": unquote(url.password or ""),
                "POSTGRES_POOL_SIZE": str(self.database_pool_size),
                "POSTGRES_MAX_OVERFLOW": str(self.database_pool_size * 2),
                "POSTGRES_LOCK_TIMEOUT": "10",
            }
        else:
            env |= {
                "PERSISTENCE_MODULE": "adapters.persistence.sqlite_store:CaseworkSQLiteFactory",
                "SQLITE_DBNAME": self.sqlite_path,
                "SQLITE_LOCK_TIMEOUT": "30",
            }
        if self.encryption and master_key:
            env["DATA_KEY_MASTER"] = master_key
        return env


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning validation errors into one message naming each setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        problems = []
        for item in error.errors():
            name = "CASEWORK_" + "_".join(str(p) for p in item["loc"]).upper() if item[
                "loc"
            ] else "CASEWORK settings"
            problems.append(f"{name}: {item['msg']}")
        raise SettingsError("invalid settings:\n  " + "\n  ".join(problems)) from None
