"""Money on touchpoints: amount and currency, checked in Python and in book files alike."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

import lifecycle as lc
from lifecycle import limits
from lifecycle.io._rows import CellError, parse_touchpoint
from lifecycle.touchpoints import kind_table, new_touchpoint, to_amount

AT = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)


def _tp(**money: object) -> lc.Touchpoint:
    return lc.Touchpoint(
        id="t-1",
        customer_id="c-1",
        at=AT,
        channel="web",
        kind="purchase",
        direction="inbound",
        **money,
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("12.50"), "12.50"),
        ("12.50", "12.50"),
        ("-3", "-3"),
        (7, "7"),
        (0.1, "0.1"),
        ("1E+3", "1E+3"),
        (".5", "0.5"),
        (str(limits.MAX_AMOUNT), "1000000000000"),
        ("0.0000000001", "1E-10"),
    ],
)
def test_amounts_are_kept_exactly(value: object, expected: str):
    """Decimals stay as given, ints and text convert exactly, floats by their shortest text."""
    assert str(to_amount(value)) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (True, "must be a number, not true or false"),
        (10**13, "is beyond 1,000,000,000,000 either side of zero"),
        (Decimal("-1000000000000.01"), "is beyond 1,000,000,000,000 either side of zero"),
        ("1E+999999999", "is beyond 1,000,000,000,000 either side of zero"),
        (float("nan"), "must be a finite number"),
        (Decimal("Infinity"), "must be a finite number"),
        ("NaN", "is not a decimal number such as 12.50 (a point, no commas)"),
        ("12,50", "is not a decimal number such as 12.50 (a point, no commas)"),
        (" 1", "is not a decimal number such as 12.50 (a point, no commas)"),
        (
            "1" * (limits.MAX_AMOUNT_TEXT + 1),
            "is not a decimal number such as 12.50 (a point, no commas)",
        ),
        ("0.00000000001", "has more than 10 decimal places"),
        ([1], "must be a Decimal, an int, a float or text such as '12.50'"),
    ],
)
def test_bad_amounts_are_refused(value: object, problem: str):
    """Each refusal names the field and says what is wrong."""
    with pytest.raises(lc.InvalidValueError) as caught:
        _tp(amount=value)
    assert caught.value.field == "amount"
    assert caught.value.problem == problem


@pytest.mark.parametrize(
    ("money", "problem"),
    [
        (
            {"amount": "1", "currency": "eur"},
            "must be a three-letter ISO 4217 code in capitals, such as EUR",
        ),
        (
            {"amount": "1", "currency": "EURO"},
            "must be a three-letter ISO 4217 code in capitals, such as EUR",
        ),
        (
            {"amount": "1", "currency": 978},
            "must be a three-letter ISO 4217 code in capitals, such as EUR",
        ),
        ({"currency": "EUR"}, "is given without an amount"),
    ],
)
def test_bad_currencies_are_refused(money: dict[str, object], problem: str):
    """A currency is three capitals, and only with an amount."""
    with pytest.raises(lc.InvalidValueError) as caught:
        _tp(**money)
    assert (caught.value.field, caught.value.problem) == ("currency", problem)


def test_money_is_optional_and_last():
    """No money by default; the fast constructor still takes the old nine fields."""
    plain = _tp()
    assert (plain.amount, plain.currency) == (None, None)
    old = new_touchpoint(
        "t-1",
        "c-1",
        AT,
        lc.Channel.WEB,
        lc.Kind.PURCHASE,
        lc.Direction.INBOUND,
        None,
        frozenset(),
        "",
    )
    assert old == plain
    paid = _tp(amount="12.50", currency="EUR")
    assert (
        new_touchpoint(
            "t-1",
            "c-1",
            AT,
            lc.Channel.WEB,
            lc.Kind.PURCHASE,
            lc.Direction.INBOUND,
            None,
            frozenset(),
            "",
            Decimal("12.50"),
            "EUR",
        )
        == paid
    )


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_money_round_trips_through_book_files(tmp_path: Path, fmt: str):
    """12.50 stays 12.50, 1E+3 stays 1E+3, and a book without money gains no columns."""
    customers = [lc.Customer(id="c-1", name="Ada", since=dt.date(2026, 1, 1))]
    touchpoints = [
        _tp(amount=Decimal("12.50"), currency="EUR"),
        lc.Touchpoint(
            id="t-2",
            customer_id="c-1",
            at=AT,
            channel="web",
            kind="purchase",
            direction="inbound",
            amount=Decimal("1E+3"),
        ),
        lc.Touchpoint(
            id="t-3", customer_id="c-1", at=AT, channel="web", kind="inquiry", direction="inbound"
        ),
    ]
    book = lc.Book(customers, touchpoints)
    lc.write_book(book, tmp_path / "paid", format=fmt)  # type: ignore[arg-type]
    back = lc.read_book(tmp_path / "paid")
    assert back == book
    amounts = {tp.id: (str(tp.amount), tp.currency) for tp in back.touchpoints()}
    assert amounts == {"t-1": ("12.50", "EUR"), "t-2": ("1E+3", None), "t-3": ("None", None)}
    lc.write_book(lc.Book(customers, touchpoints[2:]), tmp_path / "free", format=fmt)  # type: ignore[arg-type]
    head = (tmp_path / "free" / f"touchpoints.{fmt}").read_text(encoding="utf-8").splitlines()[0]
    if fmt == "csv":
        assert head.endswith(",tags,note")
    text = (tmp_path / "paid" / f"touchpoints.{fmt}").read_text(encoding="utf-8")
    assert "12.50" in text


@pytest.mark.parametrize(
    ("amount", "currency", "column", "problem"),
    [
        ("12,50", "", "amount", "is not a decimal number such as 12.50 (a point, no commas)"),
        ("1", "usd", "currency", "must be a three-letter ISO 4217 code in capitals, such as EUR"),
        ("", "USD", "currency", "is given without an amount"),
    ],
)
def test_bad_money_cells_name_file_line_and_column(
    tmp_path: Path, amount: str, currency: str, column: str, problem: str
):
    """A reader's message names the file, line, column and value of a bad money cell."""
    (tmp_path / "customers.csv").write_text("customer_id,name,since\nc-1,Ada,2026-01-01\n")
    (tmp_path / "touchpoints.csv").write_text(
        "touchpoint_id,customer_id,at,channel,kind,direction,amount,currency\n"
        f't-1,c-1,2026-03-01T09:30:00Z,web,purchase,inbound,"{amount}",{currency}\n'
    )
    with pytest.raises(lc.BookFormatError) as caught:
        lc.read_book(tmp_path)
    message = str(caught.value)
    assert "touchpoints.csv" in message and "line 2" in message
    assert f"column '{column}'" in message and problem in message


