"""Money metrics: revenue, repeat purchases, order value and RFM, on hand-made and generated books."""

from __future__ import annotations

import datetime as dt
import decimal
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import lifecycle as lc
import lifecycle.testing as lct
from lifecycle import metrics
from lifecycle.cli import main

AS_OF = dt.date(2026, 3, 31)


def bought(
    id: str,
    cid: str,
    when: dt.datetime,
    amount: str | None = None,
    currency: str | None = None,
    kind: str = "purchase",
) -> lc.Touchpoint:
    return lc.Touchpoint(
        id=id,
        customer_id=cid,
        at=when,
        channel="web",
        kind=kind,
        direction="inbound",
        amount=amount,
        currency=currency,
    )


def on(month: int, day: int, hour: int = 12) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=dt.UTC)


def customer(cid: str, zone: str = "UTC") -> lc.Customer:
    return lc.Customer(id=cid, name=cid.upper(), since=dt.date(2025, 1, 1), timezone=zone)


# Ada (Berlin) first buys on 1 February, local time, though it is still 31 January in UTC.
# Ben buys twice on one day, once without an amount, and once after the as-of date.
# Cy never buys; Dee buys only without amounts.
BOOK = lc.Book(
    [customer("ada", "Europe/Berlin"), customer("ben"), customer("cy"), customer("dee")],
    [
        bought("a1", "ada", dt.datetime(2026, 1, 31, 23, 30, tzinfo=dt.UTC), "20.10", "EUR"),
        bought("a2", "ada", on(3, 2), "9.95", "EUR"),
        bought("a3", "ada", on(3, 3), "-5.00", "EUR"),  # a refund
        bought("b1", "ben", on(1, 10, 9), "100", "EUR"),
        bought("b2", "ben", on(1, 10, 17), "0.05"),  # no currency: the book's one
        bought("b3", "ben", on(1, 10, 18)),  # no amount
        bought("b4", "ben", on(4, 1), "1000", "EUR"),  # after the as-of date
        bought("c1", "cy", on(2, 1), kind="inquiry"),
        bought("d1", "dee", on(3, 31, 23)),
    ],
)


def test_revenue_adds_up_exactly_per_customer_and_per_first_purchase_month():
    """Sums are exact Decimals; cohorts go by the local month of the first purchase."""
    money = metrics.revenue(BOOK, as_of=AS_OF)
    assert money.total == Decimal("125.10")
    assert dict(money.by_customer) == {
        "ada": Decimal("25.05"),
        "ben": Decimal("100.05"),
        "dee": Decimal(0),
    }
    assert money.by_cohort == (
        metrics.RevenueCohort("2026-01", 1, Decimal("100.05")),
        metrics.RevenueCohort("2026-02", 1, Decimal("25.05")),
        metrics.RevenueCohort("2026-03", 1, Decimal(0)),
    )
    assert (money.currency, money.orders, money.without_amount, money.other_currency) == (
        "EUR",
        5,
        2,
        0,
    )
    assert str(money) == (
        "Revenue up to 2026-03-31: 125.10 EUR from 5 purchases by 3 customers"
        " (2 without an amount not counted)"
    )


def test_purchases_after_the_as_of_date_are_ignored():
    """Ben's April purchase counts only from its own date on."""
    assert metrics.revenue(BOOK, as_of=AS_OF).by_customer["ben"] == Decimal("100.05")
    later = metrics.revenue(BOOK, as_of=dt.date(2026, 4, 1))
    assert later.by_customer["ben"] == Decimal("1100.05")
    assert metrics.average_order_value(BOOK, as_of=dt.date(2026, 1, 9)).value is None


def test_sums_do_not_depend_on_the_callers_decimal_context():
    """A caller's 3-digit context would round 100.05 + 25.05; the metrics do not."""
    with decimal.localcontext(decimal.Context(prec=3)):
        assert metrics.revenue(BOOK, as_of=AS_OF).total == Decimal("125.10")
        aov = metrics.average_order_value(BOOK, as_of=AS_OF).value
    assert aov == Decimal("25.02")


def test_two_purchases_on_one_local_day_count_once_for_the_repeat_rate():
    """Ben's three purchases on 10 January are one day; Ada's are on three days."""
    repeat = metrics.repeat_purchase_rate(BOOK, as_of=AS_OF)
    assert (repeat.customers, repeat.repeat) == (3, 1)
    assert repeat.rate == pytest.approx(100 / 3)
    assert str(repeat) == "Repeat purchases up to 2026-03-31: 33.3% (1 of 3 purchasing customers)"


