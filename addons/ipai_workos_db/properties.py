"""The property-type registry: one entry per type of database property (title, number, select, ...).

Each entry knows, for its type:

- ``clean_config``: validate the property's configuration (options, number format, relation target ...);
- ``clean``: validate a value sent by a client and turn it into what is stored (None = empty, not stored);
- ``to_api`` / ``display`` / ``to_text``: the value as the API gives it, as a person reads it, as CSV holds it;
- ``from_text``: parse CSV / converted text back (select types may add missing options);
- ``formula_value``: the value formulas and rollups compute with;
- ``kind``: the family of filter operators and sort keys it uses (``query.py`` turns those into SQL);
- where the value lives: ``Row.values`` (``stored``), a row column (``column``), the relation table
  (``relation``), or computed in Python for the rows being shown (``computed``: formula and rollup).

A "cell" is what a row holds for a property before rendering: the stored JSON for stored types, the column
value for column types, a list of row ids for relations, the computed result for formulas and rollups.
Adding a property type is adding one entry here (STYLE.md: registries for things that vary by type).
"""

from __future__ import annotations

import math
import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from datetime import timezone as dt_timezone
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlparse

from workos.kernel.registry import Registry

COLORS = ("default", "gray", "brown", "orange", "yellow", "green", "blue", "purple", "pink", "red")
STATUS_GROUPS = ("todo", "in_progress", "done")
NUMBER_FORMATS = ("plain", "percent", "currency")
CURRENCIES = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CHF": "CHF ", "CAD": "CA$", "AUD": "A$", "INR": "₹", "CNY": "CN¥"}
ROLLUP_FUNCTIONS = ("count", "count_values", "sum", "average", "min", "max", "earliest", "latest", "percent_checked")
TEXT_MAX = 10_000
TITLE_MAX = 512
OPTION_NAME_MAX = 100
OPTIONS_MAX = 500
LIST_MAX = 100


class PropertyError(ValueError):
    """A value or configuration this property cannot take; ``message`` says why, for a person."""

    def __init__(self, message: str, path: str = ""):
        super().__init__(message)
        self.message = message
        self.path = path  # e.g. "options[2].color" inside a config, "start" inside a date value


@dataclass
class Context:
    """What validation may need beyond the value: the database, the acting user, lookups memoised per request.

    ``resolve_users(ids)`` -> {id: user} of those who may be named (workspace members); ``resolve_rows(property,
    ids)`` -> the ids among them that are live rows of the related database; ``rows_by_title(property, titles)``
    -> {title: id}. The services fill these in; they are functions so that this module does no queries itself.
    """

    database: Any = None
    actor: Any = None
    resolve_users: Any = None
    resolve_users_by_name: Any = None
    resolve_rows: Any = None
    rows_by_title: Any = None
    create_options: bool = False  # from_text may add missing select options (import, type conversion)
    cache: dict = field(default_factory=dict)


# --- helpers --------------------------------------------------------------------------------------------


def _text(value, limit: int, what: str = "text") -> str | None:
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise PropertyError(f"expects {what} (a string)")
    if len(value) > limit:
        raise PropertyError(f"is longer than {limit} characters")
    if "\x00" in value:
        raise PropertyError("must not contain NUL characters")
    return value if value.strip() else None


def _number_text(value: float) -> str:
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def new_option_id() -> str:
    return "o" + secrets.token_hex(4)


def _options(config: dict) -> list[dict]:
    return config.get("options", [])


def option_by_id(config: dict, option_id) -> dict | None:
    for option in _options(config):
        if option["id"] == option_id:
            return option
    return None


def option_by_name(config: dict, name: str) -> dict | None:
    folded = name.strip().casefold()
    for option in _options(config):
        if option["name"].casefold() == folded:
            return option
    return None


