"""The shipped sample book covers what it promises."""

from __future__ import annotations

import datetime as dt
import filecmp
import subprocess
import sys
from collections import Counter
from pathlib import Path

import lifecycle as lc

BOOK = lc.sample_book()
AS_OF = lc.SAMPLE_AS_OF


def test_it_is_about_200_customers_over_three_years():
    """200 customers; touchpoints spread over three years up to the reference date."""
    assert len(BOOK) == 200
    instants = [tp.at for tp in BOOK.touchpoints()]
    assert min(instants).date() <= AS_OF - dt.timedelta(days=3 * 365 - 30)
    assert max(instants).date() <= AS_OF


def test_every_standard_kind_and_channel_and_direction_shows_up():
    """Every kind, channel and direction occurs."""
    touchpoints = list(BOOK.touchpoints())
    assert {tp.kind for tp in touchpoints} == set(lc.Kind.standard())
    assert {tp.channel for tp in touchpoints} == set(lc.Channel)
    assert {tp.direction for tp in touchpoints} == set(lc.Direction)
    assert {tp.score for tp in touchpoints if tp.kind == lc.Kind.NPS} >= {4, 10}


def test_every_stage_shows_up_derived_and_some_are_recorded():
    """Every default stage is some customer's derived stage; some CRM records are stale."""
    histories = [lc.DEFAULT_LIFECYCLE.history(c, t, as_of=AS_OF) for c, t in BOOK.items()]
    stages = Counter(h.stage for h in histories)
    assert set(stages) == set(lc.DEFAULT_LIFECYCLE.stages)
    assert any(h.agrees is False for h in histories)
    assert any(h.agrees for h in histories)
    assert any(h.anomalies for h in histories)


def test_far_zones_feb_29_and_do_not_contact():
    """Customers far from UTC, one who started on 29 February, some not to contact."""
    zones = {c.timezone.key for c in BOOK}
    assert {"Pacific/Kiritimati", "Pacific/Pago_Pago", "Pacific/Chatham", "Asia/Kathmandu"} <= zones
    assert any(c.since == dt.date(2024, 2, 29) for c in BOOK)
    assert any(c.do_not_contact for c in BOOK)
    assert any(c.contract_end is not None for c in BOOK)
    assert all(c.attributes.get("segment") for c in BOOK)


def test_a_touchpoint_whose_local_day_differs_from_its_utc_day():
    """C007's health check is 19:00 UTC, already the next day in Kiritimati."""
    kites = BOOK.customer("C007")
    check = BOOK.timeline("C007").last("health_check")
    assert check is not None
    assert check.local_date(kites.timezone) == check.at.date() + dt.timedelta(days=1)


def test_the_shipped_files_are_what_the_script_makes(tmp_path: Path):
    """Regenerating the sample gives the same bytes, so the script stays the source."""
    root = Path(__file__).resolve().parent.parent
    script = root / "scripts" / "make_sample_book.py"
    copy = tmp_path / "scripts" / "make_sample_book.py"
    copy.parent.mkdir()
    copy.write_text(script.read_text(encoding="utf-8"), encoding="utf-8")
    done = subprocess.run([sys.executable, str(copy)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    made = tmp_path / "src" / "lifecycle" / "data" / "sample"
    for name in ("customers.csv", "touchpoints.csv"):
        assert filecmp.cmp(made / name, lc.sample_path() / name, shallow=False), name
