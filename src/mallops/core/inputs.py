"""The input policy of the API and the console (docs/api.md, "Input policy").

Two layers, so that no endpoint can forget it:

* the edge (``InputPolicyMiddleware`` in ``core.middleware`` calls ``check_json_body``): every JSON body
  under /api/ is size-limited, depth-scanned on the raw bytes before it is parsed, and then walked once:
  text holding lone surrogates, NUL or other control characters (newline, carriage return and tab are
  allowed here) and integers outside ±(2**53-1) or non-finite numbers are refused with 422, and every
  string is normalised to NFC. ``InputParser`` hands the normalised value to django-ninja.
* the schema: API input classes derive from ``Schema`` below. When django-ninja validates a request
  body, the JSON types must match exactly (no ``true`` or ``"5"`` for an integer, no number for a
  string, an object where an object is expected); single-line text refuses newlines and tabs unless the
  field is ``MultilineText``; zero-width characters do not count toward a ``min_length``. Responses and
  schemas built in code keep pydantic's usual (lax) behaviour. Field types with documented bounds
  (``Id``, ``Fen``, ``Quantity``, ...) live here so every app uses the same numbers.

Query and path parameters arrive as strings and are not strict; classes used with ``Query[...]`` derive
from ``QuerySchema``.
"""

from __future__ import annotations

import contextvars
import json
import math
import re
import unicodedata
from collections.abc import Iterator
from datetime import datetime
from typing import Annotated, Any, TypeVar, get_args

import ninja
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from ninja.parser import Parser
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from mallops.core.codes import CoreCode
from mallops.core.errors import DomainError, FieldError

ModelT = TypeVar("ModelT", bound=BaseModel)

# --- the documented numbers ----------------------------------------------------------------------------

MAX_JSON_DEPTH = 32
"""Arrays and objects nested deeper than this are refused before the body is parsed."""
MAX_JSON_BODY_BYTES = 4 * 1024 * 1024
"""A JSON (or form) body under /api/ is at most 4 MiB (413 ``payload_too_large`` above)."""
MAX_UPLOAD_BODY_BYTES = 16 * 1024 * 1024
"""A multipart body (file uploads) is at most 16 MiB; each upload endpoint has its own smaller file limit."""
MAX_JSON_INT = 2**53 - 1
"""No integer anywhere in a JSON body may exceed this magnitude (the largest exact JSON number)."""

MAX_ID = 2**63 - 1
MAX_FEN = 10**12  # ¥10 billion: far above any price or total, far below the 64-bit range
MAX_QUANTITY = 99_999  # units of one SKU in one order line, flash-sale attempt or stock movement
MAX_STOCK = 9_999_999  # units of one SKU on hand
MAX_COUNT = 10**9  # counters and limits (uses per buyer, batch sizes, sales figures)
MAX_SMALL = 2**31 - 1  # any other integer (fits a 32-bit database column)

# --- text ----------------------------------------------------------------------------------------------

ZERO_WIDTH = "\u200b\u200c\u200d\ufeff\u2060"
_ZERO_WIDTH_RE = re.compile(f"[{ZERO_WIDTH}]")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
# C0 controls except tab, newline and carriage return; DEL; C1 controls
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LINE_BREAK_RE = re.compile("[\t\n\r\u2028\u2029]")
# bidirectional embeddings, overrides and isolates: they reorder how the rest of a line reads (a store name
# or a title that shows another text than it holds; "Trojan Source", CVE-2021-42574). Chinese text never
# needs them; the marks U+200E/U+200F stay allowed.
_BIDI_CONTROL_RE = re.compile("[\u202a-\u202e\u2066-\u2069]")


def text_problem(value: str, *, multiline: bool = True) -> str | None:
    """Why ``value`` is not acceptable text, or None. Single-line text also refuses tabs and line breaks."""
    if _SURROGATE_RE.search(value):
        return "The text holds a lone surrogate (not a Unicode character)."
    if "\x00" in value:
        return "The text holds a NUL character."
    if _CONTROL_RE.search(value):
        return "The text holds a control character."
    if _BIDI_CONTROL_RE.search(value):
        return "The text holds a bidirectional control character."
    if not multiline and _LINE_BREAK_RE.search(value):
        return "The text must be on one line (no tab or line break)."
    return None