def _clean_options(raw, *, status: bool) -> list[dict]:
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        raise PropertyError("must be a list of options", "options")
    if len(raw) > OPTIONS_MAX:
        raise PropertyError(f"at most {OPTIONS_MAX} options", "options")
    cleaned, names, ids = [], set(), set()
    for index, option in enumerate(raw):
        path = f"options[{index}]"
        if isinstance(option, str):
            option = {"name": option}
        if not isinstance(option, dict):
            raise PropertyError("an option is {name, color?, id?}", path)
        unknown = set(option) - {"id", "name", "color", "group"}
        if unknown:
            raise PropertyError(f"unknown option field {sorted(unknown)[0]!r}", path)
        name = option.get("name")
        if not isinstance(name, str) or not name.strip():
            raise PropertyError("an option needs a name", f"{path}.name")
        name = name.strip()
        if len(name) > OPTION_NAME_MAX or "," in name or any(ord(c) < 32 for c in name):
            raise PropertyError(f"an option name has at most {OPTION_NAME_MAX} characters and no commas", f"{path}.name")
        if name.casefold() in names:
            raise PropertyError(f"two options are named {name!r}", f"{path}.name")
        names.add(name.casefold())
        color = option.get("color") or COLORS[(index % (len(COLORS) - 1)) + 1]
        if color not in COLORS:
            raise PropertyError(f"color must be one of {', '.join(COLORS)}", f"{path}.color")
        option_id = option.get("id") or new_option_id()
        if not isinstance(option_id, str) or not re.fullmatch(r"[A-Za-z0-9_-]{1,32}", option_id) or option_id in ids:
            raise PropertyError("an option id is 1-32 letters, digits, - or _, unique in the property", f"{path}.id")
        ids.add(option_id)
        cleaned_option = {"id": option_id, "name": name, "color": color}
        if status:
            group = option.get("group", "todo")
            if group not in STATUS_GROUPS:
                raise PropertyError(f"group must be one of {', '.join(STATUS_GROUPS)}", f"{path}.group")
            cleaned_option["group"] = group
        elif "group" in option:
            raise PropertyError("only status options have a group", f"{path}.group")
        cleaned.append(cleaned_option)
    return cleaned


def _only_keys(config: dict, allowed: set[str]) -> None:
    if not isinstance(config, dict):
        raise PropertyError("the configuration is a JSON object")
    unknown = set(config) - allowed
    if unknown:
        raise PropertyError(f"unknown configuration field {sorted(unknown)[0]!r}", sorted(unknown)[0])


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
_HUMAN_FORMATS = ("%B %d, %Y", "%b %d, %Y", "%m/%d/%Y", "%d.%m.%Y", "%Y/%m/%d", "%B %d, %Y %I:%M %p", "%b %d, %Y %I:%M %p",
                  "%B %d, %Y %H:%M", "%m/%d/%Y %H:%M")


