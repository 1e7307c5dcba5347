"""Policies as configuration: build policies from a TOML file, strictly and safely.

A policy file is a list of ``[[policy]]`` tables built from the same building
blocks as the Python API, and an optional ``[calendar]`` table naming the
working days, and an optional ``churn`` table naming the churn rule
(``churn = { inactive_after = "180 days" }``). Loading never evaluates code: the only way to bring
in a Python policy is a ``use = "name"`` entry naming an entry point the user
registered in the ``lifecycle.policies`` group. Every problem in the file is
collected and reported at once, each with its line and key.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, TypeVar

import attrs
from dateutil.rrule import rrulestr

from lifecycle.calendar import Calendar
from lifecycle.churn import DEFAULT_CHURN, MAX_INACTIVE_DAYS, ChurnRule, churn_after_inactivity
from lifecycle.errors import InvalidValueError, LifecycleError, PolicyFileError, PolicyProblem
from lifecycle.policies._anchors import (
    Anchor,
    contract_end,
    customer_since,
    first,
    last,
    latest,
)
from lifecycle.policies._combine import PolicySet, policy_set, restrict
from lifecycle.policies._conditions import (
    Condition,
    all_of,
    any_of,
    attribute,
    churned,
    exists,
    health_is,
    in_stage,
    not_,
    p_alive,
    purchase_gap,
    score,
    segment,
    spend,
    tagged,
)
from lifecycle.policies._fulfilment import (
    Fulfilment,
    WindowStart,
    from_anchor,
    from_anchor_date,
    from_due,
    fulfilled_by,
)
from lifecycle.policies._playbook import Step, playbook, step
from lifecycle.policies._rule import policy
from lifecycle.policies._time import (
    MAX_SPAN,
    Offset,
    Recurrence,
    days,
    every,
    months,
    shown,
    too_long,
    weeks,
    working_days,
    years,
)
from lifecycle.policy import Policy
from lifecycle.purchases import BetaGeoParameters, churn_on_p_alive
from lifecycle.stages import DEFAULT_LIFECYCLE, Lifecycle, default_lifecycle
from lifecycle.touchpoints import (
    Channel,
    Direction,
    Kind,
    channel_table,
    kind_table,
    to_direction,
    unknown_channel,
)

__all__ = ["ENTRY_POINT_GROUP", "MAX_DEPTH", "load_policies", "parse_policies"]

#: The entry point group a ``use = "name"`` entry looks names up in.
ENTRY_POINT_GROUP = "lifecycle.policies"

T = TypeVar("T")

_DURATION = re.compile(r"\s*([+-]?)(\d+)\s+(working\s+day|day|week|month|year)s?\s*\Z")

#: How deep tables and arrays may nest in a policy file (a real one needs about ten).
MAX_DEPTH = 32

# How much of an offending value a message quotes.
_QUOTED = 80


class _Invalid(Exception):
    """One problem at one key; collected, never shown to users as is."""

    def __init__(self, key: str, value: object, problem: str) -> None:
        super().__init__(problem)
        self.key, self.value, self.problem = key, value, problem


class _Reader:
    """Turns the parsed tables into building blocks, collecting every problem."""

    def __init__(
        self,
        kinds: Mapping[str, Kind],
        lifecycle: Lifecycle,
        channels: Mapping[str, Channel] | None = None,
    ) -> None:
        self.kinds = kinds
        self.channels = channel_table() if channels is None else channels
        self.lifecycle = lifecycle
        # The file's churn table, once read: its ``churned`` conditions follow it.
        self.churn: ChurnRule = DEFAULT_CHURN
        self.problems: list[_Invalid] = []

    # -- values -------------------------------------------------------------------

    def channel(self, key: str, value: object) -> Channel:
        name = _text(key, value)
        found = self.channels.get(name)
        if found is None:
            raise _Invalid(key, value, unknown_channel(self.channels))
        return found

    def kind(self, key: str, value: object) -> Kind:
        name = _text(key, value)
        found = self.kinds.get(name)
        if found is None:
            raise _Invalid(key, value, f"is not a known kind (known: {', '.join(self.kinds)})")
        return found

    def duration(self, key: str, value: object, *, days_only: bool = False) -> Offset:
        text = _text(key, value)
        match = _DURATION.match(text)
        if match is None:
            raise _Invalid(
                key,
                value,
                "is not a duration such as '7 days', '-60 days', '3 months', '1 year' "
                "or '5 working days'",
            )
        sign, digits, unit = match.groups()
        if days_only and unit != "day":
            raise _Invalid(key, value, "must be a whole number of days, e.g. '30 days'")
        working = unit.startswith("working")
        unit = "day" if working else unit
        limit = MAX_SPAN[f"{unit}s"]
        # Compare the digits before converting: a 5,000-digit number is no int to Python.
        digits = digits.lstrip("0") or "0"
        if len(digits) > len(str(limit)) or int(digits) > limit:
            raise _Invalid(key, value, too_long(f"{unit}s"))
        amount = -int(digits) if sign == "-" else int(digits)
        if working:
            return working_days(amount)
        return {"day": days, "week": weeks, "month": months, "year": years}[unit](amount)

    # -- blocks -------------------------------------------------------------------

    def anchor(self, key: str, value: object) -> Anchor:
        if value == "since":
            return customer_since()
        if value == "contract_end":
            return contract_end()
        table = _table(key, value, "an anchor: 'since', 'contract_end', or a table")
        which = [k for k in ("first", "last", "latest") if k in table]
        if len(which) != 1:
            raise _Invalid(key, value, "needs exactly one of first, last or latest")
        if which[0] == "latest":
            _only(key, table, ("latest",))
            parts = _list(f"{key}.latest", table["latest"])
            if len(parts) < 2:
                raise _Invalid(f"{key}.latest", parts, "needs at least two anchors")
            return latest(*(self.anchor(f"{key}.latest[{i}]", p) for i, p in enumerate(parts)))
        (side,) = which
        _only(key, table, (side, "direction", "after", "name"))
        kind_name = table[side]
        chosen = None if kind_name == "any" else self.kind(f"{key}.{side}", kind_name)
        direction = self.direction(f"{key}.direction", table.get("direction"))
        after = self.anchor(f"{key}.after", table["after"]) if "after" in table else None
        name = _text(f"{key}.name", table["name"]) if "name" in table else None
        build = first if side == "first" else last
        return build(chosen, direction=direction, after=after, name=name)

    def direction(self, key: str, value: object) -> Direction | None:
        if value is None:
            return None
        try:
            return to_direction(_text(key, value))
        except LifecycleError:
            raise _Invalid(key, value, "must be 'inbound' or 'outbound'") from None

    def condition(self, key: str, value: object) -> Condition:
        table = _table(key, value, "a condition table such as { score = { at_most = 6 } }")
        if len(table) != 1:
            raise _Invalid(key, value, "a condition has exactly one key (use all = [...] for more)")
        ((form, body),) = table.items()
        forms: dict[str, Callable[[str, Any], Condition]] = {
            "score": self.score,
            "segment": lambda where, body: segment(*_names(where, body)),
            "attribute": self.attribute,
            "stage": self.stage,
            "tagged": self.tagged,
            "exists": lambda where, body: exists(self.anchor(where, body)),
            "churned": self.churned,
            "health": self.health,
            "p_alive": self.p_alive,
            "purchase_gap": self.purchase_gap,
            "spend": self.spend,
            "all": self.combined,
            "any": self.combined,
            "not": lambda where, body: not_(self.condition(where, body)),
        }
        if form not in forms:
            raise _Invalid(
                f"{key}.{form}", body, f"is not a condition (conditions: {', '.join(forms)})"
            )
        return forms[form](f"{key}.{form}", body)

    def score(self, where: str, body: object) -> Condition:
        bounds = _table(where, body, "a table with at_least and/or at_most")
        _only(where, bounds, ("at_least", "at_most"))
        if not bounds:
            raise _Invalid(where, body, "give at_least, at_most or both")
        low = _int(f"{where}.at_least", bounds["at_least"]) if "at_least" in bounds else None
        high = _int(f"{where}.at_most", bounds["at_most"]) if "at_most" in bounds else None
        return score(at_least=low, at_most=high)

    def attribute(self, where: str, body: object) -> Condition:
        spec = _table(where, body, "a table with name and, optionally, is = [values]")
        _only(where, spec, ("name", "is"))
        if "name" not in spec:
            raise _Invalid(where, body, "needs a name")
        values = _names(f"{where}.is", spec["is"]) if "is" in spec else []
        return attribute(_text(f"{where}.name", spec["name"]), *values)

    def stage(self, where: str, body: object) -> Condition:
        stages = _names(where, body)
        for stage in stages:
            if stage not in self.lifecycle.stages:
                raise _Invalid(
                    where, stage, f"is not a stage (stages: {', '.join(self.lifecycle.stages)})"
                )
        return in_stage(*stages, lifecycle=self.lifecycle)

    def health(self, where: str, body: object) -> Condition:
        try:
            return health_is(*_names(where, body))
        except LifecycleError as e:
            raise _Invalid(where, getattr(e, "value", body), _problem_of(e)) from None

    def churned(self, where: str, body: object) -> Condition:
        if body is not True:
            raise _Invalid(where, body, "must be true (use not = { churned = true })")
        return churned(self.churn)

    def p_alive(self, where: str, body: object) -> Condition:
        spec = _table(where, body, "a table with below, r, alpha, a and b")
        _only(where, spec, ("below", *_BETA_GEO))
        below, model = _p_alive_parts(where, spec, "below")
        return p_alive(below=below, model=model)

    def purchase_gap(self, where: str, body: object) -> Condition:
        spec = _table(where, body, 'a table such as { over = 2.0, at_least = "30 days" }')
        _only(where, spec, ("over", "at_least"))
        over = _number(f"{where}.over", spec["over"]) if "over" in spec else 2.0
        least = 30
        if "at_least" in spec:
            least = self.duration(f"{where}.at_least", spec["at_least"], days_only=True).days
            if least < 0:
                raise _Invalid(f"{where}.at_least", spec["at_least"], "must not be negative")
        try:
            return purchase_gap(over=over, at_least_days=least)
        except LifecycleError as e:
            raise _Invalid(f"{where}.over", spec["over"], _problem_of(e)) from None

    def spend(self, where: str, body: object) -> Condition:
        spec = _table(where, body, 'a table such as { at_least = "500.00", currency = "EUR" }')
        _only(where, spec, ("at_least", "currency"))
        if "at_least" not in spec:
            raise _Invalid(where, body, 'needs at_least, e.g. "500.00"')
        least = spec["at_least"]
        if isinstance(least, bool) or not isinstance(least, str | int):
            raise _Invalid(
                f"{where}.at_least",
                least,
                'must be an amount in text, such as "500.00", or a whole number',
            )
        currency = _text(f"{where}.currency", spec["currency"]) if "currency" in spec else None
        try:
            return spend(at_least=least, currency=currency)
        except LifecycleError as e:
            field = "currency" if getattr(e, "field", None) == "currency" else "at_least"
            raise _Invalid(f"{where}.{field}", spec[field], _problem_of(e)) from None

    def combined(self, where: str, body: object) -> Condition:
        parts = [self.condition(f"{where}[{i}]", p) for i, p in enumerate(_list(where, body))]
        if len(parts) < 2:
            raise _Invalid(where, body, "needs at least two conditions")
        return all_of(*parts) if where.endswith(".all") else any_of(*parts)

    def tagged(self, key: str, value: object) -> Condition:
        if isinstance(value, str):
            return tagged(value)
        spec = _table(key, value, "a tag, or a table with tag, within and kind")
        _only(key, spec, ("tag", "within", "kind"))
        if "tag" not in spec:
            raise _Invalid(key, value, "needs a tag")
        within = None
        if "within" in spec:
            within = self.duration(f"{key}.within", spec["within"], days_only=True).days
            if within < 0:
                raise _Invalid(f"{key}.within", spec["within"], "must not be negative")
        kind = self.kind(f"{key}.kind", spec["kind"]) if "kind" in spec else None
        return tagged(_text(f"{key}.tag", spec["tag"]), within_days=within, kind=kind)

    def fulfilment(self, key: str, value: object) -> Fulfilment:
        table = _table(key, value, "a table with kinds, direction, channels and since")
        _only(key, table, ("kinds", "direction", "channels", "since"))
        kinds = [
            self.kind(f"{key}.kinds[{i}]", k)
            for i, k in enumerate(_list(f"{key}.kinds", table.get("kinds", [])))
        ]
        direction = self.direction(f"{key}.direction", table.get("direction"))
        channels = [
            self.channel(f"{key}.channels[{i}]", c)
            for i, c in enumerate(_list(f"{key}.channels", table.get("channels", [])))
        ]
        window = self.window_start(f"{key}.since", table["since"]) if "since" in table else None
        return fulfilled_by(*kinds, direction=direction, channels=channels, since=window)

    def window_start(self, key: str, value: object) -> WindowStart:
        table = _table(key, value, "a table with one of anchor, anchor_date or due")
        bases = [b for b in ("anchor", "anchor_date", "due") if b in table]
        if len(bases) != 1:
            raise _Invalid(key, value, "needs exactly one of anchor, anchor_date or due")
        (base,) = bases
        _only(key, table, (base, "inclusive") if base == "anchor" else (base,))
        shift = self.duration(f"{key}.{base}", table[base], days_only=True).days
        if base == "anchor":
            inclusive = _bool(f"{key}.inclusive", table.get("inclusive", False))
            return from_anchor(inclusive=inclusive, days=shift)
        return from_anchor_date(days=shift) if base == "anchor_date" else from_due(days=shift)

    def recurrence(self, key: str, value: object) -> Recurrence:
        if isinstance(value, dict):
            _only(key, value, ("rrule",))
            text = _text(f"{key}.rrule", value.get("rrule"))
            if re.search(r"COUNT=", text, re.I) and re.search(r"UNTIL=", text, re.I):
                raise _Invalid(f"{key}.rrule", text, "give COUNT or UNTIL, not both (RFC 5545)")
            try:
                rule = rrulestr(text)
            except (ValueError, TypeError, OverflowError, IndexError) as e:
                why = _quoted(str(e))
                raise _Invalid(f"{key}.rrule", text, f"is not an RFC 5545 rule ({why})") from None
            try:
                return every(rule=rule)  # type: ignore[arg-type]
            except LifecycleError as e:
                raise _Invalid(f"{key}.rrule", text, _problem_of(e)) from None
        step = self.duration(key, value)
        if step.working_days:
            raise _Invalid(key, value, "must count calendar days, not working days")
        if (
            step.years < 0
            or step.months < 0
            or (step.days <= 0 and not (step.years or step.months))
        ):
            raise _Invalid(key, value, "must be a positive step, e.g. '1 year' or '3 months'")
        return every(years=step.years, months=step.months, days=step.days)

    # -- a whole policy -----------------------------------------------------------------

    def policy(self, key: str, table: dict[str, Any]) -> Policy | None:
        if "use" in table:
            _only(key, table, ("use",))
            return self.registered(f"{key}.use", table["use"])
        steps: dict[str, Callable[[str, Any], Any]] = {
            "name": _text,
            "priority": _int,
            "description": _text,
            "anchor": self.anchor,
            "offset": self.duration,
            "when": self.condition,
            "fulfilled_by": self.fulfilment,
            "recurs": self.recurrence,
            "expires": self.duration,
            "restrict": self.condition,
        }
        before = len(self.problems)
        for k, value in table.items():
            if k not in steps:
                keys = ", ".join(steps)
                self.problems.append(_Invalid(f"{key}.{k}", value, f"is not a policy key ({keys})"))
        for required in ("name", "priority", "anchor"):
            if required not in table:
                self.problems.append(_Invalid(f"{key}.{required}", None, "is required"))
        parts = {
            name: self.attempt(lambda: _keyed(f"{key}.{name}", table[name], step))  # noqa: B023
            for name, step in steps.items()
            if name in table
        }
        if len(self.problems) > before:  # report them all, build nothing
            return None
        only = parts.pop("restrict", None)
        name, priority = parts.pop("name"), parts.pop("priority")
        built = self.attempt(lambda: _checked_policy(key, name, priority, parts))
        if built is None or only is None:
            return built
        return restrict(built, only)

    # -- a playbook ------------------------------------------------------------------

    def playbook(self, key: str, table: object) -> Policy | None:
        entries = _table(key, table, "a [[playbook]] table")
        before = len(self.problems)
        keys = ("name", "priority", "description", "trigger", "steps")
        for k, value in entries.items():
            if k not in keys:
                self.problems.append(
                    _Invalid(f"{key}.{k}", value, f"is not a playbook key ({', '.join(keys)})")
                )
        for required in ("name", "priority", "trigger", "steps"):
            if required not in entries:
                self.problems.append(_Invalid(f"{key}.{required}", None, "is required"))
        parts = {
            k: self.attempt(lambda: _keyed(f"{key}.{k}", entries[k], read))  # noqa: B023
            for k, read in (
                ("name", _text),
                ("priority", _int),
                ("description", _text),
                ("trigger", self.anchor),
                ("steps", self.steps),
            )
            if k in entries
        }
        if len(self.problems) > before:  # report them all, build nothing
            return None
        name = parts.pop("name")
        return self.attempt(lambda: _checked_playbook(key, name, parts))

    def steps(self, key: str, value: object) -> list[Step]:
        tables = _list(key, value)
        if not tables:
            raise _Invalid(key, value, "a playbook needs at least one step")
        made: list[Step] = []
        for i, table in enumerate(tables):
            found = self.step(f"{key}[{i}]", table)
            if any(earlier.name == found.name for earlier in made):
                raise _Invalid(f"{key}[{i}].name", found.name, "is the name of an earlier step")
            made.append(found)
        return made

    def step(self, key: str, value: object) -> Step:
        table = _table(key, value, "a step: { name = ..., offset = ..., fulfilled_by = ... }")
        _only(key, table, ("name", "offset", "fulfilled_by", "expires"))
        for required in ("name", "offset", "fulfilled_by"):
            if required not in table:
                raise _Invalid(f"{key}.{required}", None, "is required")
        name = _text(f"{key}.name", table["name"])
        offset = _keyed(f"{key}.offset", table["offset"], self.duration)
        fulfilment = _keyed(f"{key}.fulfilled_by", table["fulfilled_by"], self.fulfilment)
        expires = (
            _keyed(f"{key}.expires", table["expires"], self.duration)
            if "expires" in table
            else None
        )
        try:
            return step(name, offset=offset, fulfilled_by=fulfilment, expires=expires)
        except InvalidValueError as e:
            where = {"step": "name", "fulfilled_by": "fulfilled_by.since"}.get(e.field, e.field)
            value = table["fulfilled_by"]["since"] if e.field == "fulfilled_by" else table[where]
            raise _Invalid(f"{key}.{where}", value, _problem_of(e)) from None

    def registered(self, key: str, value: object) -> Policy | None:
        name = _text(key, value)
        found = [e for e in entry_points(group=ENTRY_POINT_GROUP) if e.name == name]
        if not found:
            raise _Invalid(
                key,
                value,
                f"names no policy registered in the entry point group {ENTRY_POINT_GROUP!r}",
            )
        loaded = found[0].load()
        made = loaded() if callable(loaded) and not isinstance(loaded, Policy) else loaded
        if not isinstance(made, Policy):
            raise _Invalid(key, value, "is registered, but is not a policy")
        return made

    def attempt(self, step: Callable[[], T]) -> T | None:
        try:
            return step()
        except _Invalid as e:
            self.problems.append(e)
            return None


def _checked_policy(key: str, name: object, priority: object, parts: dict[str, Any]) -> Policy:
    try:
        return policy(name, priority=priority, **parts)  # type: ignore[arg-type]
    except LifecycleError as e:
        field = getattr(e, "field", "name")
        raise _Invalid(f"{key}.{field}", getattr(e, "value", name), _problem_of(e)) from None


def _checked_playbook(key: str, name: object, parts: dict[str, Any]) -> Policy:
    try:
        return playbook(name, **parts)  # type: ignore[arg-type]
    except LifecycleError as e:
        value = getattr(e, "value", name)
        field = getattr(e, "field", "name")
        if field == "name" and value != name:  # a step's name, too long with the playbook's
            field = "steps"
        raise _Invalid(f"{key}.{field}", value, _problem_of(e)) from None


def _keyed(key: str, value: object, step: Callable[[str, Any], T]) -> T:
    """Build a policy's part, any building block's complaint told at its key."""
    try:
        return step(key, value)
    except LifecycleError as e:
        raise _Invalid(key, getattr(e, "value", value), _problem_of(e)) from None


def _problem_of(error: LifecycleError) -> str:
    return str(getattr(error, "problem", error))


def _text(key: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Invalid(key, value, "must be a non-empty string")
    return value


def _int(key: str, value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise _Invalid(key, value, "must be a whole number")
    return value


def _bool(key: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise _Invalid(key, value, "must be true or false")
    return value


def _number(key: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Invalid(key, value, "must be a number")
    return float(value)


#: The BG/NBD parameters a ``p_alive`` condition or churn table gives inline.
_BETA_GEO = ("r", "alpha", "a", "b")


def _p_alive_parts(where: str, spec: dict[str, Any], threshold: str) -> tuple[float, Any]:
    """The threshold and the BG/NBD parameters of a ``p_alive`` table (or the churn table)."""
    for name in (threshold, *_BETA_GEO):
        if name not in spec:
            raise _Invalid(f"{where}.{name}", None, "is required")
    below = _number(f"{where}.{threshold}", spec[threshold])
    if not 0 < below <= 1:
        raise _Invalid(f"{where}.{threshold}", spec[threshold], "must be above 0 and at most 1")
    values = {name: _number(f"{where}.{name}", spec[name]) for name in _BETA_GEO}
    try:
        return below, BetaGeoParameters(**values)
    except InvalidValueError as e:
        raise _Invalid(f"{where}.{e.field}", spec[e.field], _problem_of(e)) from None


def _table(key: str, value: object, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Invalid(key, value, f"must be {what}")
    return value


def _list(key: str, value: object) -> list[Any]:
    if not isinstance(value, list):
        raise _Invalid(key, value, "must be a list")
    return value


def _names(key: str, value: object) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [_text(key, v) for v in items] if items else [_text(key, None)]


def _only(key: str, table: Mapping[str, object], allowed: Iterable[str]) -> None:
    allowed = tuple(allowed)
    for k in table:
        if k not in allowed:
            raise _Invalid(
                f"{key}.{k}", table[k], f"is not a key here (keys: {', '.join(allowed)})"
            )


# -- hostile files ----------------------------------------------------------------------


def _too_deep() -> str:
    return f"nests tables and arrays too deeply (at most {MAX_DEPTH} levels)"


def _too_deep_key(data: dict[str, Any]) -> str | None:
    """The key path (down to a policy's key) under which *data* nests beyond `MAX_DEPTH`."""
    # Iterative: a recursive walk is what such a file is out to break.
    stack: list[tuple[object, int, str]] = [(data, 0, "")]
    while stack:
        value, depth, key = stack.pop()
        if depth > MAX_DEPTH:
            return re.sub(r"^(policy\[\d+\]\.[^.\[]+|[^.\[]+).*", r"\1", key)
        if isinstance(value, dict):
            stack.extend((v, depth + 1, f"{key}.{k}" if key else k) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, depth + 1, f"{key}[{i}]") for i, v in enumerate(value))
    return None


