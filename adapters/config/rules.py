"""Loading the local rules file (TOML) into the domain's rule types.

Unknown keys and wrong types fail at start-up with a message naming the key.
"""

from __future__ import annotations

import dataclasses
import tomllib
import types
import typing
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar, get_args, get_origin, get_type_hints

from application.rules import LocalRules
from domain.shared.errors import DomainError
from domain.shared.partnerships import Partnership, PartnershipDirectory, Ward

T = TypeVar("T")


class RulesError(Exception):
    """The rules file is invalid; the message names the key."""


def default_rules_text() -> str:
    return resources.files("adapters.config").joinpath("default_rules.toml").read_text()


def load_rules(path: Path | None) -> LocalRules:
    source = "packaged defaults" if path is None else str(path)
    try:
        text = default_rules_text() if path is None else path.read_text()
    except OSError as error:
        raise RulesError(f"CASEWORK_RULES_FILE: cannot read {path}: {error}") from error
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise RulesError(f"rules file {source}: not valid TOML: {error}") from error
    return rules_from_mapping(data, source)


def rules_from_mapping(data: dict[str, Any], source: str = "rules") -> LocalRules:
    data = dict(data)
    agencies = {str(k): str(v) for k, v in data.pop("agencies", {}).items()}
    partnerships = tuple(
        _partnership(item, f"{source}: partnerships[{index}]", agencies)
        for index, item in enumerate(data.pop("partnerships", []))
    )
    if not partnerships:
        raise RulesError(f"{source}: at least one [[partnerships]] entry is needed")
    ids = [p.id for p in partnerships]
    if len(set(ids)) != len(ids):
        raise RulesError(f"{source}: partnership ids must be unique, got {ids}")
    sections: dict[str, Any] = {}
    for field in dataclasses.fields(LocalRules):
        if field.name in ("partnerships", "agencies"):
            continue
        if field.name in data:
            section_type = get_type_hints(LocalRules)[field.name]
            sections[field.name] = build(section_type, data.pop(field.name),
                                         f"{source}: {field.name}")
    if data:
        raise RulesError(f"{source}: unknown section(s) {sorted(data)}")
    return LocalRules(
        partnerships=PartnershipDirectory(partnerships), agencies=agencies, **sections
    )


def _partnership(item: dict[str, Any], where: str, agencies: dict[str, str]) -> Partnership:
    try:
        wards = tuple(
            Ward(
                name=str(w["name"]),
                neighbourhood=str(w["neighbourhood"]),
                outward_postcodes=tuple(w.get("outward_postcodes", ())),
            )
            for w in item.get("wards", [])
        )
        partnership = Partnership(
            id=str(item["id"]),
            name=str(item["name"]),
            wards=wards,
            agencies=tuple(item.get("agencies", ())),
            priorities=tuple(item.get("priorities", ())),
            jag_meeting_day=str(item.get("jag_meeting_day", "")),
        )
    except KeyError as missing:
        raise RulesError(f"{where}: missing key {missing}") from None
    unknown = [a for a in partnership.agencies if a not in agencies]
    if unknown:
        raise RulesError(f"{where}.agencies: not listed under [agencies]: {unknown}")
    if not partnership.wards:
        raise RulesError(f"{where}.wards: a partnership needs at least one ward")
    return partnership


def build(target: Any, value: Any, where: str) -> Any:
    """Build ``target`` (a dataclass, tuple, dict or scalar type) from TOML data."""
    origin = get_origin(target)
    if dataclasses.is_dataclass(target) and isinstance(target, type):
        if not isinstance(value, dict):
            raise RulesError(f"{where}: expected a table")
        hints = get_type_hints(target)
        names = {f.name for f in dataclasses.fields(target)}
        unknown = set(value) - names
        if unknown:
            raise RulesError(f"{where}: unknown key(s) {sorted(unknown)}")
        kwargs = {k: build(hints[k], v, f"{where}.{k}") for k, v in value.items()}
        try:
            return target(**kwargs)
        except DomainError as error:
            path = f"{where}.{error.field}" if error.field else where
            raise RulesError(f"{path}: {error.message}") from error
        except (TypeError, ValueError) as error:
            raise RulesError(f"{where}: {error}") from error
    if origin is tuple:
        args = get_args(target)
        if not isinstance(value, list):
            raise RulesError(f"{where}: expected a list")
        item_type = args[0] if args else Any
        return tuple(build(item_type, v, f"{where}[{i}]") for i, v in enumerate(value))
    if origin is dict:
        key_type, value_type = get_args(target)
        if not isinstance(value, dict):
            raise RulesError(f"{where}: expected a table")
        return {build(key_type, k, where): build(value_type, v, f"{where}.{k}")
                for k, v in value.items()}
    if origin in (types.UnionType, typing.Union):
        options = [a for a in get_args(target) if a is not type(None)]
        if value is None:
            return None
        return build(options[0], value, where)
    if target is Any:
        return value
    if isinstance(target, type):
        if target is bool and not isinstance(value, bool):
            raise RulesError(f"{where}: expected true or false")
        if target is int and (isinstance(value, bool) or not isinstance(value, int)):
            raise RulesError(f"{where}: expected a whole number")
        if target is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if target is str and not isinstance(value, str):
            raise RulesError(f"{where}: expected text in quotes")
        try:
            return value if isinstance(value, target) else target(value)
        except (TypeError, ValueError) as error:
            raise RulesError(f"{where}: {error}") from error
    return value