def visible_length(value: str) -> int:
    """Length without zero-width characters (used for minimum lengths)."""
    return len(_ZERO_WIDTH_RE.sub("", value))


def normalise_text(value: str) -> str:
    return unicodedata.normalize("NFC", value)


class _Multiline:
    """Marker in ``Annotated`` metadata: the field may hold newlines and tabs."""

    def __repr__(self) -> str:
        return "MULTILINE"


MULTILINE = _Multiline()


def _check_single_line(value: str) -> str:
    problem = text_problem(value, multiline=False)
    if problem:
        raise PydanticCustomError("invalid_text", problem)
    return normalise_text(value)


def _check_multiline(value: str) -> str:
    problem = text_problem(value, multiline=True)
    if problem:
        raise PydanticCustomError("invalid_text", problem)
    return normalise_text(value)


Text = Annotated[str, AfterValidator(_check_single_line)]
"""One line of text: NFC, no control characters, tab or line break."""
MultilineText = Annotated[str, MULTILINE, AfterValidator(_check_multiline)]
"""Text that may span lines: NFC, no control characters except newline, carriage return and tab."""

_PHONE_RE = re.compile(r"^1[3-9][0-9]{9}$", re.ASCII)


def _check_phone(value: str) -> str:
    if not _PHONE_RE.match(value):
        raise PydanticCustomError(
            "invalid_phone", "A mainland mobile number: 11 ASCII digits starting with 1."
        )
    return value


Phone = Annotated[str, AfterValidator(_check_phone)]

# --- bounded integers ----------------------------------------------------------------------------------

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
"""A database id."""
Fen = Annotated[int, Field(ge=0, le=MAX_FEN)]
"""An amount of money in fen, 0..10**12."""
Quantity = Annotated[int, Field(ge=1, le=MAX_QUANTITY)]
"""Units of one SKU in one line or movement, 1..99,999."""
StockLevel = Annotated[int, Field(ge=0, le=MAX_STOCK)]
"""Units on hand, 0..9,999,999."""
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]
"""A count or a limit, 0..10**9."""
Percent = Annotated[int, Field(ge=0, le=100)]
SmallInt = Annotated[int, Field(ge=-MAX_SMALL - 1, le=MAX_SMALL)]
"""Any other integer (scores, minutes, days, positions): a 32-bit range; services check tighter rules."""
IdOrZero = Annotated[int, Field(ge=0, le=MAX_ID)]
"""A database id where 0 means "none given" (the service answers)."""

# --- strict request bodies -----------------------------------------------------------------------------

_CHECKED: contextvars.ContextVar[bool] = contextvars.ContextVar("mallops_strict_checked", default=False)
STRICT_INPUT = "mallops_strict_input"
"""Context key: validate this data as a request body (``validate_body`` sets it)."""


def _is_request_input(context: Any) -> bool:
    if not isinstance(context, dict):
        return False
    if context.get(STRICT_INPUT):
        return True
    # django-ninja validates request parameters with {"request": ...} and responses with a status added
    return "request" in context and "response_status" not in context


def _annotation_is_multiline(annotation: Any) -> bool:
    if annotation is None:
        return False
    if any(m is MULTILINE for m in getattr(annotation, "__metadata__", ())):
        return True
    return any(_annotation_is_multiline(arg) for arg in get_args(annotation) if arg is not None)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list | tuple):
        for item in value:
            if isinstance(item, str):
                yield item


_JSON_TYPE_ERRORS = {
    "integer": ("int_type", "Input should be an integer (a JSON number without fraction)."),
    "number": ("float_type", "Input should be a number."),
    "string": ("string_type", "Input should be a string."),
    "boolean": ("bool_type", "Input should be true or false."),
    "array": ("list_type", "Input should be an array."),
    "object": ("model_type", "Input should be an object."),
    "null": ("none_required", "Input should be null."),
}