def _deep_line(text: str) -> int | None:
    """The line on which brackets first open deeper than `MAX_DEPTH`, roughly counted."""
    depth = 0
    for number, line in enumerate(text.splitlines(), start=1):
        for char in re.sub(r'"[^"]*"|\'[^\']*\'|#.*', "", line):
            depth += (char in "[{") - (char in "]}")
            if depth > MAX_DEPTH:
                return number
    return None  # pragma: no cover - tomllib recursed, so brackets nest this deep


def _quoted(value: object) -> object:
    """*value*, or the start of it if it is too long to quote in a message."""
    value = shown(value)
    if isinstance(value, str):
        return value if len(value) <= _QUOTED else value[:_QUOTED] + "..."
    text = repr(value)
    return value if len(text) <= _QUOTED else text[:_QUOTED] + "..."


# -- lines ------------------------------------------------------------------------------

_HEADER = re.compile(r"^\s*\[\[\s*policy\s*\]\]")
_PLAYBOOK_HEADER = re.compile(r"^\s*\[\[\s*playbook\s*\]\]")
_STEP_HEADER = re.compile(r"^\s*\[\[\s*playbook\s*\.\s*steps\s*\]\]")
_TOML_LINE = re.compile(r"at line (\d+)")


def _line_of(text: str, key: str) -> int | None:
    """The line a key path such as ``policy[2].when.score`` stands on, as near as can be told.

    TOML parsers give values, not positions: this finds the policy's
    ``[[policy]]`` header, then the deepest key of the path assigned (or
    opening a table) within that policy's block.
    """
    lines = text.splitlines()
    for heading in ("calendar", "churn"):
        if key.startswith(f"{heading}."):
            return _calendar_line(lines, key.removeprefix(f"{heading}."), heading=heading)
    if key.startswith("playbook["):
        return _playbook_line(lines, key)
    match = re.match(r"policy\[(\d+)\]\.?(.*)", key)
    if match is None:  # a top-level key
        top = re.compile(rf"^\s*(\[+\s*)?{re.escape(key)}\b")
        return next((i + 1 for i, line in enumerate(lines) if top.match(line)), None)
    index, rest = int(match.group(1)), match.group(2)
    headers = [i for i, line in enumerate(lines) if _HEADER.match(line)]
    if index >= len(headers):
        return None
    start = headers[index]
    stop = headers[index + 1] if index + 1 < len(headers) else len(lines)
    names = [re.sub(r"\[\d+\]$", "", part) for part in rest.split(".") if part]
    patterns = [
        re.compile(rf"(^|[{{,\s.]){re.escape(name)}\s*=|^\s*\[[^\]]*\b{re.escape(name)}\]")
        for name in names
    ]
    for pattern in reversed(patterns):
        found = [i for i in range(start, stop) if pattern.search(lines[i])]
        # A name such as `anchor` may stand at several depths: prefer the line of the top key.
        within = [i for i in found if patterns[0].search(lines[i])]
        if within or found:
            return (within or found)[0] + 1
    return start + 1


