"""The data table behind every console list page: search, filters, date range, sort, pagination, export.

A list view declares its columns once and hands over a queryset that is already scoped to the user::

    table = DataTable(
        request,
        Order.objects.filter(merchant=merchant),
        columns=[
            Column("number", _("Order"), sort="number", link=lambda o: reverse("orders:detail", args=[o.pk])),
            Column("status", _("Status"), kind="badge", display=lambda o: o.get_status_display()),
            Column("paid_fen", _("Paid"), kind="money", sort="paid_fen"),
            Column("created_at", _("Created"), kind="datetime", sort="created_at"),
        ],
        search=["number", "ship_recipient"],
        filters=[Filter("status", _("Status"), OrderStatus.choices)],
        date_range=DateRange("created_at", _("Created")),
        default_sort="-created_at",
        export_name="orders",
    )
    if table.export_format:
        return table.export_response()
    return render(request, "orders/list.html", {"table": table})

and the template draws it with ``{% data_table table %}``. Query parameters: ``q`` (search), one per
filter, ``from``/``to`` (dates, Beijing time, both days included), ``sort`` (``created_at`` or
``-created_at``; only declared sortable columns), ``page``, ``export=csv|xlsx`` (every filtered row, in the
current order, at most ``EXPORT_LIMIT``), ``purpose`` (导出用途). Unknown or malformed values are ignored,
never an error.

An export of columns that hold declared personal data (the privacy registry's ``PERSONAL_DATA``) records
itself (audit ``privacy.export``: rows, columns, data classes, purpose) through the recorder the console
app registers (``register_export_audit``: the kit imports no feature app); from ``PURPOSE_THRESHOLD`` rows
the toolbar asks for a purpose and an export without one is refused.

A report that computes its rows (a list of dicts or objects) passes the list instead of a queryset: the
same parameters then apply in memory (search and filter paths use ``__`` between parts; filters compare by
equality; ``row_key`` names the key that identifies a row).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _lazy

from mallops.console import formats

EXPORT_LIMIT = 50_000
# a bulk export of personal data states its purpose (PIPL Art. 6; the self-inspection's PIPL6-EXPORT-PURPOSE)
PURPOSE_THRESHOLD = 50


@dataclass(frozen=True)
class ExportAudit:
    """How an export of personal data is recognised and recorded (registered by the console app).

    ``classes(model, paths)``: the data classes the attribute paths of ``model`` hold (empty: none);
    ``record(request=, what=, rows=, columns=, data_classes=, purpose=)``: writes the audit event;
    ``computed(export_name, column_keys)``: the data classes a table of computed rows (no model behind
    them) holds, from what its export declares (raises when it declares nothing)."""

    classes: Callable[[type[Any] | None, Sequence[str]], Sequence[Any]]
    record: Callable[..., None]
    computed: Callable[[str, Sequence[str]], Sequence[Any]] = lambda _name, _keys: ()


_export_audit: list[ExportAudit] = []


def register_export_audit(audit: ExportAudit) -> None:
    """Install the recorder of personal-data exports (the last one registered wins)."""
    _export_audit[:] = [audit]


KINDS = frozenset({"text", "number", "money", "datetime", "date", "duration", "badge", "template"})


@dataclass(frozen=True)
class Column:
    """One column. ``key`` is an attribute path on the row (``merchant.name``) unless ``value`` is given.

    kind: text | number | money (fen → ¥1,049.00) | datetime | date | duration (seconds) | badge (``display``
    gives the label, ``tone`` the colour; default tone from the raw value) | template (``template`` is
    included with ``row`` in its context: per-row buttons and forms).
    """

    key: str
    label: Any
    kind: str = "text"
    sort: str | None = None
    value: Callable[[Any], Any] | None = None
    display: Callable[[Any], Any] | None = None
    tone: Callable[[Any], str] | None = None
    link: Callable[[Any], str | None] | None = None
    template: str | None = None
    export: bool = True
    align: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")

    def raw(self, row: Any) -> Any:
        if self.value is not None:
            return self.value(row)
        current = row
        for part in self.key.split("."):
            if current is None:
                return None
            current = current.get(part) if isinstance(current, dict) else getattr(current, part, None)
        return current() if callable(current) else current

    def text(self, row: Any) -> str:
        """The value as shown (and exported as text)."""
        raw = self.raw(row)
        if self.kind == "money":
            return formats.yuan(raw)
        if self.kind in ("datetime", "date"):
            return formats.local_datetime(raw)
        if self.kind == "duration":
            return formats.duration(raw)
        if self.kind == "badge":
            shown = self.display(row) if self.display is not None else raw
            return "" if shown is None else str(shown)
        if raw is None or raw == "":
            return formats.EMPTY
        return str(raw)


@dataclass(frozen=True)
class Filter:
    """A select filter: ``?<key>=<value>`` keeps rows whose ``lookup`` (default: ``key``) equals the value."""

    key: str
    label: Any
    choices: Sequence[tuple[Any, Any]]
    lookup: str = ""


@dataclass(frozen=True)
class DateRange:
    """``?from=YYYY-MM-DD&to=YYYY-MM-DD`` on a datetime (or date) field, in Beijing time, both days included."""

    field: str
    label: Any
    is_date: bool = False


@dataclass(frozen=True)
class BatchAction:
    """A button in the batch bar: POSTs ``ids`` (the ticked rows) to ``url``; ``confirm`` asks first."""

    url: str
    label: Any
    style: str = "secondary"  # primary | secondary | danger
    confirm: str = ""


@dataclass
class Cell:
    column: Column
    text: str
    raw: Any
    link: str | None = None
    tone: str = "neutral"


@dataclass
class Row:
    obj: Any
    key: Any
    cells: list[Cell] = field(default_factory=list)
    testid: str = ""


def _parse_date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return None


def query_day(text: str) -> dt.date | None:
    """A ``YYYY-MM-DD`` query or form value, or None (an empty or malformed value is no bound, never an
    error page)."""
    return _parse_date(text) if text else None


class DataTable:
    """Applies the request's search, filters, date range and sort to ``queryset`` and pages it."""

    def __init__(
        self,
        request: HttpRequest,
        queryset: QuerySet[Any] | Sequence[Any],
        *,
        columns: Sequence[Column],
        search: Sequence[str] = (),
        search_placeholder: Any = "",
        filters: Sequence[Filter] = (),
        date_range: DateRange | None = None,
        default_sort: str = "-pk",
        page_size: int = 20,
        export_name: str = "",
        batch_actions: Sequence[BatchAction] = (),
        row_key: str = "pk",
        empty_title: Any = "",
        empty_hint: Any = "",
        empty_action_url: str = "",
        empty_action_label: Any = "",
        testid: str = "",
        row_testid: str = "",
        keep: Sequence[str] = (),
        context: dict[str, Any] | None = None,
    ) -> None:
        self.request = request
        self.columns = list(columns)
        self.search_fields = list(search)
        self.search_placeholder = search_placeholder
        self.filters = list(filters)
        self.date_range = date_range
        self.export_name = export_name
        self.batch_actions = list(batch_actions)
        self.row_key = row_key
        self.empty_title = empty_title
        self.empty_hint = empty_hint
        self.empty_action_url = empty_action_url
        self.empty_action_label = empty_action_label
        self.testid = testid
        self.row_testid = row_testid
        # query parameters the view itself reads (e.g. a status tab) that the toolbar form carries along
        self.keep = list(keep)
        # what a per-row template needs besides the row (``extra`` in its context), e.g. the carriers
        self.context = context or {}
        params = request.GET
        self.query = params.get("q", "").strip()[:100]
        self.filter_values = {f.key: params.get(f.key, "") for f in self.filters}
        self.date_from = _parse_date(params.get("from", "")) if date_range else None
        self.date_to = _parse_date(params.get("to", "")) if date_range else None
        sortable: dict[str, str | None] = {c.key: c.sort for c in self.columns if c.sort}
        wanted = params.get("sort", "")
        if wanted.lstrip("-") in sortable:
            self.sort = wanted
        else:
            self.sort = default_sort
        export = params.get("export", "")
        self.export_format = export if export in ("csv", "xlsx") and export_name else ""
        self.export_purpose = params.get("purpose", "").strip()[:200]
        self.queryset: QuerySet[Any] | list[Any]
        if isinstance(queryset, QuerySet):
            self.queryset = self._filtered(queryset, sortable)
        else:  # rows a report already computed (dicts or objects): the same rules, in memory
            self.queryset = self._filtered_rows(list(queryset), sortable)
        self.page: Page[Any] = Paginator(self.queryset, page_size).get_page(params.get("page"))
        self.rows = [self._row(obj) for obj in self.page.object_list]

    # ---- querying
    def _filtered(self, queryset: QuerySet[Any], sortable: dict[str, str | None]) -> QuerySet[Any]:
        if self.query and self.search_fields:
            queryset = queryset.filter(
                reduce(or_, (Q(**{f"{name}__icontains": self.query}) for name in self.search_fields))
            )
            if any("__" in name for name in self.search_fields):
                queryset = queryset.distinct()  # a search across a relation must not repeat a row
        for spec in self.filters:
            value = self.filter_values[spec.key]
            allowed = {str(choice) for choice, _label in spec.choices}
            if value and value in allowed:
                queryset = queryset.filter(**{spec.lookup or spec.key: value})
            else:
                self.filter_values[spec.key] = ""
        if self.date_range is not None:
            name = self.date_range.field
            if self.date_from is not None:
                start: Any = self.date_from
                if not self.date_range.is_date:
                    start = dt.datetime.combine(self.date_from, dt.time(), tzinfo=formats.SHANGHAI)
                queryset = queryset.filter(**{f"{name}__gte": start})
            if self.date_to is not None:
                if self.date_range.is_date:
                    queryset = queryset.filter(**{f"{name}__lte": self.date_to})
                else:
                    end = dt.datetime.combine(
                        self.date_to + dt.timedelta(days=1), dt.time(), tzinfo=formats.SHANGHAI
                    )
                    queryset = queryset.filter(**{f"{name}__lt": end})
        descending = self.sort.startswith("-")
        key = self.sort.lstrip("-")
        order_field = sortable.get(key) or key
        tiebreak = "-pk" if descending else "pk"
        return queryset.order_by(f"-{order_field}" if descending else order_field, tiebreak)

    def _filtered_rows(self, rows: list[Any], sortable: dict[str, str | None]) -> list[Any]:
        """``_filtered`` for rows in memory: search and filters compare the value at each path
        (``merchant__name`` reads ``row["merchant"]["name"]`` or ``row.merchant.name``); a filter matches
        by equality only (its ``lookup`` is a path, not a Django lookup); rows without a value sort last."""
        if self.query and self.search_fields:
            needle = self.query.casefold()
            rows = [
                r
                for r in rows
                if any(needle in str(_at(r, name) or "").casefold() for name in self.search_fields)
            ]
        for spec in self.filters:
            value = self.filter_values[spec.key]
            if value and value in {str(choice) for choice, _label in spec.choices}:
                rows = [r for r in rows if str(_at(r, spec.lookup or spec.key)) == value]
            else:
                self.filter_values[spec.key] = ""
        if self.date_range is not None and (self.date_from or self.date_to):
            first, last = self.date_from or dt.date.min, self.date_to or dt.date.max
            rows = [
                r for r in rows if (day := _local_day(_at(r, self.date_range.field))) and first <= day <= last
            ]
        key = self.sort.lstrip("-")
        path = sortable.get(key) or key
        present = [r for r in rows if _at(r, path) is not None]
        missing = [r for r in rows if _at(r, path) is None]
        return sorted(present, key=lambda r: _at(r, path), reverse=self.sort.startswith("-")) + missing

    def _row(self, obj: Any) -> Row:
        row = Row(obj=obj, key=_at(obj, self.row_key))
        row.testid = self.row_testid.replace("{key}", str(row.key))  # e.g. "stock-{key}" → "stock-12"
        for column in self.columns:
            raw = column.raw(obj) if column.kind != "template" else None
            text = column.text(obj) if column.kind != "template" else ""
            tone = "neutral"
            if column.kind == "badge":
                tone = column.tone(obj) if column.tone is not None else formats.tone_of(raw)
            link = column.link(obj) if column.link is not None else None
            row.cells.append(Cell(column=column, text=text, raw=raw, link=link, tone=tone))
        return row

    # ---- links the template needs
    def _url(self, **changes: Any) -> str:
        params = {k: v for k, v in self.request.GET.items() if k not in ("page", "export")}
        for key, value in changes.items():
            if value in (None, ""):
                params.pop(key, None)
            else:
                params[key] = str(value)
        return "?" + urlencode(params) if params else "?"

    def headers(self) -> list[dict[str, Any]]:
        result = []
        current = self.sort.lstrip("-")
        descending = self.sort.startswith("-")
        for column in self.columns:
            entry: dict[str, Any] = {"label": column.label, "column": column, "url": "", "state": ""}
            if column.sort:
                if column.key == current:
                    entry["state"] = "desc" if descending else "asc"
                    entry["url"] = self._url(sort=column.key if descending else f"-{column.key}")
                else:
                    entry["url"] = self._url(sort=column.key)
            result.append(entry)
        return result

    def page_url(self, number: int) -> str:
        return self._url(page=number)

    def export_url(self, fmt: str) -> str:
        return self._url(export=fmt, page=None)

    @property
    def export_url_csv(self) -> str:
        return self.export_url("csv")

    @property
    def export_url_xlsx(self) -> str:
        return self.export_url("xlsx")

    @property
    def colspan(self) -> int:
        return len(self.columns) + (1 if self.batch_actions else 0)

    @property
    def is_filtered(self) -> bool:
        return bool(self.query or any(self.filter_values.values()) or self.date_from or self.date_to)

    @property
    def has_toolbar(self) -> bool:
        return bool(self.search_fields or self.filters or self.date_range or self.export_name)

    @property
    def kept_params(self) -> list[tuple[str, str]]:
        """Query parameters the toolbar form must carry along (the sort and ``keep``)."""
        names = ["sort", *self.keep]
        return [(name, self.request.GET[name]) for name in names if self.request.GET.get(name)]

    # ---- export
    def _export_columns(self) -> list[Column]:
        # a template column exports only when it says what (its ``value``): per-row buttons never do
        return [c for c in self.columns if c.export and (c.kind != "template" or c.value is not None)]

    @property
    def personal_data_classes(self) -> list[Any]:
        """The data classes of the exported columns that hold declared personal data: from the model's
        declarations for a queryset, from the export's declared columns for computed rows."""
        if not _export_audit or not self.export_name:
            return []
        if not isinstance(self.queryset, QuerySet):
            return list(_export_audit[0].computed(self.export_name, [c.key for c in self._export_columns()]))
        paths = [c.key.replace(".", "__") for c in self._export_columns()]
        return list(_export_audit[0].classes(self.queryset.model, paths))

    @property
    def export_needs_purpose(self) -> bool:
        """A bulk export (``PURPOSE_THRESHOLD`` rows or more) of personal data asks for its purpose."""
        if not self.export_name or self.page.paginator.count < PURPOSE_THRESHOLD:
            return False
        try:
            return bool(self.personal_data_classes)
        except LookupError:  # a computed-row export that declares nothing: the page asks; the export refuses
            return True

    @property
    def export_params(self) -> list[tuple[str, str]]:
        """The current query parameters an export form carries along (not the page, export or purpose)."""
        skip = ("page", "export", "purpose")
        return [(k, str(self.request.GET.get(k, ""))) for k in self.request.GET if k not in skip]

    def export_rows(self) -> Iterable[list[Any]]:
        columns = self._export_columns()
        yield [str(c.label) for c in columns]
        for obj in self.queryset[:EXPORT_LIMIT]:
            yield [self._export_value(c, obj) for c in columns]

    def _export_value(self, column: Column, obj: Any) -> Any:
        raw = column.raw(obj)
        if column.kind == "money":
            return None if raw is None else formats.fen_to_decimal(raw)
        if column.kind == "number":
            return raw
        text = column.text(obj)
        return "" if text == formats.EMPTY else text

    def export_response(self) -> HttpResponse:
        classes = self.personal_data_classes
        if classes and self.export_needs_purpose and not self.export_purpose:
            from django.contrib import messages
            from django.http import HttpResponseRedirect

            messages.error(self.request, _PURPOSE_NEEDED)
            return HttpResponseRedirect(self._url())
        response = self._export_file()
        if classes:
            _export_audit[0].record(
                request=self.request,
                what=self.export_name,
                rows=min(self.page.paginator.count, EXPORT_LIMIT),
                columns=[c.key for c in self._export_columns()],
                data_classes=classes,
                purpose=self.export_purpose,
            )
        return response

    def _export_file(self) -> HttpResponse:
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        filename = f"{self.export_name}-{stamp}.{self.export_format}"
        if self.export_format == "csv":
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            for values in self.export_rows():
                writer.writerow([_safe_cell("" if v is None else v) for v in values])
            # the byte order mark lets Excel open UTF-8 Chinese text correctly
            response = HttpResponse(
                ("\ufeff" + buffer.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8"
            )
        else:
            from openpyxl import Workbook

            book = Workbook(write_only=True)
            sheet = book.create_sheet(title=self.export_name[:31] or "export")
            money_columns = {i for i, c in enumerate(self._export_columns()) if c.kind == "money"}
            for index, values in enumerate(self.export_rows()):
                if index == 0:
                    sheet.append(values)
                    continue
                from openpyxl.cell import WriteOnlyCell

                cells = []
                for i, value in enumerate(values):
                    cell = WriteOnlyCell(sheet, value=_safe_cell(value))
                    if i in money_columns:
                        cell.number_format = "#,##0.00"
                    cells.append(cell)
                sheet.append(cells)
            out = io.BytesIO()
            book.save(out)
            response = HttpResponse(
                out.getvalue(),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


_PURPOSE_NEEDED = _lazy("State the export purpose: the rows hold personal data.")


def _at(row: Any, path: str) -> Any:
    current = row
    for part in path.split("__"):
        if current is None:
            return None
        current = current.get(part) if isinstance(current, dict) else getattr(current, part, None)
    return current


def _local_day(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.astimezone(formats.SHANGHAI).date() if value.tzinfo else value.date()
    return value if isinstance(value, dt.date) else None


def _safe_cell(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe (CSV/formula injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
