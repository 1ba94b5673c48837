"""The routing policy as data: where a case goes, why, by when, and who hears of a status
change. Rules live in ``mappings/routing.yaml``; working days in
:mod:`saphan.reference.workdays`; agencies in :mod:`saphan.directory`."""

from saphan.routing.deadlines import Allowance, Deadline, Start, allowance, start_day
from saphan.routing.facts import Facts
from saphan.routing.policy import (
    POLICY_FILE,
    Decision,
    Policy,
    RuleTrace,
    default_policy,
    load_policy,
    refresh,
    route,
    status_recipients,
)
from saphan.routing.rules import StatusAudience

__all__ = [
    "POLICY_FILE",
    "Allowance",
    "Deadline",
    "Decision",
    "Facts",
    "Policy",
    "RuleTrace",
    "Start",
    "StatusAudience",
    "allowance",
    "default_policy",
    "load_policy",
    "refresh",
    "route",
    "start_day",
    "status_recipients",
]