def _playbooks(reader: _Reader, tables: list[Any]) -> list[Policy]:
    """The file's ``[[playbook]]`` tables, built (their problems go to *reader*)."""
    built: list[Policy] = []
    titles: list[object] = []
    for i, table in enumerate(tables):
        made = reader.attempt(lambda: reader.playbook(f"playbook[{i}]", table))  # noqa: B023
        if made is not None:
            title = getattr(made, "name", None)
            if title in titles:
                reader.problems.append(
                    _Invalid(f"playbook[{i}].name", title, "is the name of an earlier playbook")
                )
            titles.append(title)
            built.append(made)
    return built


def _playbook_line(lines: list[str], key: str) -> int | None:
    """The line of a key path such as ``playbook[0].steps[1].offset``, as near as can be told.

    A step is a line of the ``steps`` array (an inline table each), or a
    ``[[playbook.steps]]`` table.
    """
    match = re.match(r"playbook\[(\d+)\]\.?([^.\[]*)(?:\[(\d+)\])?\.?([^.\[]*)", key)
    assert match is not None  # the keys are made by this module
    index, top, step_at, inner = match.groups()
    headers = [i for i, line in enumerate(lines) if _PLAYBOOK_HEADER.match(line)]
    if int(index) >= len(headers) or not top:  # not a table: the array's line
        top_line = re.compile(r"^\s*playbook\s*=")
        return next((i + 1 for i, line in enumerate(lines) if top_line.match(line)), None)
    start = headers[int(index)]
    later = [i for i in headers if i > start] + [i for i, x in enumerate(lines) if _HEADER.match(x)]
    stop = min([i for i in later if i > start], default=len(lines))
    region = range(start, stop)
    if top == "steps" and step_at is not None:
        tables = [i for i in region if _STEP_HEADER.match(lines[i])]
        if tables:
            chosen = [*tables, stop]
            at = int(step_at)
            region = range(chosen[at], chosen[at + 1]) if at < len(tables) else region
        else:
            opened = next((i for i in region if re.search(r"(^|\s)steps\s*=", lines[i])), start)
            items = [i for i in range(opened, stop) if re.search(r"\{", lines[i])]
            if int(step_at) < len(items):
                line = items[int(step_at)]
                region = range(line, line + 1)
    if step_at is None:  # a key of the playbook's own: at the start of a line
        pattern = re.compile(rf"^\s*{re.escape(top)}\s*=")
    else:
        pattern = re.compile(rf"(^|[{{,\s.]){re.escape(inner or top)}\s*=")
    found = next((i for i in region if pattern.search(lines[i])), region[0])
    return found + 1


