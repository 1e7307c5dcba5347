"""A second, plain implementation of the starter pack's agenda, written from the specs alone.

It reads nothing of `lifecycle` (stdlib and python-dateutil only) and was
written from ``starter-pack.md`` (with the revised expiry), ``decisions.md``
("Decisions", "Owners and capacity") and ``book-format.md``, never from the
engine: it is the oracle `tests/test_decisions_reference.py` checks the engine
against. Its input is rows as the book's CSV files hold them (dicts of
strings); its output is plain tuples.

Every rule is written out where it is used, as directly as the spec words it,
with plain lists and no cleverness: slow and obviously right beats fast.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

DAY = dt.timedelta(days=1)
CAP = 2

#: Policy name -> priority (starter-pack.md, "The policies").
PRIORITY: dict[str, int] = {
    "complaint_follow_up": 1,
    "detractor_recovery": 2,
    "renewal": 3,
    "welcome": 4,
    "onboarding_review": 5,
    "health_check": 6,
    "reconnect": 7,
    "promoter_referral": 8,
    "anniversary": 9,
}

#: Policy name -> days after the due date it is still due (revised 2026-12-07):
#: "not due once D > due + N days".
EXPIRY: dict[str, int] = {
    "detractor_recovery": 60,
    "welcome": 30,
    "onboarding_review": 60,
    "promoter_referral": 30,
    "anniversary": 30,
}

ActionRow = tuple[str, str, dt.date, int, int, "str | None"]
HeldRow = tuple[str, str, str]
SkippedRow = tuple[str, str]


@dataclass(frozen=True)
class Touch:
    id: str
    at: dt.datetime
    local: dt.date
    kind: str
    direction: str
    score: int | None


@dataclass(frozen=True)
class Decided:
    id: str
    policy: str
    due: dt.date
    outcome: str
    at: dt.datetime
    local: dt.date
    until: dt.date | None


@dataclass(frozen=True)
class Result:
    """The agenda as plain tuples.

    actions: (customer_id, policy, due, priority, overdue_days, owner) in agenda order.
    held_back: (customer_id, policy, why) with why ``"cap"`` or ``"capacity"``, in
        agenda order of the held actions.
    skipped: (customer_id, reason) in customer id order.
    """

    actions: list[ActionRow]
    held_back: list[HeldRow]
    skipped: list[SkippedRow]


# -- reading the rows (book-format.md) -----------------------------------------------


def parse_bool(text: str) -> bool:
    value = text.strip().lower()
    if value in ("", "false", "0", "no"):
        return False
    if value in ("true", "1", "yes"):
        return True
    raise ValueError(f"not a boolean: {text!r}")


def parse_instant(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError(f"naive datetime: {text!r}")
    return value


def parse_date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def zone_of(customer: Mapping[str, str]) -> ZoneInfo:
    name = (customer.get("timezone") or "").strip()
    return ZoneInfo(name or "UTC")


def touches_of(rows: Iterable[Mapping[str, str]], zone: ZoneInfo) -> list[Touch]:
    """One customer's touchpoints, ordered by instant then id (the spec's tie rule)."""
    touches = []
    for row in rows:
        at = parse_instant(row["at"])
        score = (row.get("score") or "").strip()
        touches.append(
            Touch(
                id=row["touchpoint_id"],
                at=at,
                local=at.astimezone(zone).date(),
                kind=row["kind"],
                direction=row["direction"],
                score=int(score) if score else None,
            )
        )
    return sorted(touches, key=lambda t: (t.at, t.id))


def decisions_of(rows: Iterable[Mapping[str, str]], zone: ZoneInfo) -> list[Decided]:
    decided = []
    for row in rows:
        at = parse_instant(row["at"])
        until = (row.get("until") or "").strip()
        decided.append(
            Decided(
                id=row["decision_id"],
                policy=row["policy"],
                due=parse_date(row["due"]),
                outcome=row["decision"],
                at=at,
                local=at.astimezone(zone).date(),
                until=parse_date(until) if until else None,
            )
        )
    return decided


# -- one customer (starter-pack.md) --------------------------------------------------


def skip_reason(customer: Mapping[str, str], seen: list[Touch]) -> str | None:
    """``do_not_contact``, ``churned`` or None ("Who gets nothing")."""
    if parse_bool(customer.get("do_not_contact") or ""):
        return "do_not_contact"
    cancel = last(seen, "cancellation")
    if cancel is not None:
        others = [t for t in (last(seen, "purchase"), last(seen, "renewal")) if t is not None]
        if all(cancel.at > t.at for t in others):
            return "churned"
    return None


def first(seen: list[Touch], kind: str) -> Touch | None:
    for t in seen:
        if t.kind == kind:
            return t
    return None


def last(seen: list[Touch], kind: str) -> Touch | None:
    for t in reversed(seen):
        if t.kind == kind:
            return t
    return None


def occurrences(customer: Mapping[str, str], seen: list[Touch], d: dt.date) -> dict[str, tuple]:
    """Policy -> (due date, fulfilled) for every policy that applies on D.

    Expiry is left to the caller (it depends only on D and the due date).
    """
    found: dict[str, tuple[dt.date, bool]] = {}

    # complaint_follow_up: the earliest complaint after last(resolution).
    resolution = last(seen, "resolution")
    open_complaints = [
        t for t in seen if t.kind == "complaint" and (resolution is None or t.at > resolution.at)
    ]
    if open_complaints:
        found["complaint_follow_up"] = (open_complaints[0].local + 2 * DAY, False)

    n = last(seen, "nps")
    # detractor_recovery: N.score <= 6; fulfilled by any outbound touchpoint after N.
    if n is not None and n.score is not None and n.score <= 6:
        answered = any(t.direction == "outbound" and t.at > n.at for t in seen)
        found["detractor_recovery"] = (n.local + 3 * DAY, answered)

    # renewal: contract_end E; fulfilled by a renewal/cancellation with local date >= E - 365.
    end_text = (customer.get("contract_end") or "").strip()
    if end_text:
        end = parse_date(end_text)
        done = any(
            t.kind in ("renewal", "cancellation") and t.local >= end - 365 * DAY for t in seen
        )
        found["renewal"] = (end - 60 * DAY, done)

    p = first(seen, "purchase")
    if p is not None:
        onboarded = any(t.kind == "onboarding" and t.at >= p.at for t in seen)
        found["welcome"] = (p.local + 7 * DAY, onboarded)
        reviewed = any(t.kind == "health_check" and t.at >= p.at for t in seen)
        found["onboarding_review"] = (p.local + 30 * DAY, reviewed)
        h = last(seen, "health_check")
        base = p.local if h is None else max(p.local, h.local)
        found["health_check"] = (base + 90 * DAY, False)

    if seen:
        found["reconnect"] = (seen[-1].local + 60 * DAY, False)

    # promoter_referral: N.score >= 9; a referral at or after N.at - 180 x 24 hours.
    if n is not None and n.score is not None and n.score >= 9:
        window = n.at - dt.timedelta(hours=180 * 24)
        referred = any(t.kind == "referral" and t.at >= window for t in seen)
        found["promoter_referral"] = (n.local + 14 * DAY, referred)

    # anniversary: since + K years, K the largest k >= 1 with since + k years <= D.
    since = parse_date(customer["since"])
    k = 0
    while since + relativedelta(years=k + 1) <= d:
        k += 1
    if k >= 1:
        due = since + relativedelta(years=k)
        marked = any(t.kind == "anniversary" and t.local >= due - 7 * DAY for t in seen)
        found["anniversary"] = (due, marked)

    return found


def counting_decision(decided: list[Decided], policy: str, due: dt.date, d: dt.date):
    """The decision that counts for the occurrence (policy, due) as of D, or None.

    Counted only when its local date is <= D; the latest ``at`` wins, ties by
    the largest decision_id in code-point order.
    """
    mine = [x for x in decided if x.policy == policy and x.due == due and x.local <= d]
    if not mine:
        return None
    return max(mine, key=lambda x: (x.at, x.id))


def is_closed(decision: Decided | None, d: dt.date) -> bool:
    if decision is None:
        return False
    if decision.outcome in ("done", "dismissed"):
        return True
    if decision.outcome == "snoozed":
        assert decision.until is not None
        return d < decision.until
    raise ValueError(f"unknown decision {decision.outcome!r}")


def due_actions(
    customer: Mapping[str, str], seen: list[Touch], decided: list[Decided], d: dt.date
) -> list[tuple[str, dt.date]]:
    """(policy, due) of every action due on D and not closed by a decision."""
    due = []
    for policy, (day, fulfilled) in occurrences(customer, seen, d).items():
        if day > d or fulfilled:
            continue
        if policy in EXPIRY and d > day + EXPIRY[policy] * DAY:
            continue
        if is_closed(counting_decision(decided, policy, day, d), d):
            continue
        due.append((policy, day))
    return due


# -- the agenda ----------------------------------------------------------------------


def agenda(
    customers: Iterable[Mapping[str, str]],
    touchpoints: Iterable[Mapping[str, str]],
    decisions: Iterable[Mapping[str, str]],
    as_of: dt.date,
    *,
    cap: int = CAP,
    capacity: int | Mapping[str, int] | None = None,
) -> Result:
    """The starter pack's agenda as of *as_of*, from the book's rows."""
    people = {row["customer_id"]: row for row in customers}
    touch_rows: dict[str, list[Mapping[str, str]]] = {cid: [] for cid in people}
    for row in touchpoints:
        touch_rows[row["customer_id"]].append(row)
    decision_rows: dict[str, list[Mapping[str, str]]] = {cid: [] for cid in people}
    for row in decisions:
        decision_rows[row["customer_id"]].append(row)

    kept: list[tuple[int, dt.date, str, str]] = []  # (priority, due, customer, policy)
    held: list[tuple[tuple[int, dt.date, str, str], str]] = []
    skipped: list[SkippedRow] = []
    for cid in sorted(people):
        customer = people[cid]
        zone = zone_of(customer)
        seen = [t for t in touches_of(touch_rows[cid], zone) if t.local <= as_of]
        why = skip_reason(customer, seen)
        if why is not None:
            skipped.append((cid, why))
            continue
        decided = decisions_of(decision_rows[cid], zone)
        mine = sorted(
            due_actions(customer, seen, decided, as_of),
            key=lambda a: (PRIORITY[a[0]], a[1], a[0]),
        )
        for i, (policy, day) in enumerate(mine):
            key = (PRIORITY[policy], day, cid, policy)
            if i < cap:
                kept.append(key)
            else:
                held.append((key, "cap"))

    kept.sort()
    actions: list[ActionRow] = []
    taken: dict[str, int] = {}
    for key in kept:
        priority, day, cid, policy = key
        owner = (people[cid].get("owner") or "") or None
        limit = limit_of(capacity, owner)
        if limit is not None and owner is not None:
            if taken.get(owner, 0) >= limit:
                held.append((key, "capacity"))
                continue
            taken[owner] = taken.get(owner, 0) + 1
        actions.append((cid, policy, day, priority, (as_of - day).days, owner))

    held.sort()
    return Result(
        actions=actions,
        held_back=[(key[2], key[3], why) for key, why in held],
        skipped=skipped,
    )


def occurrences_on(
    customers: Iterable[Mapping[str, str]],
    touchpoints: Iterable[Mapping[str, str]],
    as_of: dt.date,
) -> list[tuple[str, str, dt.date, str]]:
    """Every policy's occurrence for every customer on *as_of*, decisions aside.

    Rows (customer_id, policy, due, state), state one of ``due``, ``upcoming``,
    ``fulfilled``, ``expired`` (skipped customers too): material for tests that
    need real occurrences to decide on.
    """
    people = {row["customer_id"]: row for row in customers}
    touch_rows: dict[str, list[Mapping[str, str]]] = {cid: [] for cid in people}
    for row in touchpoints:
        touch_rows[row["customer_id"]].append(row)
    found = []
    for cid in sorted(people):
        seen = [t for t in touches_of(touch_rows[cid], zone_of(people[cid])) if t.local <= as_of]
        for policy, (day, fulfilled) in occurrences(people[cid], seen, as_of).items():
            if day > as_of:
                state = "upcoming"
            elif fulfilled:
                state = "fulfilled"
            elif policy in EXPIRY and as_of > day + EXPIRY[policy] * DAY:
                state = "expired"
            else:
                state = "due"
            found.append((cid, policy, day, state))
    return found


def limit_of(capacity: int | Mapping[str, int] | None, owner: str | None) -> int | None:
    """An owner's capacity: None for unowned actions and owners the mapping leaves out."""
    if capacity is None or owner is None:
        return None
    if isinstance(capacity, int):
        return capacity
    return capacity.get(owner)