@pytest.mark.parametrize(
    ("zone", "repeat"),
    [("UTC", 1), ("America/New_York", 0)],
)
def test_the_day_of_a_purchase_is_the_customers_local_day(zone: str, repeat: int):
    """23:00 and 01:00 UTC are two days in UTC, one evening in New York."""
    book = lc.Book(
        [customer("x", zone)],
        [bought("x1", "x", on(3, 1, 23)), bought("x2", "x", on(3, 2, 1))],
    )
    assert metrics.repeat_purchase_rate(book, as_of=AS_OF).repeat == repeat


def test_average_order_value_counts_only_purchases_with_an_amount():
    """(20.10 + 9.95 - 5.00 + 100 + 0.05) / 5; purchases without an amount are left out."""
    aov = metrics.average_order_value(BOOK, as_of=AS_OF)
    assert (aov.orders, aov.total, aov.value) == (5, Decimal("125.10"), Decimal("25.02"))
    assert str(aov) == "Average order value up to 2026-03-31: 25.02 EUR over 5 purchases"


def test_a_book_without_purchases():
    """No purchase: zero revenue, no rate, no order value, no segments."""
    book = lc.Book([customer("cy")], [bought("c1", "cy", on(2, 1), kind="inquiry")])
    money = metrics.revenue(book, as_of=AS_OF)
    assert (money.total, dict(money.by_customer), money.by_cohort) == (Decimal(0), {}, ())
    assert money.currency is None
    assert str(money) == "Revenue up to 2026-03-31: 0.00 from 0 purchases by 0 customers"
    repeat = metrics.repeat_purchase_rate(book, as_of=AS_OF)
    assert (repeat.customers, repeat.rate) == (0, None)
    assert str(repeat).endswith(": - (0 of 0 purchasing customers)")
    aov = metrics.average_order_value(book, as_of=AS_OF)
    assert (aov.value, str(aov)) == (
        None,
        "Average order value up to 2026-03-31: - over 0 purchases",
    )
    segments = metrics.rfm(book, as_of=AS_OF)
    assert (dict(segments.customers), dict(segments.segments)) == ({}, {})
    assert str(segments) == "RFM segments up to 2026-03-31: 0 purchasing customers"


MIXED = lc.Book(
    [customer("eu"), customer("us")],
    [
        bought("e1", "eu", on(1, 5), "10", "EUR"),
        bought("e2", "eu", on(1, 6), "5"),  # no currency, beside two: in neither
        bought("u1", "us", on(1, 5), "30", "USD"),
    ],
)


def test_mixed_currencies_are_never_added_together():
    """Without currency=, an error names the currencies; with it, only that one counts."""
    for metric in (metrics.revenue, metrics.average_order_value, metrics.rfm):
        with pytest.raises(lc.InvalidValueError) as caught:
            metric(MIXED, as_of=AS_OF)
        assert str(caught.value) == (
            "currency=['EUR', 'USD']: purchases up to 2026-03-31 are in more than one "
            "currency, which are never added together: pass currency= one of them"
        )
    euros = metrics.revenue(MIXED, as_of=AS_OF, currency="EUR")
    assert (euros.total, euros.orders, euros.other_currency) == (Decimal(10), 1, 2)
    assert dict(euros.by_customer) == {"eu": Decimal(10), "us": Decimal(0)}
    assert str(euros).endswith("(2 in other currencies not counted)")
    dollars = metrics.average_order_value(MIXED, as_of=AS_OF, currency="USD")
    assert (dollars.currency, dollars.value) == ("USD", Decimal(30))
    # Repeat purchases have no money in them: several currencies are no error.
    assert metrics.repeat_purchase_rate(MIXED, as_of=AS_OF).repeat == 1


