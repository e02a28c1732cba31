"""工作台: what the signed-in user should do next, how the work is going, and where it is heading.

Three parts, each collected here from the apps' selectors (the console never reads another app's models):

- **To-dos**: counts that link straight into the queue filtered to exactly those rows. An app contributes
  them through one ``workbench_counts`` selector that returns ``{count_key: n}`` in as few queries as it
  can; the same selector-side annotation filters the target list, so the count and the rows cannot drift.
  :data:`TODOS` is the registry, keyed by the permission that lets a user act on the queue, so a role sees
  only to-dos it may act on. A zero is shown (muted), never hidden: "nothing waits" is information too.
- **KPI cards**: the role's figures for the last :data:`PERIOD_DAYS` days against the
  :data:`PERIOD_DAYS` days before (R8.1.2), computed from the system's own rows by the apps' KPI functions.
- **Trend**: one small chart of the last :data:`PERIOD_DAYS` days for the role's first KPI group.

Adding a to-do (see ``docs/console.md``, 工作台)::

    # <app>/selectors.py: count the rows the list's filter would show
    def workbench_counts(*, actor, now) -> dict[str, int]: ...

    # here: name the provider once, then one ToDoSpec per count
    PROVIDERS["<app>"] = lambda actor, now: <app>_selectors.workbench_counts(actor=actor, now=now)
    TODOS["<permission>"].append(ToDoSpec("<key>", _("Label"), "<app>", "<count_key>", "<app>:<url>", "?x=y"))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mallops.accounts.actors import actor_of
from mallops.aftersales import selectors as aftersales_selectors
from mallops.catalogue import selectors as catalogue_selectors
from mallops.core.actors import Actor
from mallops.core.errors import DomainError
from mallops.dsr import selectors as dsr_selectors
from mallops.ops import selectors as ops_selectors
from mallops.orders import selectors as orders_selectors
from mallops.review import selectors as review_selectors
from mallops.risk import selectors as risk_selectors
from mallops.service import selectors as service_selectors

PERIOD_DAYS = 14

# ---- to-dos ---------------------------------------------------------------------------------------------
Provider = Callable[[Actor, datetime], dict[str, int]]

# app → its ``workbench_counts`` (called at most once per page, however many to-dos read it)
PROVIDERS: dict[str, Provider] = {
    "review": lambda actor, now: review_selectors.workbench_counts(actor=actor, now=now),
    "service": lambda actor, now: service_selectors.workbench_counts(actor=actor, now=now),
    "aftersales": lambda actor, now: aftersales_selectors.workbench_counts(actor=actor),
    "aftersales_review": lambda actor, now: aftersales_selectors.review_counts(actor=actor),
    "orders": lambda actor, now: orders_selectors.workbench_counts(actor=actor),
    "catalogue": lambda actor, now: catalogue_selectors.workbench_counts(actor=actor, now=now),
    "dsr": lambda actor, now: dsr_selectors.workbench_counts(actor=actor, now=now),
    "risk": lambda actor, now: risk_selectors.workbench_counts(actor=actor),
    "ops": lambda actor, now: ops_selectors.workbench_counts(actor=actor, now=now),
    "ops_incidents": lambda actor, now: ops_selectors.workbench_incident_counts(actor=actor),
}


@dataclass(frozen=True)
class ToDoSpec:
    """One to-do: ``PROVIDERS[provider](actor, now)[count_key]`` rows, listed at ``url_name`` + ``query``.

    ``also_requires`` names further permissions the target page needs besides the registry key.
    """

    key: str
    label: Any
    provider: str
    count_key: str
    url_name: str
    query: str = ""
    also_requires: tuple[str, ...] = ()


# permission → the to-dos of the queues that permission acts on (menu order: goods, trade, service, risk, system)
TODOS: dict[str, list[ToDoSpec]] = {
    "listing.review": [
        ToDoSpec("review_waiting", _("Listings waiting for review"), "review", "waiting", "review:queue"),
        ToDoSpec(
            "review_claims_expiring",
            _("Claims about to expire"),
            "review",
            "claims_expiring",
            "review:queue",
            f"?claim_state={review_selectors.CLAIM_EXPIRING}",
        ),
    ],
    "store.listing.manage": [
        ToDoSpec(
            "certificates_expiring",
            _("Certificates expiring within 30 days"),
            "catalogue",
            "certificates_expiring",
            "review:merchant_certificates",
            "?expiring=1",
        ),
    ],
    "store.order.manage": [
        ToDoSpec(
            "orders_to_ship", _("Orders to ship"), "orders", "to_ship", "orders:merchant", "?status=paid"
        ),
        ToDoSpec(
            "stock_low",
            _("SKUs low on stock"),
            "orders",
            "low_stock",
            "orders:merchant_stock",
            f"?stock_state={orders_selectors.STOCK_LOW}",
        ),
    ],
    "store.service.handle": [
        ToDoSpec(
            "store_tickets_sla_near",
            _("Tickets near an SLA breach"),
            "service",  # tickets_for(actor) is the store's own tickets for a merchant user
            "sla_near",
            "service:store_queue",
            f"?scope={service_selectors.SLA_NEAR}",
        ),
        ToDoSpec(
            "store_tickets_sla_breached",
            _("Open tickets past their SLA"),
            "service",
            "sla_breached",
            "service:store_queue",
            f"?scope={service_selectors.SLA_BREACHED}",
        ),
        ToDoSpec(
            "aftersales_pending",
            _("After-sales requests waiting for you"),
            "aftersales",
            "pending",
            "aftersales:merchant",
            "?status=pending",
        ),
        ToDoSpec(
            "aftersales_returning",
            _("Returns to receive"),
            "aftersales",
            "returning",
            "aftersales:merchant",
            "?status=returning",
        ),
    ],
    "ticket.handle": [
        ToDoSpec(
            "tickets_sla_near",
            _("Tickets near an SLA breach"),
            "service",
            "sla_near",
            "service:queue",
            f"?scope={service_selectors.SLA_NEAR}",
        ),
        ToDoSpec(
            "tickets_sla_breached",
            _("Open tickets past their SLA"),
            "service",
            "sla_breached",
            "service:queue",
            f"?scope={service_selectors.SLA_BREACHED}",
        ),
    ],
    "aftersales.handle": [
        ToDoSpec(
            "aftersales_reviewing",
            _("After-sales outcomes to review and close"),
            "aftersales_review",
            "reviewing",
            "aftersales:queue",
            "?status=reviewing",
        ),
    ],
    "privacy.dsr.handle": [
        ToDoSpec(
            "dsr_overdue",
            _("Data-subject requests overdue"),
            "dsr",
            "overdue",
            "dsr:queue",
            f"?due_state={dsr_selectors.DUE_OVERDUE}",
        ),
        ToDoSpec(
            "dsr_due_soon",
            _("Data-subject requests due within 3 days"),
            "dsr",
            "due_soon",
            "dsr:queue",
            f"?due_state={dsr_selectors.DUE_SOON}",
        ),
    ],
    "risk.decide": [
        ToDoSpec("risk_open", _("Open risk decisions"), "risk", "open", "risk:queue", "?status=open"),
    ],
    "system.operate": [
        ToDoSpec(
            "backups_failed",
            _("Failed backups (7 days)"),
            "ops",
            "failed_backups",
            "ops:backups",
            "?result=failed",
        ),
    ],
    "staff.manage": [
        ToDoSpec(
            "incidents_active",
            _("Incidents not closed"),
            "ops_incidents",
            "incidents",
            "ops:incidents",
            "?status=active",
            also_requires=("system.operate",),
        ),
    ],
}


@dataclass(frozen=True)
class ToDo:
    key: str
    label: Any
    count: int
    url: str


def todos_for(user: Any, now: datetime) -> list[ToDo]:
    """The user's to-dos in registry order, each provider called once. A provider that refuses the user
    (no store membership, a permission missing) contributes nothing: tenancy fails closed."""
    results: dict[str, dict[str, int] | None] = {}
    out: list[ToDo] = []
    actor = actor_of(user)  # the providers are selectors: they take the typed actor (issue 16)
    for permission, specs in TODOS.items():
        if not user.has_perm(permission):
            continue
        for spec in specs:
            if not all(user.has_perm(extra) for extra in spec.also_requires):
                continue
            if spec.provider not in results:
                try:
                    results[spec.provider] = PROVIDERS[spec.provider](actor, now)
                except DomainError:
                    results[spec.provider] = None
            counts = results[spec.provider]
            if counts is None:
                continue
            out.append(
                ToDo(spec.key, spec.label, counts[spec.count_key], reverse(spec.url_name) + spec.query)
            )
    return out


# ---- KPI cards and the trend ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Kpi:
    """One ``{% kpi_card %}``: value and previous-period value (same unit), and which way is good."""

    key: str
    label: Any
    value: float | int | None
    previous: float | int | None
    unit: Any = ""
    money: bool = False
    better: str = "up"
    href: str = ""


@dataclass(frozen=True)
class Trend:
    """One small line chart: Beijing days (``MM-DD``) and one series."""

    key: str
    title: Any
    days: list[str]
    values: list[float | int | None]
    unit: Any = ""

    def option(self) -> dict[str, Any]:
        return {
            "xAxis": {"type": "category", "data": self.days},
            "yAxis": {"type": "value", "name": str(self.unit)},
            "series": [{"type": "line", "name": str(self.title), "data": self.values}],
        }


@dataclass
class KpiGroup:
    kpis: list[Kpi] = field(default_factory=list)
    trend: Trend | None = None


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 1)


def _short_days(daily: list[tuple[str, Any]]) -> list[str]:
    return [day[5:] for day, _value in daily]


def _review_group(user: Any, now: datetime) -> KpiGroup:
    data = review_selectors.workbench_turnaround(actor=actor_of(user), now=now, days=PERIOD_DAYS)
    href = reverse("review:metrics")
    return KpiGroup(
        kpis=[
            Kpi(
                "review_turnaround",
                _("Review turnaround (median)"),
                _hours(data["turnaround_p50"]),
                _hours(data["turnaround_p50_previous"]),
                unit=_("hours"),
                better="down",
                href=href,
            ),
            Kpi(
                "review_decisions",
                _("Review decisions"),
                data["decisions"],
                data["decisions_previous"],
                href=href,
            ),
        ],
        trend=Trend(
            "review_decisions",
            _("Review decisions per day"),
            _short_days(data["daily"]),
            [n for _day, n in data["daily"]],
        ),
    )


def _service_group(user: Any, now: datetime) -> KpiGroup:
    data = service_selectors.workbench_kpis(now=now, days=PERIOD_DAYS)
    href = reverse("service:dashboard") if user.has_perm("ticket.supervise") else ""
    return KpiGroup(
        kpis=[
            Kpi(
                "sla_attainment",
                _("SLA attainment"),
                data["sla_attainment_pct"],
                data["sla_attainment_pct_previous"],
                "%",
                href=href,
            ),
            Kpi("csat", _("CSAT"), data["csat"], data["csat_previous"], "/ 5", href=href),
            Kpi(
                "tickets",
                _("Tickets received"),
                data["tickets"],
                data["tickets_previous"],
                better="down",
                href=href,
            ),
        ],
        trend=Trend(
            "tickets_created",
            _("Tickets received per day"),
            _short_days(data["daily"]),
            [n for _day, n in data["daily"]],
        ),
    )


def _store_sales_group(user: Any, now: datetime) -> KpiGroup:
    data = orders_selectors.workbench_sales(actor=actor_of(user), now=now, days=PERIOD_DAYS)
    href = reverse("orders:merchant")
    return KpiGroup(
        kpis=[
            Kpi("gmv", _("GMV"), data["gmv_fen"], data["gmv_fen_previous"], money=True, href=href),
            Kpi("paid_orders", _("Paid orders"), data["orders"], data["orders_previous"], href=href),
            Kpi(
                "refund_rate",
                _("Refund rate"),
                data["refund_pct"],
                data["refund_pct_previous"],
                "%",
                better="down",
            ),
        ],
        trend=Trend(
            "gmv",
            _("GMV per day (yuan)"),
            _short_days(data["daily"]),
            [round(fen / 100, 2) for _day, fen in data["daily"]],
            unit="¥",
        ),
    )


def _dsr_group(user: Any, now: datetime) -> KpiGroup:
    data = dsr_selectors.workbench_timeliness(actor=actor_of(user), now=now, days=PERIOD_DAYS)
    href = reverse("dsr:queue")
    return KpiGroup(
        kpis=[
            Kpi(
                "dsr_on_time",
                _("Data-subject requests closed on time"),
                data["on_time_pct"],
                data["on_time_pct_previous"],
                "%",
                href=href,
            ),
            Kpi(
                "dsr_closed",
                _("Data-subject requests closed"),
                data["closed"],
                data["closed_previous"],
                href=href,
            ),
        ],
        trend=Trend(
            "dsr_received",
            _("Data-subject requests received per day"),
            _short_days(data["daily"]),
            [n for _day, n in data["daily"]],
        ),
    )


def _platform_sales_group(user: Any, now: datetime) -> KpiGroup:
    from mallops.analytics.metrics import kpi_report
    from mallops.core.timeutil import SHANGHAI

    end = now.astimezone(SHANGHAI).date()
    report = kpi_report(
        start=end - timedelta(days=PERIOD_DAYS - 1), end=end, daily=("gmv_fen", "conversion_rate")
    )
    metrics = {m["key"]: m for m in report["metrics"]}
    href = reverse("analytics:dashboard")

    def pct(value: float | None) -> float | None:
        return None if value is None else round(value * 100, 2)

    gmv, conversion = metrics["gmv_fen"], metrics["conversion_rate"]
    return KpiGroup(
        kpis=[
            Kpi("gmv", _("GMV"), gmv["value"], gmv["previous"], money=True, href=href),
            Kpi(
                "conversion",
                _("Conversion rate"),
                pct(conversion["value"]),
                pct(conversion["previous"]),
                "%",
                href=href,
            ),
        ],
        trend=Trend(
            "gmv",
            _("GMV per day (yuan)"),
            [p["date"][5:] for p in report["series"]["gmv_fen"]],
            [round((p["value"] or 0) / 100, 2) for p in report["series"]["gmv_fen"]],
            unit="¥",
        ),
    )


# permission → the KPI group of that work, in priority order. A user gets the first MAX_KPI_GROUPS groups
# that match (the role's main work; the platform admin, who holds every permission, gets review) and the
# trend of the first. One group keeps the page within its query budget for every role.
KPI_GROUPS: dict[str, Callable[[Any, datetime], KpiGroup]] = {
    "listing.review": _review_group,
    "ticket.handle": _service_group,
    "store.order.manage": _store_sales_group,
    "privacy.dsr.handle": _dsr_group,
    "analytics.view": _platform_sales_group,
}
MAX_KPI_GROUPS = 1


@dataclass
class Workbench:
    todos: list[ToDo]
    kpis: list[Kpi]
    trend: Trend | None
    period_days: int = PERIOD_DAYS

    @property
    def open_count(self) -> int:
        return sum(todo.count for todo in self.todos)


def workbench_for(user: Any, *, now: datetime | None = None) -> Workbench:
    """Everything the dashboard shows for ``user`` (see the module docstring)."""
    now = now or timezone.now()
    groups: list[KpiGroup] = []
    for permission, build in KPI_GROUPS.items():
        if len(groups) >= MAX_KPI_GROUPS:
            break
        if user.has_perm(permission):
            try:
                groups.append(build(user, now))
            except DomainError:  # e.g. a merchant user without an active membership: fail closed
                continue
    return Workbench(
        todos=todos_for(user, now),
        kpis=[kpi for group in groups for kpi in group.kpis],
        trend=groups[0].trend if groups else None,
    )
