"""The users offered on the sign-in page when demo sign-in is on (local auth mode only).

Each is one user with one role, as a partnership would set them up in its identity
provider. The ids match the officer names the demo data uses (``asb.officer.patel``...).
"""

from __future__ import annotations

from dataclasses import dataclass

from adapters.auth.tokens import ALL_PARTNERSHIPS
from application.context import Role


@dataclass(frozen=True)
class DemoUser:
    key: str
    """What the sign-in form sends (never a token or a secret)."""
    user_id: str
    display_name: str
    agency: str
    role: str
    partnerships: tuple[str, ...]
    description: str

    @property
    def all_partnerships(self) -> bool:
        return ALL_PARTNERSHIPS in self.partnerships


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("pc-jones", "pc.jones", "PC Jones", "herts-police", Role.OFFICER,
             ("north-herts",), "Neighbourhood police officer, Hitchin"),
    DemoUser("asha-patel", "asb.officer.patel", "Asha Patel", "north-herts-council",
             Role.OFFICER, ("north-herts",), "ASB officer, North Hertfordshire council"),
    DemoUser("lee-housing", "housing.officer.lee", "Jordan Lee", "settle-housing", Role.OFFICER,
             ("north-herts",), "Housing officer, Settle"),
    DemoUser("pc-green", "pc.green", "PC Green", "herts-police", Role.OFFICER,
             ("st-albans",), "Neighbourhood police officer, St Albans"),
    DemoUser("csp-coordinator", "csp.coordinator", "CSP coordinator", "north-herts-council",
             Role.COORDINATOR, ("north-herts",), "Runs the North Herts JAG"),
    DemoUser("rag-member", "rag.member", "RAG member", "herts-pcc", Role.RAG,
             ("north-herts",), "Responsible Authorities Group: reports only, no names"),
    DemoUser("auditor", "ig.auditor", "Information governance auditor", "herts-county-council",
             Role.AUDITOR, (ALL_PARTNERSHIPS,), "Reads any case and its history, changes nothing"),
    DemoUser("admin", "casework.admin", "Service administrator", "herts-county-council",
             Role.ADMIN, (ALL_PARTNERSHIPS,), "Every role, every partnership"),
)


def demo_user(key: str) -> DemoUser | None:
    return next((user for user in DEMO_USERS if user.key == key), None)