def _json_type_matches(json_type: str, value: Any) -> bool:
    if json_type == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if json_type == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if json_type == "string":
        return isinstance(value, str)
    if json_type == "boolean":
        return isinstance(value, bool)
    if json_type == "array":
        return isinstance(value, list)
    if json_type == "object":
        return isinstance(value, dict)
    if json_type == "null":
        return value is None
    return True


def _type_errors(
    schema: dict[str, Any], value: Any, loc: tuple[str | int, ...], defs: dict[str, Any], out: list[Any]
) -> None:
    """Append an error for every value whose JSON type the JSON schema does not allow (types only)."""
    if len(out) >= 20:
        return
    ref = schema.get("$ref")
    if isinstance(ref, str):
        target = defs.get(ref.rsplit("/", 1)[-1])
        if isinstance(target, dict):
            _type_errors(target, value, loc, defs, out)
        return
    for sub in schema.get("allOf", ()):
        _type_errors(sub, value, loc, defs, out)
    alternatives = schema.get("anyOf") or schema.get("oneOf")
    if alternatives:
        for alternative in alternatives:
            trial: list[Any] = []
            _type_errors(alternative, value, loc, defs, trial)
            if not trial:
                return
        # report against the first alternative of the value's own JSON type, else a plain type error
        for alternative in alternatives:
            if _declared_types(alternative, defs) and any(
                _json_type_matches(t, value) for t in _declared_types(alternative, defs)
            ):
                _type_errors(alternative, value, loc, defs, out)
                return
        out.append(_type_error(_declared_types(alternatives[0], defs) or ["object"], value, loc))
        return
    types = _declared_types(schema, defs)
    if types and not any(_json_type_matches(t, value) for t in types):
        out.append(_type_error(types, value, loc))
        return
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            if key in properties:
                _type_errors(properties[key], item, (*loc, key), defs, out)
            elif isinstance(extra, dict):
                _type_errors(extra, item, (*loc, key), defs, out)
            elif extra in (None, False) and "properties" in schema:
                # an input shape's unknown field is refused, never silently dropped: a client that sends
                # `discount` or `status` learns the server ignores it instead of believing it was applied
                out.append(
                    InitErrorDetails(
                        type=PydanticCustomError(
                            "extra_forbidden", "Unknown field: this API does not take it."
                        ),
                        loc=(*loc, key),
                        input=item,
                    )
                )
    elif isinstance(value, list):
        prefix = schema.get("prefixItems")
        items = schema.get("items")
        for index, item in enumerate(value):
            if prefix and index < len(prefix):
                _type_errors(prefix[index], item, (*loc, index), defs, out)
            elif isinstance(items, dict):
                _type_errors(items, item, (*loc, index), defs, out)


def _declared_types(schema: dict[str, Any], defs: dict[str, Any]) -> list[str]:
    ref = schema.get("$ref")
    if isinstance(ref, str):
        target = defs.get(ref.rsplit("/", 1)[-1])
        return _declared_types(target, defs) if isinstance(target, dict) else []
    declared = schema.get("type")
    if isinstance(declared, str):
        return [declared]
    if isinstance(declared, list):
        return [t for t in declared if isinstance(t, str)]
    return []


def _type_error(types: list[str], value: Any, loc: tuple[str | int, ...]) -> InitErrorDetails:
    code, message = _JSON_TYPE_ERRORS.get(types[0], ("type_error", "Input has the wrong JSON type."))
    return InitErrorDetails(type=PydanticCustomError(code, message), loc=loc, input=value)


def _no_unknown_fields(schema: dict[str, Any]) -> None:
    schema.setdefault("additionalProperties", False)


