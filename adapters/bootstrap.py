"""The composition root: builds everything from settings, in one place."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import structlog

from adapters.auth.tokens import TokenIssuer, TokenVerifier
from adapters.config.rules import load_rules
from adapters.config.settings import AuthMode, Settings
from adapters.persistence.access_log import access_log_for_store
from adapters.persistence.views import build_projection_host
from adapters.secrets import local_secret
from application.cases_service import CaseService, PeopleService
from application.commands import CommandRunner
from application.plans_service import PlanService
from application.protection_service import (
    ErasedHook,
    ProtectionService,
    RestrictionGuard,
    install_restriction_guard,
)
from application.reviews_service import ReviewService
from application.rules import LocalRules
from application.store import CaseworkStore
from projections import default_views
from projections.erasure import erasure_hook
from projections.framework import ProjectionHost

log = structlog.get_logger("casework.bootstrap")


@dataclass
class Container:
    settings: Settings
    rules: LocalRules
    store: CaseworkStore
    runner: CommandRunner
    token_verifier: TokenVerifier
    token_issuer: TokenIssuer | None
    services: dict[str, Any] = field(default_factory=dict)
    closers: list[Any] = field(default_factory=list)
    projections: ProjectionHost | None = None
    access_log: Any = None
    on_erased: list[ErasedHook] = field(default_factory=list)
    """Called with the ids of subjects whose keys `casework retention run --apply` destroyed,
    after their snapshots are gone and before VACUUM: read models delete their rows here."""

    def record_read(self, request: Any, action: str, kind: str, record_id: Any,
                    person_ids: Any = ()) -> None:
        """Log a read of personal data (no-op until the access log is configured)."""
        if self.access_log is not None:
            self.access_log.record_read(request, action, kind, record_id, person_ids)

    def projection_lag(self) -> dict[str, Any] | None:
        """Each view's position and lag (events and seconds behind), for /readyz and /metrics."""
        if self.projections is None:
            return None
        try:
            return self.projections.lag()
        except Exception as error:  # the store is unreachable: report, do not fail /readyz
            return {"ok": False, "error": type(error).__name__}

    def close(self) -> None:
        for closer in reversed(self.closers):
            closer()
        self.store.close()


def auth_secret(settings: Settings) -> str:
    return settings.auth_secret or local_secret(settings.var_dir, "auth-secret")


def token_issuer(settings: Settings) -> TokenIssuer | None:
    if settings.auth_mode is not AuthMode.LOCAL:
        return None
    return TokenIssuer(secret=auth_secret(settings), issuer=settings.auth_issuer,
                       audience=settings.auth_audience, minutes=settings.auth_token_minutes)


def token_verifier(settings: Settings) -> TokenVerifier:
    if settings.auth_mode is AuthMode.LOCAL:
        return TokenVerifier(issuer=settings.auth_issuer, audience=settings.auth_audience,
                             secret=auth_secret(settings))
    return TokenVerifier(issuer=settings.auth_issuer, audience=settings.auth_audience,
                         public_key=settings.auth_public_key, jwks_url=settings.auth_jwks_url)


def master_key(settings: Settings) -> str | None:
    if not settings.encryption:
        return None
    if settings.master_key:
        return settings.master_key
    return local_secret(settings.var_dir, "master-key", master_key=True)


def build_store(settings: Settings) -> CaseworkStore:
    if not settings.is_postgres:
        Path(settings.sqlite_path).parent.mkdir(parents=True, exist_ok=True)
    store = CaseworkStore(
        env=settings.eventsourcing_env(master_key(settings)),
        snapshot_interval=settings.snapshot_interval or None,
        aggregate_cache_size=settings.aggregate_cache_size,
        aggregate_cache_seconds=settings.aggregate_cache_seconds,
        verify_aggregate_cache=settings.aggregate_cache_verify or None,
    )
    keyring = getattr(store.mapper, "keyring", None)
    if keyring is not None:
        # Cached aggregates hold decrypted fields; a person's data may sit in cases and
        # reviews too, so any destroyed key empties this process's cache.
        keyring.on_destroyed.append(lambda _subject: store.forget_cached_aggregates())
    return store


def bootstrap(settings: Settings) -> Container:
    rules = load_rules(settings.rules_file)
    store = build_store(settings)
    runner = CommandRunner(store)
    container = Container(
        settings=settings,
        rules=rules,
        store=store,
        runner=runner,
        token_verifier=token_verifier(settings),
        token_issuer=token_issuer(settings),
        access_log=access_log_for_store(store),
        services={
            "cases": CaseService(store, runner, rules),
            "people": PeopleService(store, runner, rules),
            "protection": ProtectionService(store, runner, rules),
            "reviews": ReviewService(store, runner, rules),
            "plans": PlanService(store, runner, rules),
        },
    )
    container.projections = build_projection_host(store, settings, default_views())
    container.closers.append(container.projections.stop)
    # After erasure, rebuild the views that copy personal data (they then read "[erased]").
    container.on_erased.append(erasure_hook(container.projections))
    if settings.projections_in_process:
        container.services.setdefault("on_start", []).append(container.projections.start)
    install_restriction_guard(RestrictionGuard(store, rules.restriction, container.access_log))
    log.info("bootstrapped", store="postgresql" if settings.is_postgres else "sqlite",
             partnerships=len(rules.partnerships.partnerships))
    return container
