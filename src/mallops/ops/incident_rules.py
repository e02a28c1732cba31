"""When the regulator must hear about an incident: pure rules, no Django (docs/operations.md, Incidents).

* 《国家网络安全事件报告管理办法》 (CAC, issued 2025-09-11, in force 2025-11-01): a network operator reports
  a cybersecurity incident of level 较大 (relatively major) or above to the cyberspace department where it
  is located within **4 hours** of discovering it; an operator of critical information infrastructure
  reports within **1 hour** (verify the article numbers against the official text before citing them).
* PIPL Art. 57: on a leak, tampering or loss of personal information the handler takes remedial measures
  **immediately** and notifies the personal-information protection authorities and the individuals (the
  law sets no number of hours). For an incident below 较大 that involves personal data the platform sets
  itself **24 hours** (platform practice, not law: ``PLATFORM``), so that "immediately" has a timer.

Severity follows the four levels of the CAC measures: sev1 特别重大, sev2 重大, sev3 较大, sev4 一般.
"""

from __future__ import annotations

from datetime import datetime, timedelta

MAJOR_OR_ABOVE = frozenset({"sev1", "sev2", "sev3"})
CYBER_KINDS = frozenset({"data_leak", "system_failure"})
OPERATOR_HOURS = 4
CII_OPERATOR_HOURS = 1
PERSONAL_DATA_PLATFORM_HOURS = 24


def regulator_deadline(
    *,
    kind: str,
    severity: str,
    involves_personal_data: bool,
    detected_at: datetime,
    cii_operator: bool = False,
) -> tuple[datetime | None, str]:
    """The moment the regulator must have been notified, and the rule that sets it (None: no deadline)."""
    if kind in CYBER_KINDS and severity in MAJOR_OR_ABOVE:
        hours = CII_OPERATOR_HOURS if cii_operator else OPERATOR_HOURS
        return detected_at + timedelta(hours=hours), (
            f"CAC incident reporting measures: level 较大 or above, {hours} h from discovery"
            + (" (critical information infrastructure)" if cii_operator else "")
        )
    if involves_personal_data:
        return detected_at + timedelta(hours=PERSONAL_DATA_PLATFORM_HOURS), (
            "PIPL Art. 57: notify without delay; platform timer 24 h"
        )
    return None, ""
