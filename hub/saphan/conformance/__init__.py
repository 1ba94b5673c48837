"""The conformance suite integrators run against their own agency system.

The suite plays the hub, on the integrator's machine and without the internet: it
pushes signed transfers to the agency's endpoint (or serves them from an inbox the
agency's client pulls), checks the receipts and refusals the hub contract asks for,
checks the agency's own messages, and takes status reports. ``conformance/PROTOCOL.md``
describes every case; ``docs/integrators.md`` how to run it.

* :mod:`.settings`, :mod:`.agencykeys`: what a run is told;
* :mod:`.registry`, :mod:`.cases`: the catalogue of cases;
* :mod:`.runner`, :mod:`.context`: running them;
* :mod:`.hubside`, :mod:`.inbox`, :mod:`.pusher`, :mod:`.receiptcheck`: the suite as
  the hub (its endpoint, its inbox, its pushes, its judgement of receipts);
* :mod:`.fixtures`: the messages it sends;
* :mod:`.model`, :mod:`.reports`, :mod:`.junit`: results and how they are shown.

The hub itself never imports this package.
"""

from saphan.conformance.agencykeys import AgencyKeys, load_agency_keys, parse_agency_keys
from saphan.conformance.model import CaseResult, Level, Outcome, SuiteResult
from saphan.conformance.registry import CaseSpec, all_cases, plan
from saphan.conformance.reports import html_report, result_json, summary_text, write_reports
from saphan.conformance.runner import run_suite
from saphan.conformance.settings import Mode, SuiteSettings, default_agency

__all__ = [
    "AgencyKeys",
    "CaseResult",
    "CaseSpec",
    "Level",
    "Mode",
    "Outcome",
    "SuiteResult",
    "SuiteSettings",
    "all_cases",
    "default_agency",
    "html_report",
    "load_agency_keys",
    "parse_agency_keys",
    "plan",
    "result_json",
    "run_suite",
    "summary_text",
    "write_reports",
]