def test_a_named_currency_takes_in_the_amounts_without_one_when_it_is_the_only_one():
    """currency="EUR" on a euro-only book counts the amounts without a currency too."""
    money = metrics.revenue(BOOK, as_of=AS_OF, currency="EUR")
    assert money.total == Decimal("125.10")
    elsewhere = metrics.revenue(BOOK, as_of=AS_OF, currency="GBP")
    assert (elsewhere.total, elsewhere.other_currency) == (Decimal(0), 5)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"as_of": "2026-03-31"}, "as_of='2026-03-31'"),
        ({"as_of": AS_OF, "currency": "eur"}, "currency='eur': must be a three-letter ISO 4217"),
        ({"as_of": AS_OF, "currency": 978}, "currency=978: must be a three-letter"),
    ],
)
def test_bad_arguments_are_named(kwargs: dict[str, object], message: str):
    """A bad date or currency code is an InvalidValueError naming the argument and value."""
    for metric in (metrics.revenue, metrics.average_order_value, metrics.rfm):
        with pytest.raises(lc.InvalidValueError, match=message.replace("[", r"\[")):
            metric(BOOK, **kwargs)  # type: ignore[arg-type]
    if "currency" not in kwargs:
        with pytest.raises(lc.InvalidValueError, match=message):
            metrics.repeat_purchase_rate(BOOK, **kwargs)  # type: ignore[arg-type]


def _ladder(n: int, purchases: list[int], first: list[str] | None = None) -> lc.Book:
    """n customers; customer i buys on purchases[i] distinct days in March, each for 10.

    With *first*, customer i's first purchase is for first[i] and the others for 0.
    """
    people = [customer(f"c{i:02}") for i in range(n)]
    items = [
        bought(
            f"t{i:02}-{d:02}",
            f"c{i:02}",
            on(3, 1 + d),
            "10" if first is None else (first[i] if d == 0 else "0"),
        )
        for i in range(n)
        for d in range(purchases[i])
    ]
    return lc.Book(people, items)


@pytest.mark.parametrize(
    ("purchases", "scores"),
    [
        # Ten distinct values: two customers per score.
        (list(range(1, 11)), [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]),
        # Ties share the score of the first of them: nobody is lifted above an equal.
        ([1, 1, 1, 2, 2, 3, 3, 3, 3, 4], [1, 1, 1, 2, 2, 3, 3, 3, 3, 5]),
        # Everybody equal: everybody 1.
        ([2, 2, 2, 2], [1, 1, 1, 1]),
        # Fewer than five customers: some scores stay empty.
        ([1, 2, 3], [1, 2, 4]),
        ([5], [1]),
    ],
)
def test_quintile_scores_and_their_tie_rule(purchases: list[int], scores: list[int]):
    """Score = 1 + floor(5 x (customers with a strictly worse value) / customers)."""
    book = _ladder(len(purchases), purchases)
    result = metrics.rfm(book, as_of=AS_OF)
    ids = sorted(result.customers)
    assert [result.customers[c].f for c in ids] == scores
    # Spend is 10 a day, so money ranks like frequency.
    assert [result.customers[c].m for c in ids] == scores
    # The last purchase day is 1 + count: more days, more recent.
    assert [result.customers[c].r for c in ids] == scores


def test_rfm_scores_recency_frequency_and_money_separately():
    """Dee bought last, on one day, spending nothing; Ada on most days; Ben spent most."""
    result = metrics.rfm(BOOK, as_of=AS_OF)
    ada, ben, dee = (result.customers[c] for c in ("ada", "ben", "dee"))
    assert (ada.days_since, ada.purchase_days, ada.spend) == (28, 3, Decimal("25.05"))
    assert (ben.days_since, ben.purchase_days, ben.spend) == (80, 1, Decimal("100.05"))
    assert (dee.days_since, dee.purchase_days, dee.spend) == (0, 1, Decimal(0))
    # Three customers: 1 + floor(5 x worse / 3) gives 1, 2 or 4.
    assert (ada.segment, ben.segment, dee.segment) == ("242", "114", "411")
    assert dict(result.segments) == {"411": 1, "242": 1, "114": 1}
    assert list(result.segments) == ["411", "242", "114"]
    assert str(result) == (
        "RFM segments up to 2026-03-31: 3 purchasing customers\n"
        "  411       1\n"
        "  242       1\n"
        "  114       1"
    )