class Schema(ninja.Schema):
    """Base of every API input shape (see the module docstring). Output shapes may use it too."""

    # the published schema says what the request check enforces: a field the shape does not declare is
    # refused (422 ``extra_forbidden``); responses built in code are not affected
    model_config = ConfigDict(json_schema_extra=_no_unknown_fields)

    @classmethod
    def _input_json_schema(cls) -> dict[str, Any] | None:
        cached = cls.__dict__.get("_mallops_input_schema")
        if cached is None:
            try:
                cached = cls.model_json_schema(mode="validation")
            except Exception:  # a type without a JSON schema: pydantic's own checks only
                cached = {}
            cls._mallops_input_schema = cached  # type: ignore[attr-defined]
        return cached or None

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(
        cls, values: Any, handler: ModelWrapValidatorHandler[Any], info: ValidationInfo
    ) -> Any:
        parent: Any = super()._run_root_validator
        if _CHECKED.get() or not _is_request_input(info.context):
            return parent(values, handler, info)
        if not isinstance(values, dict):
            raise PydanticCustomError("model_type", "Input should be an object.")
        schema = cls._input_json_schema()
        if schema is not None:
            errors: list[InitErrorDetails] = []
            _type_errors(schema, values, (), schema.get("$defs", {}), errors)
            if errors:
                raise ValidationError.from_exception_data(cls.__name__, errors)
        checked = _CHECKED.set(True)
        try:
            return parent(values, handler, info)
        finally:
            _CHECKED.reset(checked)

    @field_validator("*", mode="after")
    @classmethod
    def _text_policy(cls, value: Any, info: ValidationInfo) -> Any:
        if info.field_name is None or not _is_request_input(info.context):
            return value
        field = cls.model_fields[info.field_name]
        multiline = _annotation_is_multiline(field.annotation) or any(m is MULTILINE for m in field.metadata)
        min_length = next((m.min_length for m in field.metadata if hasattr(m, "min_length")), None)
        for text in _strings(value):
            problem = text_problem(text, multiline=multiline)
            if (
                problem is None
                and isinstance(value, str)
                and min_length
                and visible_length(text) < min_length
            ):
                problem = f"At least {min_length} visible characters (zero-width characters do not count)."
            if problem:
                raise PydanticCustomError("invalid_text", problem)
        return value


class QuerySchema(ninja.Schema):
    """Base of shapes read from query strings (``Query[...]``): values arrive as text and are converted."""


def validate_body(model: type[ModelT], data: Any) -> ModelT:
    """Validate ``data`` (a parsed JSON body) as ``model`` with the strict request-body rules."""
    return model.model_validate(data, context={STRICT_INPUT: True})


# --- the edge: raw JSON bodies -------------------------------------------------------------------------

_JSON_STRING_RE = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NON_BRACKETS = bytes(c for c in range(256) if c not in b"[]{}")