def parse_policies(
    text: str,
    *,
    source: str = "<policies>",
    kinds: Iterable[Kind] = (),
    lifecycle: Lifecycle = DEFAULT_LIFECYCLE,
    channels: Iterable[Channel | str] = (),
) -> PolicySet:
    """Build the policies of a policy file's text (see `load_policies`).

    Raises:
        PolicyFileError: listing every problem, each with its line and key.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        found = _TOML_LINE.search(str(e))
        line = int(found.group(1)) if found else None
        raise PolicyFileError(
            source, [PolicyProblem(line, None, None, f"is not valid TOML: {e}")]
        ) from None
    except RecursionError:
        # tomllib parses nested tables and arrays recursively.
        raise PolicyFileError(
            source, [PolicyProblem(_deep_line(text), None, None, _too_deep())]
        ) from None
    except ValueError as e:  # a number tomllib cannot convert (over 4,300 digits)
        raise PolicyFileError(
            source, [PolicyProblem(None, None, None, f"is not valid TOML: {e}")]
        ) from None
    deep = _too_deep_key(data)
    if deep is not None:
        raise PolicyFileError(
            source, [PolicyProblem(_line_of(text, deep), deep, None, _too_deep())]
        )
    reader = _Reader(kind_table(kinds), lifecycle, channel_table(channels))
    built: list[Policy] = []
    calendar = reader.attempt(lambda: _calendar(data.pop("calendar", None)))
    churn = _read_churn(reader, data.pop("churn", None), lifecycle)
    unknown = [k for k in data if k not in ("policy", "playbook")]
    for k in unknown:
        reader.problems.append(
            _Invalid(k, data[k], "is not a top-level key (use [[policy]] tables)")
        )
    tables = data.get("policy", [])
    playbooks = data.get("playbook", [])
    if not isinstance(playbooks, list):
        reader.problems.append(_Invalid("playbook", playbooks, "must be [[playbook]] tables"))
        playbooks = []
    if not isinstance(tables, list) or not (tables or playbooks):
        reader.problems.append(_Invalid("policy", tables, "the file needs [[policy]] tables"))
        tables = []
    for i, table in enumerate(tables):
        made = reader.attempt(lambda: reader.policy(f"policy[{i}]", table))  # noqa: B023
        if made is not None:
            built.append(made)
    names = [getattr(p, "name", None) for p in built]
    for i, name in enumerate(names):
        if name is not None and names.index(name) != i:
            reader.problems.append(
                _Invalid(f"policy[{i}].name", name, "is the name of an earlier policy")
            )
    built += _playbooks(reader, playbooks)
    if reader.problems:
        raise PolicyFileError(
            source,
            [
                PolicyProblem(_line_of(text, p.key), p.key, _quoted(p.value), p.problem)
                for p in reader.problems
            ],
        )
    return _with_calendar(policy_set(built), calendar, churn)


# -- the [calendar] table ---------------------------------------------------------------

_CALENDAR_KEYS = ("weekend", "holidays", "country")


def _calendar(value: object) -> Calendar | None:
    """The working days a ``[calendar]`` table names (``None``: no table)."""
    if value is None:
        return None
    table = _table("calendar", value, "a table with weekend, holidays and country")
    _only("calendar", table, _CALENDAR_KEYS)
    for k, v in table.items():
        try:
            one = Calendar.from_mapping({k: v})
            if one.country is not None:
                # Refuse an unknown country now, not on the first date it is asked about.
                Calendar(country=one.country).is_working(dt.date(2000, 1, 3))  # a Monday
        except LifecycleError as e:
            raise _Invalid(f"calendar.{k}", getattr(e, "value", v), _problem_of(e)) from None
    return Calendar.from_mapping(table)


def _with_calendar(
    policies: PolicySet, calendar: Calendar | None, churn: ChurnRule | None
) -> PolicySet:
    if calendar is not None:
        policies = attrs.evolve(policies, calendar=calendar)
    return policies if churn is None else attrs.evolve(policies, churn=churn)


def _calendar_line(lines: list[str], name: str, *, heading: str = "calendar") -> int | None:
    """The line of *name* in the ``[calendar]`` table, or another (or of the table itself)."""
    header = re.compile(rf"^\s*\[\s*{heading}\s*\]|^\s*{heading}\s*[.=]")
    start = next((i for i, line in enumerate(lines) if header.match(line)), None)
    if start is None:
        return None
    assigned = re.compile(rf"(^|[{{,\s]){re.escape(name)}\s*=")
    table = re.compile(r"\s*\[+\s*[A-Za-z_]")  # the next table ends this one
    stop = next((i for i in range(start + 1, len(lines)) if table.match(lines[i])), len(lines))
    return next((i + 1 for i in range(start, stop) if assigned.search(lines[i])), start + 1)


# -- the churn table -----------------------------------------------------------------

_INACTIVE_DAYS = re.compile(r"\s*(\d+)\s+days?\s*\Z")


def _read_churn(reader: _Reader, value: object, lifecycle: Lifecycle) -> ChurnRule | None:
    """The file's churn rule; the file's stage conditions see churn by it too."""
    churn = reader.attempt(lambda: _churn(value))
    if churn is not None:
        reader.churn = churn
        if lifecycle is DEFAULT_LIFECYCLE:
            reader.lifecycle = default_lifecycle(churn=churn)
    return churn


def _churn(value: object) -> ChurnRule | None:
    """The churn rule a ``churn`` table names (``None``: no table, the default rule)."""
    if value is None:
        return None
    table = _table("churn", value, 'a table such as { inactive_after = "180 days" }')
    on_p_alive = "p_alive_below" in table
    _only("churn", table, ("p_alive_below", *_BETA_GEO) if on_p_alive else ("inactive_after",))
    if on_p_alive:
        below, model = _p_alive_parts("churn", table, "p_alive_below")
        return churn_on_p_alive(below=below, model=model)
    if "inactive_after" not in table:
        raise _Invalid(
            "churn",
            value,
            'needs inactive_after (e.g. "180 days") or p_alive_below (with r, alpha, a and b)',
        )
    raw = table["inactive_after"]
    match = _INACTIVE_DAYS.match(_text("churn.inactive_after", raw))
    if match is None:
        raise _Invalid("churn.inactive_after", raw, "is not a number of days such as '180 days'")
    # Compare the digits before converting: a 5,000-digit number is no int to Python.
    digits = match.group(1).lstrip("0") or "0"
    if len(digits) > len(str(MAX_INACTIVE_DAYS)) or not 1 <= int(digits) <= MAX_INACTIVE_DAYS:
        raise _Invalid("churn.inactive_after", raw, f"must be 1 to {MAX_INACTIVE_DAYS:,} days")
    return churn_after_inactivity(days=int(digits))


def load_policies(
    path: str | os.PathLike[str],
    *,
    kinds: Iterable[Kind] = (),
    lifecycle: Lifecycle | None = None,
    channels: Iterable[Channel | str] = (),
) -> PolicySet:
    """Build policies from a TOML policy file, with the same blocks as the Python API.

    Args:
        path: The ``.toml`` file.
        kinds: Custom kinds the file may name, besides the standard ones.
        lifecycle: The lifecycle whose stages ``stage`` conditions name
            (``None``: `DEFAULT_LIFECYCLE`, or with a ``churn`` table
            ``default_lifecycle(churn=...)`` of the file's rule).
        channels: Custom channels the file may name (in ``fulfilled_by``),
            besides the standard ones: `Channel` objects or names.

    Raises:
        PolicyFileError: listing every problem in the file at once, each with
            its line, key and value (also for a file that cannot be read).

    Examples:
        >>> import lifecycle as lc
        >>> pack = lc.load_policies(lc.starter_pack_path())
        >>> [p.name for p in pack][:3]
        ['complaint_follow_up', 'detractor_recovery', 'renewal']
    """
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise PolicyFileError(
            str(file), [PolicyProblem(None, None, None, f"cannot be read: {e}")]
        ) from None
    chosen = DEFAULT_LIFECYCLE if lifecycle is None else lifecycle
    return parse_policies(text, source=str(file), kinds=kinds, lifecycle=chosen, channels=channels)
