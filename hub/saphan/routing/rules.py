"""The routing policy file (``mappings/routing.yaml``) read into rules: structure only.

The file documents its own format; in short::

    deadlines: {general: 15, complex: 30}     # working days when the case gives none
    rules:                                    # in order; the first that matches wins
      - id: R3
        title: short name
        reason: why, shown with each decision ({variables} allowed)
        when: {format: pmo1111, codes: {pmo1111.topic: T02}}     # see conditions
        send:
          - to: RTP-IG                        # an agency code template
            copy: false                       # true: a copy for information only
            when: {...}                       # optional: only this destination
            reason: ...                       # optional: this destination's own reason
        also: false                           # true: later rules are tried as well
    status_changes:                           # how a status change travels (rule 6)
      id: R6
      reason: ...
      to: earlier_holders                     # or other_holders

Loading reports every problem of the file at once (:class:`~saphan.errors.ConfigError`).
Applying the rules is :mod:`saphan.routing.policy`'s business.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from saphan.errors import ConfigError, Problem
from saphan.routing.conditions import Always, Condition, parse_condition
from saphan.routing.templates import Template

_RULE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_TOP = frozenset({"version", "deadlines", "rules", "status_changes"})
_RULE_KEYS = frozenset({"id", "title", "reason", "when", "send", "also"})
_SEND_KEYS = frozenset({"to", "copy", "when", "reason"})
_STATUS_KEYS = frozenset({"id", "title", "reason", "to"})


class StatusAudience(StrEnum):
    """Who hears of a status change."""

    EARLIER_HOLDERS = "earlier_holders"  # holders before the one reporting (the policy)
    OTHER_HOLDERS = "other_holders"  # every holder but the one reporting


@dataclass(frozen=True, slots=True)
class Send:
    to: Template
    copy: bool
    when: Condition
    reason: Template | None
    path: str


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    title: str
    reason: Template
    when: Condition
    send: tuple[Send, ...]
    also: bool
    path: str


@dataclass(frozen=True, slots=True)
class StatusRule:
    id: str
    title: str
    reason: str
    audience: StatusAudience


@dataclass(frozen=True, slots=True)
class PolicySpec:
    rules: tuple[Rule, ...]
    status: StatusRule
    defaults: Mapping[str, int]
    source: str


def parse_policy(data: Any, source: str) -> PolicySpec:
    """Read a parsed policy document; every problem is reported at once."""
    problems: list[Problem] = []
    root = f"{source}#"
    if not isinstance(data, Mapping):
        raise ConfigError(f"{source} is not a routing policy", [Problem(root, "not a mapping")])
    _unknown_keys(data, _TOP, root, problems)
    defaults = _deadlines(data.get("deadlines"), f"{root}/deadlines", problems)
    rules: list[Rule] = []
    items = data.get("rules")
    if not isinstance(items, list) or not items:
        problems.append(Problem(f"{root}/rules", "must be a non-empty list of rules"))
        items = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        rule = _rule(item, f"{root}/rules/{i}", problems)
        if rule is None:
            continue
        if rule.id in seen:
            problems.append(Problem(f"{root}/rules/{i}/id", f"rule id {rule.id} is used twice"))
        seen.add(rule.id)
        rules.append(rule)
    status = _status(data.get("status_changes"), f"{root}/status_changes", problems)
    if status is not None and status.id in seen:
        problems.append(Problem(f"{root}/status_changes/id", f"rule id {status.id} is used twice"))
    if problems or status is None:
        raise ConfigError(f"{source}: {len(problems)} problem(s) in the routing policy", problems)
    return PolicySpec(tuple(rules), status, defaults, source)


def _unknown_keys(
    data: Mapping[Any, Any], known: frozenset[str], path: str, problems: list[Problem]
) -> None:
    for key in data:
        if key not in known:
            problems.append(
                Problem(f"{path}/{key}", f"unknown key (known: {', '.join(sorted(known))})")
            )


def _deadlines(data: Any, path: str, problems: list[Problem]) -> dict[str, int]:
    out = {"general": 15, "complex": 30}
    if data is None:
        return out
    if not isinstance(data, Mapping):
        problems.append(Problem(path, "must map general/complex to working days"))
        return out
    _unknown_keys(data, frozenset(out), path, problems)
    for kind in out:
        value = data.get(kind, out[kind])
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 3650:
            problems.append(Problem(f"{path}/{kind}", "must be a whole number of days, 1 to 3650"))
        else:
            out[kind] = value
    return out


def _text(data: Mapping[Any, Any], key: str, path: str, problems: list[Problem]) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        problems.append(Problem(f"{path}/{key}", "must be text"))
        return None
    return value.strip()


def _template(text: str | None, path: str, problems: list[Problem]) -> Template | None:
    if text is None:
        return None
    try:
        return Template.parse(text)
    except ValueError as exc:
        problems.append(Problem(path, str(exc)))
        return None


def _rule(data: Any, path: str, problems: list[Problem]) -> Rule | None:
    if not isinstance(data, Mapping):
        problems.append(Problem(path, "a rule is a mapping"))
        return None
    _unknown_keys(data, _RULE_KEYS, path, problems)
    rule_id = _text(data, "id", path, problems)
    if rule_id is None or not _RULE_ID.match(rule_id):
        problems.append(Problem(f"{path}/id", "every rule needs an id (letters, digits, -_.)"))
        rule_id = rule_id or "?"
    reason_text = _text(data, "reason", path, problems)
    if reason_text is None:
        problems.append(Problem(f"{path}/reason", "every rule explains itself: give a reason"))
    reason = _template(reason_text, f"{path}/reason", problems)
    when = parse_condition(data.get("when"), f"{path}/when", problems)
    also = data.get("also", False)
    if not isinstance(also, bool):
        problems.append(Problem(f"{path}/also", "must be true or false"))
    sends: list[Send] = []
    items = data.get("send")
    if not isinstance(items, list) or not items:
        problems.append(Problem(f"{path}/send", "must be a non-empty list of destinations"))
        items = []
    for j, item in enumerate(items):
        send = _send(item, f"{path}/send/{j}", problems)
        if send is not None:
            sends.append(send)
    if reason is None:
        return None
    title = _text(data, "title", path, problems) or rule_id
    return Rule(rule_id, title, reason, when, tuple(sends), also is True, path)


def _send(data: Any, path: str, problems: list[Problem]) -> Send | None:
    if isinstance(data, str):
        data = {"to": data}
    if not isinstance(data, Mapping):
        problems.append(Problem(path, "a destination is a mapping with 'to'"))
        return None
    _unknown_keys(data, _SEND_KEYS, path, problems)
    to = _template(_text(data, "to", path, problems), f"{path}/to", problems)
    if to is None:
        if "to" not in data:
            problems.append(Problem(f"{path}/to", "names the destination agency"))
        return None
    copy = data.get("copy", False)
    if not isinstance(copy, bool):
        problems.append(Problem(f"{path}/copy", "must be true or false"))
    when = parse_condition(data["when"], f"{path}/when", problems) if "when" in data else Always()
    reason = _template(_text(data, "reason", path, problems), f"{path}/reason", problems)
    return Send(to, copy is True, when, reason, path)


def _status(data: Any, path: str, problems: list[Problem]) -> StatusRule | None:
    if not isinstance(data, Mapping):
        problems.append(Problem(path, "describe how status changes travel (rule 6)"))
        return None
    _unknown_keys(data, _STATUS_KEYS, path, problems)
    rule_id = _text(data, "id", path, problems) or "status"
    reason = _text(data, "reason", path, problems)
    if reason is None:
        problems.append(Problem(f"{path}/reason", "give a reason"))
    try:
        audience = StatusAudience(data.get("to", StatusAudience.EARLIER_HOLDERS.value))
    except ValueError:
        known = ", ".join(a.value for a in StatusAudience)
        problems.append(Problem(f"{path}/to", f"must be one of {known}"))
        return None
    title = _text(data, "title", path, problems) or rule_id
    return StatusRule(rule_id, title, reason or "", audience)


__all__ = ["PolicySpec", "Rule", "Send", "StatusAudience", "StatusRule", "parse_policy"]