def json_depth_exceeds(raw: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when the brackets outside strings nest deeper than ``limit`` (a scan, no parsing)."""
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    brackets = _JSON_STRING_RE.sub(b"", raw).translate(None, delete=_NON_BRACKETS)
    depth = 0
    for byte in brackets:
        if byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


class _BodyProblems:
    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def add(self, loc: tuple[str | int, ...], msg: str, code: str) -> None:
        if len(self.errors) < 20:
            self.errors.append(FieldError(loc=loc, msg=msg, code=code))


def _clean(value: Any, loc: tuple[str | int, ...], problems: _BodyProblems) -> Any:
    if isinstance(value, str):
        problem = text_problem(value)
        if problem:
            problems.add(loc, problem, "invalid_text")
            return value
        return normalise_text(value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        if abs(value) > MAX_JSON_INT:
            problems.add(
                loc,
                f"An integer in a request is at most {MAX_JSON_INT:,} in magnitude.",
                "value_out_of_range",
            )
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            problems.add(loc, "The number is not finite.", "value_out_of_range")
        return value
    if isinstance(value, list):
        return [_clean(item, (*loc, index), problems) for index, item in enumerate(value)]
    if isinstance(value, dict):
        cleaned = {}
        for key, item in value.items():
            key_problem = text_problem(key)
            if key_problem:
                problems.add((*loc, "(key)"), key_problem, "invalid_text")
                continue
            cleaned[normalise_text(key)] = _clean(item, (*loc, key), problems)
        return cleaned
    return value


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def payload_too_large(limit: int) -> DomainError:
    return DomainError(
        detail=f"The body is larger than the {limit:,} bytes this endpoint accepts.",
        code=CoreCode.PAYLOAD_TOO_LARGE,
        status=413,
        title="Payload too large",
        extra={"max_bytes": limit},
    )


def check_json_body(raw: bytes) -> Any:
    """The parsed, NFC-normalised body, or a DomainError (400 ``json_too_deep``/``bad_request``, 422).

    Raises ``ValueError`` for a body that is not JSON (the API answers 400 as before).
    """
    if json_depth_exceeds(raw):
        raise DomainError(
            detail=f"Arrays and objects are nested deeper than {MAX_JSON_DEPTH} levels.",
            code=CoreCode.JSON_TOO_DEEP,
            status=400,
            title="Bad request",
            extra={"max_depth": MAX_JSON_DEPTH},
        )
    data = json.loads(raw, parse_constant=_refuse_constant)
    problems = _BodyProblems()
    cleaned = _clean(data, ("body",), problems)
    if problems.errors:
        raise DomainError(
            detail="The request is invalid.",
            code=CoreCode.VALIDATION_ERROR,
            status=422,
            title="Validation failed",
            errors=problems.errors,
        )
    return cleaned


CHECKED_BODY_ATTR = "_mallops_json_body"


class InputParser(Parser):
    """django-ninja's body parser, handing over the body the middleware already checked and normalised."""

    def parse_body(self, request: HttpRequest) -> Any:
        if hasattr(request, CHECKED_BODY_ATTR):
            return getattr(request, CHECKED_BODY_ATTR)
        return check_json_body(request.body)


# --- multipart -----------------------------------------------------------------------------------------


def invalid_multipart(detail: str = "The multipart body cannot be read.") -> DomainError:
    return DomainError(detail=detail, code=CoreCode.INVALID_MULTIPART, status=400, title="Bad request")


def multipart_files(request: HttpRequest) -> tuple[Any, Any]:
    """``(request.POST, request.FILES)``, parsed now; a malformed body is 400 ``invalid_multipart``.

    Upload endpoints call this after the authentication and permission checks, never before.
    """
    try:
        return request.POST, request.FILES
    except MultiPartParserError as exc:
        raise invalid_multipart() from exc
    except ValueError as exc:  # a header value Django cannot decode
        raise invalid_multipart() from exc


# --- console filters (query strings of server-rendered pages) ------------------------------------------

BAD_DATE_MESSAGE = "日期格式无效，请使用 YYYY-MM-DD 或 YYYY-MM-DDTHH:MM。"
BAD_NUMBER_MESSAGE = "数字无效，请输入 {minimum} 到 {maximum} 之间的整数。"


def console_datetime(value: str | None) -> tuple[datetime | None, str | None]:
    """A console filter's date or date-time (naive means the site's time zone), or a Chinese error.

    An empty value is ``(None, None)``; a bad one is ``(None, message)`` so the page renders and says why.
    """
    text = (value or "").strip()
    if not text:
        return None, None
    try:
        moment = parse_datetime(text)
        if moment is None:
            day = parse_date(text)
            moment = datetime(day.year, day.month, day.day) if day is not None else None
    except ValueError:
        moment = None
    if moment is None or not 1900 <= moment.year <= 2200:
        return None, BAD_DATE_MESSAGE
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment, None


def console_int(value: str | None, *, default: int, minimum: int, maximum: int) -> tuple[int, str | None]:
    """A console filter's integer within ``minimum..maximum``; otherwise the default and a Chinese error."""
    text = (value or "").strip()
    if not text:
        return default, None
    if len(text) > 12 or not re.fullmatch(r"-?[0-9]+", text):
        return default, BAD_NUMBER_MESSAGE.format(minimum=minimum, maximum=maximum)
    number = int(text)
    if not minimum <= number <= maximum:
        return default, BAD_NUMBER_MESSAGE.format(minimum=minimum, maximum=maximum)
    return number, None


def is_ascii_digits(text: str, *, max_digits: int = 18) -> bool:
    """``text`` is 1..``max_digits`` ASCII digits (``str.isdigit`` also accepts "²" and other scripts' digits,
    which ``int`` then refuses or reads as a number the user did not type)."""
    return 0 < len(text) <= max_digits and text.isascii() and text.isdigit()