def parse_date(value, path: str = "") -> str:
    """A date or date-time as stored: ``YYYY-MM-DD``, or ``YYYY-MM-DDTHH:MM:SSZ`` in UTC (naive times are taken
    as UTC). Stored dates compare as strings in time order, which is what filters and sorts on SQL rely on."""
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=dt_timezone.utc)
        return moment.astimezone(dt_timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    if not isinstance(value, str):
        raise PropertyError("a date is a string like 2024-01-31 or 2024-01-31T09:30:00Z", path)
    text = value.strip()
    try:
        if _DATE.match(text):
            return date.fromisoformat(text).isoformat()
        match = _DATETIME.match(text)
        if match:
            day, hour, minute, second, zone = match.groups()
            moment = datetime.fromisoformat(f"{day}T{hour}:{minute}:{second or '00'}")
            if zone and zone != "Z":
                zone = zone if ":" in zone else zone[:3] + ":" + zone[3:]
                moment = datetime.fromisoformat(moment.isoformat() + zone)
            return parse_date(moment)
    except ValueError:
        raise PropertyError(f"{text[:40]!r} is not a real date", path) from None
    for pattern in _HUMAN_FORMATS:
        try:
            parsed = datetime.strptime(text, pattern)
        except ValueError:
            continue
        return parse_date(parsed if ("%H" in pattern or "%I" in pattern) else parsed.date())
    raise PropertyError(f"{text[:40]!r} is not a date like 2024-01-31 or 2024-01-31T09:30:00Z", path)


def date_of(stored: str) -> date | datetime:
    if len(stored) == 10:
        return date.fromisoformat(stored)
    return datetime.fromisoformat(stored.replace("Z", "+00:00"))


def display_date(stored: str) -> str:
    moment = date_of(stored)
    if isinstance(moment, datetime):
        return f"{moment:%b} {moment.day}, {moment.year} {moment:%H:%M}"
    return f"{moment:%b} {moment.day}, {moment.year}"


def _parse_bool_text(text: str) -> bool | None:
    folded = text.strip().casefold()
    if folded in ("true", "yes", "y", "1", "checked", "x", "✓", "✔", "on"):
        return True
    if folded in ("false", "no", "n", "0", "unchecked", "", "off"):
        return False
    return None


# --- the base type ---------------------------------------------------------------------------------------


class PropertyType:
    type = ""
    label = ""
    kind = "text"  # filter/sort family: text, number, select, multi, date, checkbox, person, files, relation,
    #                user (a column holding a user id), computed
    stored = True  # the value lives in Row.values
    column: str | None = None  # or in this column of the row ("page__title", "created_at", ...)
    computed = False  # evaluated in Python for the rows shown (formula, rollup)
    relation = False
    editable = True
    read_only = "it is computed"  # why a type that is not editable refuses values
    config_keys: set[str] = set()
    # Orders of this type's PostgreSQL expression index on ``query.value_expression`` (``indexes.py``): "asc"
    # serves equality and range filters, ascending sorts and row order within a kanban column; "desc" serves
    # descending sorts (empty values last in both directions, so one index cannot serve both).
    index_orders: tuple[str, ...] = ()
    # Whether a stored value of this type gets a trigram GIN index (pg_trgm) on PostgreSQL: "contains" (and
    # "starts with", "ends with") filters on it read the index instead of every row of the database.
    trigram_index = False

    def clean_config(self, config: dict, context: Context) -> dict:
        _only_keys(config or {}, self.config_keys)
        return dict(config or {})

    def clean(self, value, config: dict, context: Context):
        """The stored form of a client's value; None means empty (nothing is stored)."""
        raise PropertyError("cannot be set: it is computed")

    def to_api(self, cell, config: dict):
        return cell

    def display(self, cell, config: dict) -> str:
        return "" if cell is None else str(cell)

    def to_text(self, cell, config: dict) -> str:
        return self.display(cell, config)

    def from_text(self, text: str, config: dict, context: Context):
        return self.clean(text, config, context)

    def formula_value(self, cell, config: dict):
        return cell

    def is_empty(self, cell) -> bool:
        return cell is None or cell == "" or cell == []

    # --- types whose options or values another module owns (e.g. the page review status of ipai_workos_affine) ---

    def read_config(self, prop, database) -> dict:
        """The configuration reads use (``query.Schema`` fills it in once per request; never saved): the stored one
        for every core type; a type whose options live elsewhere (a workflow's states) adds them here."""
        return prop.config

    def column_value(self, value, config: dict):
        """The cell of a column type, from the column's value (e.g. an empty workflow state read as the initial one)."""
        return value

    def column_expression(self, prop):
        """The SQL expression of a column type's comparable value when it is more than the column itself (None:
        the column)."""
        return None


class TextType(PropertyType):
    type, label, kind = "text", "Text", "text"
    limit = TEXT_MAX
    trigram_index = True

    def clean(self, value, config, context):
        return _text(value, self.limit)


class TitleType(TextType):
    type, label = "title", "Title"
    stored, column = False, "page__title"
    limit = TITLE_MAX

    def clean(self, value, config, context):
        value = _text(value, self.limit, "a title")
        if value is not None and any(ord(char) < 32 for char in value):
            raise PropertyError("a title must not contain control characters")
        return value.strip() if value else None

    def to_api(self, cell, config):
        return cell or ""


class UrlType(TextType):
    type, label = "url", "URL"
    limit = 2048

    def clean(self, value, config, context):
        value = _text(value, self.limit, "a URL")
        if value is None:
            return None
        value = value.strip()
        parsed = urlparse(value)
        if parsed.scheme.lower() not in ("http", "https", "mailto") or (parsed.scheme.lower() != "mailto" and not parsed.netloc):
            raise PropertyError("a URL starts with http:// or https:// (or mailto:)")
        if any(char.isspace() or ord(char) < 32 for char in value):
            raise PropertyError("a URL has no spaces or control characters")
        return value

    def from_text(self, text, config, context):
        text = text.strip()
        if text and "://" not in text and not text.startswith("mailto:") and re.fullmatch(r"[\w.-]+\.[a-z]{2,}(/\S*)?", text, re.I):
            text = "https://" + text
        return self.clean(text, config, context)


class EmailType(TextType):
    type, label = "email", "Email"
    limit = 254

    def clean(self, value, config, context):
        value = _text(value, self.limit, "an email address")
        if value is None:
            return None
        value = value.strip()
        if not re.fullmatch(r"[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+", value):
            raise PropertyError(f"{value[:60]!r} is not an email address")
        return value


class PhoneType(TextType):
    type, label = "phone", "Phone"
    limit = 40

    def clean(self, value, config, context):
        value = _text(value, self.limit, "a phone number")
        if value is None:
            return None
        value = value.strip()
        if not re.fullmatch(r"\+?[0-9][0-9 ()./-]{1,38}", value) or sum(char.isdigit() for char in value) < 3:
            raise PropertyError(f"{value[:40]!r} is not a phone number (digits, spaces, + - ( ) . /)")
        return value


class NumberType(PropertyType):
    type, label, kind = "number", "Number", "number"
    index_orders = ("asc", "desc")
    config_keys = {"format", "currency", "precision"}

    def clean_config(self, config, context):
        config = super().clean_config(config, context)
        number_format = config.setdefault("format", "plain")
        if number_format not in NUMBER_FORMATS:
            raise PropertyError(f"format must be one of {', '.join(NUMBER_FORMATS)}", "format")
        if number_format == "currency":
            currency = config.setdefault("currency", "USD")
            if not isinstance(currency, str) or not re.fullmatch(r"[A-Z]{3}", currency):
                raise PropertyError("currency is a three-letter ISO code such as USD", "currency")
        precision = config.get("precision")
        if precision is not None and (not isinstance(precision, int) or isinstance(precision, bool) or not 0 <= precision <= 10):
            raise PropertyError("precision is a whole number from 0 to 10", "precision")
        return config

    def clean(self, value, config, context):
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise PropertyError("expects a number")
        if isinstance(value, str):
            return self.from_text(value, config, context)
        number = float(value)
        if not math.isfinite(number) or abs(number) > 1e15:
            raise PropertyError("expects a finite number of at most 1e15")
        return int(number) if number == int(number) else number

    def from_text(self, text, config, context):
        text = text.strip().replace(",", "").replace("_", "")
        if not text:
            return None
        percent = text.endswith("%")
        text = text.rstrip("%").strip()
        for symbol in sorted(CURRENCIES.values(), key=len, reverse=True):
            if text.startswith(symbol.strip()):
                text = text[len(symbol.strip()):].strip()
                break
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise PropertyError(f"{text[:40]!r} is not a number") from None
        if not number.is_finite():
            raise PropertyError("expects a finite number")
        if percent:
            number /= 100
        return self.clean(float(number), config, context)

    def display(self, cell, config):
        if cell is None:
            return ""
        precision = config.get("precision")
        number_format = config.get("format", "plain")
        if number_format == "percent":
            value = cell * 100
            return (f"{value:.{precision}f}" if precision is not None else _number_text(round(value, 10))) + "%"
        if number_format == "currency":
            symbol = CURRENCIES.get(config.get("currency", "USD"), config.get("currency", "USD") + " ")
            sign = "-" if cell < 0 else ""
            return f"{sign}{symbol}{abs(cell):,.{2 if precision is None else precision}f}"
        if precision is not None:
            return f"{cell:.{precision}f}"
        return _number_text(cell)

    def to_text(self, cell, config):
        return "" if cell is None else _number_text(cell)


class SelectType(PropertyType):
    type, label, kind = "select", "Select", "select"
    index_orders = ("asc",)
    config_keys = {"options"}
    status = False

    def clean_config(self, config, context):
        config = super().clean_config(config, context)
        config["options"] = _clean_options(config.get("options"), status=self.status)
        return config

    def _option(self, value, config, context) -> str:
        if not isinstance(value, str) or not value.strip():
            raise PropertyError("expects an option id or name")
        option = option_by_id(config, value) or option_by_name(config, value)
        if option is None:
            if context.create_options and len(_options(config)) < OPTIONS_MAX:
                option = _clean_options([{"name": value.strip()[:OPTION_NAME_MAX].replace(",", " ")}], status=self.status)[0]
                option["color"] = COLORS[(len(_options(config)) % (len(COLORS) - 1)) + 1]
                config.setdefault("options", []).append(option)
                return option["id"]
            known = ", ".join(o["name"] for o in _options(config)[:20]) or "none"
            raise PropertyError(f"{value[:60]!r} is not one of its options ({known})")
        return option["id"]

    def clean(self, value, config, context):
        if value is None or value == "":
            return None
        if isinstance(value, dict):
            value = value.get("id") or value.get("name")
        return self._option(value, config, context)

    def to_api(self, cell, config):
        return cell if option_by_id(config, cell) else None

    def display(self, cell, config):
        option = option_by_id(config, cell)
        return option["name"] if option else ""

    def from_text(self, text, config, context):
        return self.clean(text.strip(), config, context)

    def formula_value(self, cell, config):
        return self.display(cell, config) or None


class StatusType(SelectType):
    type, label = "status", "Status"
    status = True
    DEFAULT = [{"name": "Not started", "color": "gray", "group": "todo"},
               {"name": "In progress", "color": "blue", "group": "in_progress"},
               {"name": "Done", "color": "green", "group": "done"}]

    def clean_config(self, config, context):
        config = dict(config or {})
        if not config.get("options"):
            config["options"] = [dict(option) for option in self.DEFAULT]
        return super().clean_config(config, context)


class MultiSelectType(SelectType):
    type, label, kind = "multi_select", "Multi-select", "multi"
    index_orders = ()  # "contains" uses the GIN index on values

    def clean(self, value, config, context):
        if value is None or value == "" or value == []:
            return None
        if isinstance(value, str):
            value = [part for part in value.split(",") if part.strip()]
        if not isinstance(value, list) or len(value) > LIST_MAX:
            raise PropertyError(f"expects a list of at most {LIST_MAX} options")
        ids: list[str] = []
        for item in value:
            if isinstance(item, dict):
                item = item.get("id") or item.get("name")
            option_id = self._option(item, config, context)
            if option_id not in ids:
                ids.append(option_id)
        return ids or None

    def to_api(self, cell, config):
        return [option_id for option_id in (cell or []) if option_by_id(config, option_id)]

    def display(self, cell, config):
        return ", ".join(self.names(cell, config))

    def names(self, cell, config) -> list[str]:
        return [option["name"] for option in (option_by_id(config, option_id) for option_id in (cell or [])) if option]

    def from_text(self, text, config, context):
        return self.clean([part.strip() for part in text.split(",") if part.strip()], config, context)

    def formula_value(self, cell, config):
        return self.names(cell, config)

    def is_empty(self, cell):
        return not self.to_api(cell, {"options": [{"id": option} for option in (cell or [])]})


class DateType(PropertyType):
    """``{"start": "2024-01-31", "end": "2024-02-02"?}``; with a time: ``2024-01-31T09:30:00Z`` (UTC)."""

    type, label, kind = "date", "Date", "date"
    index_orders = ("asc", "desc")
    config_keys = {"include_time"}

    def clean(self, value, config, context):
        if value is None or value == "":
            return None
        if isinstance(value, str):
            value = {"start": value}
        if not isinstance(value, dict):
            raise PropertyError("expects {start, end?} or a date string")
        unknown = set(value) - {"start", "end"}
        if unknown:
            raise PropertyError(f"unknown date field {sorted(unknown)[0]!r}")
        if value.get("start") in (None, ""):
            if value.get("end") not in (None, ""):
                raise PropertyError("a date range needs a start", "start")
            return None
        stored = {"start": parse_date(value["start"], "start")}
        if value.get("end") not in (None, ""):
            end = parse_date(value["end"], "end")
            if (len(end) == 10) != (len(stored["start"]) == 10):
                raise PropertyError("start and end both have a time, or neither has", "end")
            if end < stored["start"]:
                raise PropertyError("the end is before the start", "end")
            stored["end"] = end
        return stored

    def display(self, cell, config):
        if not cell:
            return ""
        text = display_date(cell["start"])
        return text + (f" → {display_date(cell['end'])}" if cell.get("end") else "")

    def to_text(self, cell, config):
        if not cell:
            return ""
        return cell["start"] + (f" → {cell['end']}" if cell.get("end") else "")

    def from_text(self, text, config, context):
        text = text.strip()
        if not text:
            return None
        if "→" in text:
            start, end = (part.strip() for part in text.split("→", 1))
            return self.clean({"start": start, "end": end}, config, context)
        return self.clean({"start": text}, config, context)

    def formula_value(self, cell, config):
        return date_of(cell["start"]) if cell else None


class CheckboxType(PropertyType):
    type, label, kind = "checkbox", "Checkbox", "checkbox"

    def clean(self, value, config, context):
        if value is None:
            return None
        if isinstance(value, str):
            parsed = _parse_bool_text(value)
            if parsed is None:
                raise PropertyError("expects true or false")
            value = parsed
        if not isinstance(value, bool):
            raise PropertyError("expects true or false")
        return True if value else None  # unchecked is stored as nothing

    def to_api(self, cell, config):
        return bool(cell)

    def display(self, cell, config):
        return "Yes" if cell else "No"

    def to_text(self, cell, config):
        return "true" if cell else "false"

    def formula_value(self, cell, config):
        return bool(cell)

    def is_empty(self, cell):
        return not cell


class PersonType(PropertyType):
    """A list of user ids; each must be a member of the database's workspace."""

    type, label, kind = "person", "Person", "person"

    def clean(self, value, config, context):
        if value is None or value == "" or value == []:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            value = [value]
        if not isinstance(value, list) or len(value) > LIST_MAX:
            raise PropertyError(f"expects a list of at most {LIST_MAX} user ids")
        ids: list[int] = []
        for item in value:
            if isinstance(item, bool) or not isinstance(item, int):
                raise PropertyError("expects user ids (whole numbers)")
            if item not in ids:
                ids.append(item)
        users = context.resolve_users(ids) if context.resolve_users else {}
        missing = [user_id for user_id in ids if user_id not in users]
        if missing:
            raise PropertyError(f"user {missing[0]} is not a member of this workspace")
        return ids

    def display(self, cell, config):
        return ", ".join(str(user_id) for user_id in (cell or []))

    def from_text(self, text, config, context):
        names = [part.strip() for part in text.split(",") if part.strip()]
        if not names:
            return None
        found = context.resolve_users_by_name(names) if context.resolve_users_by_name else {}
        missing = [name for name in names if name.casefold() not in found]
        if missing:
            raise PropertyError(f"no workspace member is called {missing[0][:60]!r}")
        return self.clean([found[name.casefold()] for name in names], config, context)


class FilesType(PropertyType):
    """A list of ``{"name", "url"}``: links, or attachments (``/api/v1/attachments/{id}/content``)."""

    type, label, kind = "files", "Files & media", "files"

    def clean(self, value, config, context):
        if value is None or value == "" or value == []:
            return None
        if not isinstance(value, list) or len(value) > LIST_MAX:
            raise PropertyError(f"expects a list of at most {LIST_MAX} files")
        files = []
        for index, item in enumerate(value):
            if isinstance(item, str):
                item = {"url": item}
            if not isinstance(item, dict) or set(item) - {"name", "url"}:
                raise PropertyError("a file is {name, url}", f"[{index}]")
            url = item.get("url")
            if not isinstance(url, str) or len(url) > 2048 or not (
                    re.fullmatch(r"/api/v1/attachments/\d+/content", url) or urlparse(url).scheme in ("http", "https") and urlparse(url).netloc):
                raise PropertyError("a file url is http(s) or /api/v1/attachments/{id}/content", f"[{index}].url")
            name = item.get("name") or url.rstrip("/").rsplit("/", 1)[-1] or "file"
            if not isinstance(name, str) or len(name) > 255 or any(ord(c) < 32 for c in name):
                raise PropertyError("a file name is text of at most 255 characters", f"[{index}].name")
            files.append({"name": name, "url": url})
        return files

    def display(self, cell, config):
        return ", ".join(item["name"] for item in cell or [])

    def to_text(self, cell, config):
        return ", ".join(item["url"] for item in cell or [])

    def from_text(self, text, config, context):
        return self.clean([part.strip() for part in text.split(",") if part.strip()], config, context)

    def formula_value(self, cell, config):
        return [item["name"] for item in cell or []]


class RelationType(PropertyType):
    """Links to rows of another (or the same) database. Config: ``database_id``; ``two_way`` asks for a paired
    property in the other database (``paired_property_id``, set by the service). The links are stored once,
    under the property that was created first (``reverse`` is true on its pair)."""

    type, label, kind = "relation", "Relation", "relation"
    stored, relation = False, True
    config_keys = {"database_id", "two_way", "paired_property_id", "reverse", "paired_name"}

    def clean_config(self, config, context):
        config = super().clean_config(config, context)
        database_id = config.get("database_id")
        if isinstance(database_id, bool) or not isinstance(database_id, int):
            raise PropertyError("a relation needs database_id: the database its rows link to", "database_id")
        config["two_way"] = bool(config.get("two_way", False))
        return config

    def clean(self, value, config, context):
        if value is None or value == "" or value == []:
            return []
        if isinstance(value, int) and not isinstance(value, bool):
            value = [value]
        if not isinstance(value, list) or len(value) > 1000:
            raise PropertyError("expects a list of at most 1000 row ids")
        ids: list[int] = []
        for item in value:
            if isinstance(item, dict):
                item = item.get("id")
            if isinstance(item, bool) or not isinstance(item, int):
                raise PropertyError("expects row ids (whole numbers)")
            if item not in ids:
                ids.append(item)
        live = context.resolve_rows(config, ids) if context.resolve_rows else set(ids)
        missing = [row_id for row_id in ids if row_id not in live]
        if missing:
            raise PropertyError(f"row {missing[0]} is not a row of the related database")
        return ids

    def to_api(self, cell, config):
        return list(cell or [])

    def display(self, cell, config):
        return ", ".join(str(item) for item in cell or [])

    def from_text(self, text, config, context):
        titles = [part.strip() for part in text.split(",") if part.strip()]
        if not titles:
            return []
        found = context.rows_by_title(config, titles) if context.rows_by_title else {}
        missing = [title for title in titles if title not in found]
        if missing:
            raise PropertyError(f"no row titled {missing[0][:60]!r} in the related database")
        return self.clean([found[title] for title in titles], config, context)

    def is_empty(self, cell):
        return not cell


class ComputedType(PropertyType):
    stored, computed, editable = False, True, False
    kind = "computed"

    def clean(self, value, config, context):
        raise PropertyError("cannot be set: it is computed")

    def to_api(self, cell, config):
        if isinstance(cell, datetime):
            return parse_date(cell)
        if isinstance(cell, date):
            return cell.isoformat()
        if isinstance(cell, float) and math.isfinite(cell) and cell == int(cell) and abs(cell) < 1e15:
            return int(cell)
        if isinstance(cell, float) and not math.isfinite(cell):
            return None
        return cell

    def display(self, cell, config):
        if cell is None:
            return ""
        if isinstance(cell, bool):
            return "Yes" if cell else "No"
        if isinstance(cell, (int, float)):
            return NumberType().display(cell, config) if math.isfinite(cell) else ""
        if isinstance(cell, datetime):
            return display_date(parse_date(cell))
        if isinstance(cell, date):
            return display_date(cell.isoformat())
        if isinstance(cell, list):
            return ", ".join(ComputedType.display(self, item, {}) for item in cell)
        return str(cell)

    def to_text(self, cell, config):
        if isinstance(cell, (int, float)) and not isinstance(cell, bool) and math.isfinite(cell):
            return _number_text(cell)
        if isinstance(cell, (date, datetime)):
            return self.to_api(cell, config)
        return self.display(cell, config)


class FormulaType(ComputedType):
    type, label = "formula", "Formula"
    config_keys = {"expression", "format", "currency", "precision"}

    def clean_config(self, config, context):
        from .formula import FormulaError, parse

        config = super().clean_config(config, context)
        expression = config.get("expression")
        if not isinstance(expression, str) or not expression.strip() or len(expression) > 4000:
            raise PropertyError("a formula needs an expression (at most 4000 characters)", "expression")
        try:
            parse(expression)
        except FormulaError as error:
            raise PropertyError(str(error), "expression") from None
        number_config = {key: config[key] for key in ("format", "currency", "precision") if key in config}
        config.update(NumberType().clean_config(number_config, context))
        return config


class RollupType(ComputedType):
    type, label = "rollup", "Rollup"
    config_keys = {"relation_property_id", "target_property_id", "function", "format", "currency", "precision"}

    def clean_config(self, config, context):
        config = super().clean_config(config, context)
        for key in ("relation_property_id",):
            if isinstance(config.get(key), bool) or not isinstance(config.get(key), int):
                raise PropertyError(f"a rollup needs {key}", key)
        function = config.setdefault("function", "count")
        if function not in ROLLUP_FUNCTIONS:
            raise PropertyError(f"function must be one of {', '.join(ROLLUP_FUNCTIONS)}", "function")
        target = config.get("target_property_id")
        if function != "count" and (isinstance(target, bool) or not isinstance(target, int)):
            raise PropertyError(f"{function} needs target_property_id: the property of the related rows", "target_property_id")
        number_config = {key: config[key] for key in ("format", "currency", "precision") if key in config}
        config.update(NumberType().clean_config(number_config, context))
        return config

    def display(self, cell, config):
        if config.get("function") == "percent_checked" and isinstance(cell, (int, float)):
            return NumberType().display(cell, {"format": "percent", "precision": config.get("precision", 0)})
        return super().display(cell, config)


class CreatedTimeType(PropertyType):
    type, label, kind = "created_time", "Created time", "date"
    stored, editable, column = False, False, "created_at"

    def clean(self, value, config, context):
        raise PropertyError("cannot be set: it is the row's creation time")

    def to_api(self, cell, config):
        return {"start": parse_date(cell)} if cell else None

    def display(self, cell, config):
        return display_date(parse_date(cell)) if cell else ""

    def to_text(self, cell, config):
        return parse_date(cell) if cell else ""

    def formula_value(self, cell, config):
        return cell


class LastEditedTimeType(CreatedTimeType):
    type, label, column = "last_edited_time", "Last edited time", "updated_at"

    def clean(self, value, config, context):
        raise PropertyError("cannot be set: it is the time of the row's last change")


class CreatedByType(PropertyType):
    """The user id held by a row column; rendered as the username by the service (which loads users once)."""

    type, label, kind = "created_by", "Created by", "user"
    stored, editable, column = False, False, "created_by_id"

    def clean(self, value, config, context):
        raise PropertyError("cannot be set: it is who created the row")


class LastEditedByType(CreatedByType):
    type, label, column = "last_edited_by", "Last edited by", "updated_by_id"

    def clean(self, value, config, context):
        raise PropertyError("cannot be set: it is who changed the row last")


class UniqueIdType(PropertyType):
    """``PREFIX-42``: the row's number (``Row.number``, given once at creation, never reused) with a prefix."""

    type, label, kind = "unique_id", "ID", "number"
    stored, editable, column = False, False, "number"
    config_keys = {"prefix"}

    def clean_config(self, config, context):
        config = super().clean_config(config, context)
        prefix = config.setdefault("prefix", "")
        if not isinstance(prefix, str) or not re.fullmatch(r"[A-Za-z0-9]{0,10}", prefix):
            raise PropertyError("a prefix is up to 10 letters or digits", "prefix")
        return config

    def clean(self, value, config, context):
        raise PropertyError("cannot be set: it is given when the row is created")

    def to_api(self, cell, config):
        return self.display(cell, config) or None

    def display(self, cell, config):
        if not cell:
            return ""
        return f"{config.get('prefix')}-{cell}" if config.get("prefix") else str(cell)

    def formula_value(self, cell, config):
        return self.display(cell, config)


PROPERTY_TYPES: Registry[PropertyType] = Registry("property type")

CORE_TYPES = (TitleType, TextType, NumberType, SelectType, MultiSelectType, StatusType, DateType, PersonType, CheckboxType,
              UrlType, EmailType, PhoneType, FilesType, RelationType, RollupType, FormulaType, CreatedTimeType, CreatedByType,
              LastEditedTimeType, LastEditedByType, UniqueIdType)


def register_core_types() -> None:
    for type_class in CORE_TYPES:
        PROPERTY_TYPES.register(type_class.type, type_class())


class UnavailableType(PropertyType):
    """The type of a property whose type another module registered and that module is not installed any more
    (e.g. "Review status" after ipai_workos_affine is uninstalled): the property stays, with what it stored,
    read-only and empty where it stored nothing, so the database keeps working; it comes back to life when the
    module is installed again."""

    label, editable = "Unavailable", False
    read_only = "the module that provides this property type is not installed"

    def __init__(self, name: str):
        self.type = name

    def clean_config(self, config, context):
        return dict(config or {})

    def clean(self, value, config, context):
        raise PropertyError(f"cannot be set: {self.read_only}")


def property_type(name: str) -> PropertyType:
    """The type named ``name``; a stored property's type whose module is not installed reads as ``UnavailableType``
    (new properties are checked against ``PROPERTY_TYPES`` itself, so they cannot be made of it)."""
    entry = PROPERTY_TYPES.find(name)
    return entry if entry is not None else UnavailableType(name)


def utc_today() -> date:
    return datetime.now(dt_timezone.utc).date()


def day_after(day: str) -> str:
    return (date.fromisoformat(day) + timedelta(days=1)).isoformat()


def start_of_day(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=dt_timezone.utc)