def test_json_numbers_are_amounts(tmp_path: Path):
    """In JSON Lines an amount may be text or a number (a float by its shortest text)."""
    (tmp_path / "customers.jsonl").write_text(
        json.dumps({"customer_id": "c-1", "name": "Ada", "since": "2026-01-01"}) + "\n"
    )
    rows = [
        {"touchpoint_id": "t-1", "amount": 12.5, "currency": "EUR"},
        {"touchpoint_id": "t-2", "amount": 3},
        {"touchpoint_id": "t-3", "amount": "0.10"},
    ]
    common = {
        "customer_id": "c-1",
        "at": "2026-03-01T09:30:00Z",
        "channel": "web",
        "kind": "purchase",
        "direction": "inbound",
    }
    (tmp_path / "touchpoints.jsonl").write_text(
        "".join(json.dumps({**common, **r}) + "\n" for r in rows)
    )
    book = lc.read_book(tmp_path)
    assert {tp.id: tp.amount for tp in book.touchpoints()} == {
        "t-1": Decimal("12.5"),
        "t-2": Decimal(3),
        "t-3": Decimal("0.10"),
    }


def test_the_row_parser_takes_rows_with_or_without_money():
    """parse_touchpoint takes the nine columns of old, or the eleven with money."""
    kinds = kind_table()
    base = ["t-1", "c-1", "2026-03-01T09:30:00Z", "web", "purchase", "inbound", "", "", ""]
    assert parse_touchpoint(base, kinds, {}).amount is None
    assert parse_touchpoint([*base, "0", ""], kinds, {}).amount == Decimal(0)
    assert parse_touchpoint([*base, "9.90", "GBP"], kinds, {}).currency == "GBP"
    careful = [" t-1", *base[1:]]  # an edge space sends it down the careful path
    with pytest.raises(CellError):
        parse_touchpoint(careful, kinds, {})
    with pytest.raises(CellError) as caught:
        parse_touchpoint([*base, True, ""], kinds, {})
    assert caught.value.column == "amount"
