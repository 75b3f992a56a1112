"""Partnerships and their areas, as configured in the local rules file."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Ward:
    name: str
    neighbourhood: str
    outward_postcodes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Partnership:
    id: str
    name: str
    wards: tuple[Ward, ...]
    agencies: tuple[str, ...]
    priorities: tuple[str, ...] = ()
    jag_meeting_day: str = ""

    def ward(self, name: str) -> Ward | None:
        return next((ward for ward in self.wards if ward.name == name), None)

    def has_agency(self, agency: str) -> bool:
        return agency in self.agencies


@dataclass(frozen=True)
class PartnershipDirectory:
    partnerships: tuple[Partnership, ...] = field(default_factory=tuple)

    def get(self, partnership_id: str) -> Partnership | None:
        return next((p for p in self.partnerships if p.id == partnership_id), None)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(p.id for p in self.partnerships)