def test_the_values_are_json_ready_and_keep_amounts_exact():
    """as_json holds plain data; amounts as text; per-customer parts can be left out."""
    money = metrics.revenue(BOOK, as_of=AS_OF).as_json()
    assert json.loads(json.dumps(money))["by_customer"]["ada"] == "25.05"
    assert money["total"] == "125.10"
    assert "by_customer" not in metrics.revenue(BOOK, as_of=AS_OF).as_json(per_customer=False)
    segments = metrics.rfm(BOOK, as_of=AS_OF).as_json()
    assert segments["by_customer"]["ada"] == {  # type: ignore[index]
        "days_since": 28,
        "purchase_days": 3,
        "spend": "25.05",
        "segment": "242",
    }
    assert segments["segments"][0] == {"segment": "411", "customers": 1}  # type: ignore[index]
    assert "by_customer" not in metrics.rfm(BOOK, as_of=AS_OF).as_json(per_customer=False)
    aov = metrics.average_order_value(BOOK, as_of=AS_OF).as_json()
    assert (aov["value"], aov["total"]) == ("25.02", "125.10")
    assert metrics.average_order_value(MIXED, as_of=dt.date(2026, 1, 1)).as_json()["value"] is None
    repeat = metrics.repeat_purchase_rate(BOOK, as_of=AS_OF).as_json()
    assert (repeat["customers"], repeat["repeat"]) == (3, 1)


def test_report_holds_the_money_metrics_one_entry_per_currency():
    """One entry for a one-currency book; one per currency when they are several."""
    single = metrics.report(BOOK, dt.date(2026, 1, 1), AS_OF)["money"]
    assert single["repeat_purchases"]["repeat"] == 1  # type: ignore[index]
    (entry,) = single["currencies"]  # type: ignore[index]
    assert entry["currency"] == "EUR"
    assert entry["revenue"]["total"] == "125.10"
    assert entry["average_order_value"]["value"] == "25.02"
    assert entry["rfm"]["customers"] == 3
    mixed = metrics.report(MIXED, dt.date(2026, 1, 1), AS_OF)["money"]
    totals = [(e["currency"], e["revenue"]["total"]) for e in mixed["currencies"]]  # type: ignore[index]
    assert totals == [("EUR", "10"), ("USD", "30")]
    json.dumps(metrics.report(MIXED, dt.date(2026, 1, 1), AS_OF))


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), out=out, err=err)
    return status, out.getvalue(), err.getvalue()


def test_lifecycle_metrics_shows_the_money(tmp_path: Path):
    """The table gains a purchases section, per currency; JSON holds the report's money."""
    lc.write_book(MIXED, tmp_path)
    status, out, err = run("metrics", "--book", str(tmp_path), "--to", "2026-03-31")
    assert (status, err) == (0, "")
    section = out.split("Purchases up to 2026-03-31\n")[1].split("\n\n")[0]
    assert section.splitlines() == [
        "  repeat rate     50.0% (1 of 2 purchasing customers bought on two days or more)",
        "  revenue EUR     10.00 from 1 purchases; not counted: 2 in other currencies",
        "  order value     10.00 EUR",
        "  RFM segments    333: 1, 111: 1",
        "  revenue USD     30.00 from 1 purchases; not counted: 2 in other currencies",
        "  order value     30.00 USD",
        "  RFM segments    331: 1, 113: 1",
    ]
    status, out, _ = run(
        "metrics", "--book", str(tmp_path), "--to", "2026-03-31", "--format", "json"
    )
    assert status == 0
    assert json.loads(out)["money"]["currencies"][1]["currency"] == "USD"


def test_lifecycle_metrics_without_purchases_or_amounts(tmp_path: Path):
    """No amount anywhere: the revenue line says so, and nothing is averaged."""
    lc.write_book(lc.Book([customer("dee")], [bought("d1", "dee", on(3, 1))]), tmp_path)
    status, out, _ = run("metrics", "--book", str(tmp_path), "--to", "2026-03-31")
    assert status == 0
    assert (
        "  revenue         - (no purchase with an amount); not counted: 1 without an amount\n"
        in out
    )
    assert "  order value     -\n  RFM segments    111: 1\n" in out


def test_many_segments_are_cut_to_the_five_best_labels(tmp_path: Path):
    """The table lists the first five segments, best first, and says there are more."""
    lc.write_book(_ladder(10, list(range(1, 11))), tmp_path)
    _status, out, _ = run("metrics", "--book", str(tmp_path), "--to", "2026-03-31")
    assert "  RFM segments    555: 2, 444: 2, 333: 2, 222: 2, 111: 2\n" in out
    # Twelve customers: more days, more recent, but less spent; nine segments.
    spend = [str(10 * (12 - i)) for i in range(12)]
    lc.write_book(_ladder(12, list(range(1, 13)), spend), tmp_path / "more")
    _status, out, _ = run("metrics", "--book", str(tmp_path / "more"), "--to", "2026-03-31")
    assert "  RFM segments    551: 2, 442: 1, 441: 1, 333: 2, 332: 1 ...\n" in out


@pytest.mark.parametrize(
    ("attributes", "line"),
    [
        ({}, "- (no customer has a monthly_revenue or annual_revenue attribute)"),
        (
            {"monthly_revenue": "120"},
            "- (nobody churned in the period, so no finite value; mean monthly revenue 120)",
        ),
    ],
)
def test_the_lifetime_value_line_says_why_it_has_no_value(
    tmp_path: Path, attributes: dict[str, str], line: str
):
    """Not "no revenue attribute" when every customer has one and nobody churned."""
    ada = lc.Customer(id="ada", name="Ada", since=dt.date(2025, 1, 1), attributes=attributes)
    lc.write_book(lc.Book([ada]), tmp_path)
    _status, out, _ = run("metrics", "--book", str(tmp_path), "--to", "2026-03-31")
    assert f"  lifetime value  {line}\n" in out


# -- properties -------------------------------------------------------------------------------


@st.composite
def money_books(draw: st.DrawFn, currencies: tuple[str, ...] = ("EUR",)) -> lc.Book:
    people = draw(st.lists(lct.customers(), min_size=1, max_size=6, unique_by=lambda c: c.id))
    kinds = st.sampled_from([lc.Kind.PURCHASE, lc.Kind.PURCHASE, lc.Kind.INQUIRY])
    items = draw(
        st.lists(
            lct.touchpoints(
                customer_id=st.sampled_from([c.id for c in people]),
                kinds=kinds,
                amounts=True,
                currencies=currencies,
            ),
            max_size=25,
            unique_by=lambda tp: tp.id,
        )
    )
    return lc.Book(people, items)


AS_OF_DATES = lct.local_dates()


@given(money_books(), AS_OF_DATES)
def test_revenue_per_customer_and_per_cohort_add_up_to_the_total(book: lc.Book, as_of: dt.date):
    """Every purchasing customer is in one cohort; the parts add up to the total exactly."""
    money = metrics.revenue(book, as_of=as_of)
    assert sum(money.by_customer.values(), Decimal(0)) == money.total
    assert sum((c.revenue for c in money.by_cohort), Decimal(0)) == money.total
    assert sum(c.customers for c in money.by_cohort) == len(money.by_customer)
    aov = metrics.average_order_value(book, as_of=as_of)
    assert aov.total == money.total and aov.orders == money.orders
    if aov.value is not None:
        assert abs(aov.value * aov.orders - aov.total) < Decimal("1e-10")


@given(money_books(), AS_OF_DATES)
def test_segments_partition_the_purchasing_customers(book: lc.Book, as_of: dt.date):
    """Scores are 1-5; every purchasing customer is in exactly one segment; ties share scores."""
    result = metrics.rfm(book, as_of=as_of)
    buyers = metrics.repeat_purchase_rate(book, as_of=as_of)
    assert set(result.customers) == set(metrics.revenue(book, as_of=as_of).by_customer)
    assert len(result.customers) == buyers.customers
    assert sum(result.segments.values()) == len(result.customers)
    scores = list(result.customers.values())
    assert all(1 <= n <= 5 for s in scores for n in (s.r, s.f, s.m))
    for one in scores:
        for other in scores:
            if one.spend <= other.spend:
                assert one.m <= other.m
            if one.purchase_days <= other.purchase_days:
                assert one.f <= other.f
            if one.days_since >= other.days_since:
                assert one.r <= other.r
    assert buyers.repeat == sum(s.purchase_days >= 2 for s in scores)


@given(money_books(currencies=("EUR", "USD")), AS_OF_DATES)
def test_currencies_split_the_amounts_without_losing_any(book: lc.Book, as_of: dt.date):
    """Per currency, each counted amount is counted once; one currency or an error naming all."""
    report = metrics.report(book, as_of, as_of)["money"]
    entries = report["currencies"]  # type: ignore[index]
    counted = sum(e["revenue"]["orders"] for e in entries)
    priced = sum(
        1
        for tp in book.touchpoints()
        if tp.kind == lc.Kind.PURCHASE
        and tp.amount is not None
        and tp.local_date(book.timeline(tp.customer_id).timezone) <= as_of
        and (tp.currency is not None or len(entries) == 1)
    )
    assert counted == priced
