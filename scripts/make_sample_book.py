"""Generate the sample book shipped in src/lifecycle/data/sample/.

Deterministic: the same script always writes the same files (a test checks that
the shipped files match). Run it after changing it:

    python scripts/make_sample_book.py
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from pathlib import Path

import attrs
from dateutil.relativedelta import relativedelta

import lifecycle as lc

AS_OF = lc.SAMPLE_AS_OF
START = dt.date(2023, 11, 1)
OUT = Path(__file__).resolve().parent.parent / "src" / "lifecycle" / "data" / "sample"

FIRST = [
    "Aurora",
    "Bjørn",
    "Chloé",
    "Dmitri",
    "Esperanza",
    "Farid",
    "Grace",
    "Hiroshi",
    "Ingrid",
    "José",
    "Kwame",
    "Léa",
    "Mateo",
    "Nadia",
    "Oluwaseun",
    "Priya",
    "Quentin",
    "Rosa",
    "Søren",
    "Tamsin",
    "Uma",
    "Valentín",
    "Wen",
    "Xavier",
    "Yara",
    "Zoë",
    "Łukasz",
    "Ana",
    "Noah",
    "Amara",
]
LAST = [
    "Lindqvist",
    "Okafor",
    "Dubois",
    "Ivanova",
    "García",
    "Haddad",
    "O'Neill",
    "Tanaka",
    "Berg",
    "Martínez",
    "Mensah",
    "Moreau",
    "Rossi",
    "Khan",
    "Adeyemi",
    "Sharma",
    "Lefèvre",
    "Costa",
    "Jørgensen",
    "Hughes",
    "Patel",
    "Ruiz",
    "Zhang",
    "Nowak",
    "Haddad-Smith",
    "Müller",
    "Kowalski",
]
COMPANIES = [
    "Fjord & Fell Outfitters",
    "北京晨光贸易",
    "Café Olé, Ltd.",
    "Nordlicht GmbH",
    "Kiwi Kites",
    "São Paulo Sementes",
    'Atlas "Prime" Logistics',
    "Mañana Labs",
    "Δέλτα Analytics",
    "Tōkyō Tea House",
    "Kathmandu Treks",
    "Chatham Island Fisheries",
    "Lord Howe Dive Co",
]
ZONES = [
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "Australia/Sydney",
    "America/Sao_Paulo",
    "Africa/Lagos",
    "Asia/Kolkata",
    "UTC",
]
FAR_ZONES = [
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
    "Pacific/Chatham",
    "Asia/Kathmandu",
    "Australia/Lord_Howe",
    "America/St_Johns",
]
SEGMENTS = ["smb", "mid_market", "enterprise"]
PLANS = ["starter", "team", "business"]
TOPICS = [
    "feature:reports",
    "feature:export",
    "billing",
    "onboarding",
    "performance",
    "feature:api",
]


class Maker:
    """Builds customers and their touchpoints with one seeded random source."""

    def __init__(self, seed: int = 20261102) -> None:
        self.rng = random.Random(seed)
        self.customers: list[lc.Customer] = []
        self.touchpoints: list[lc.Touchpoint] = []
        self.t = 0

    def name(self, i: int) -> str:
        if i % 5 == 0:
            return self.rng.choice(COMPANIES) + ("" if i < 70 else f" {i}")
        return f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)}"

    def customer(self, cid: str, **fields: object) -> lc.Customer:
        i = int(cid[1:])
        fields.setdefault("name", self.name(i))
        fields.setdefault("timezone", self.rng.choice(ZONES))
        if self.rng.random() < 0.6:
            fields.setdefault("preferred_channel", self.rng.choice(list(lc.Channel)))
        attributes = {"segment": self.rng.choice(SEGMENTS), "plan": self.rng.choice(PLANS)}
        if self.rng.random() < 0.8:
            attributes["annual_revenue"] = str(self.rng.randrange(1, 250) * 100)
        fields.setdefault("attributes", attributes)
        customer = lc.Customer(id=cid, **fields)  # type: ignore[arg-type]
        self.customers.append(customer)
        return customer

    def touch(
        self,
        customer: lc.Customer,
        day: dt.date,
        kind: str,
        *,
        direction: str | None = None,
        channel: str | None = None,
        score: int | None = None,
        tags: tuple[str, ...] = (),
        note: str = "",
        hour: int | None = None,
    ) -> None:
        self.t += 1
        inbound_kinds = {
            "inquiry",
            "complaint",
            "purchase",
            "referral",
            "cancellation",
            "nps",
            "csat",
        }
        if direction is None:
            direction = "inbound" if kind in inbound_kinds else "outbound"
        if channel is None:
            channel = customer.preferred_channel or self.rng.choice(list(lc.Channel))
        local = dt.datetime.combine(
            day,
            dt.time(
                hour if hour is not None else self.rng.randrange(8, 19), self.rng.randrange(60)
            ),
            tzinfo=customer.timezone,
        )
        self.touchpoints.append(
            lc.Touchpoint(
                id=f"T{self.t:05d}",
                customer_id=customer.id,
                at=local,
                channel=channel,
                kind=kind,
                direction=direction,
                score=score,
                tags=tags,
                note=note,
            )
        )

    def days(self, low: int, high: int) -> dt.timedelta:
        return dt.timedelta(days=self.rng.randrange(low, high))

    def life(self, customer: lc.Customer, story: str) -> None:
        """Write a plausible timeline for *customer* following *story*."""
        day = customer.since
        self.touch(customer, day, self.rng.choice(["inquiry", "demo"]))
        if story == "prospect":
            if self.rng.random() < 0.5:
                self.touch(customer, day + self.days(3, 20), "demo")
            return
        day += self.days(1, 25)
        self.touch(customer, day, "purchase", tags=(self.rng.choice(PLANS),))
        self.touch(customer, day + self.days(1, 7), "onboarding")
        day += self.days(20, 40)
        if day >= AS_OF:
            return
        self.touch(customer, day, "health_check")
        while True:
            day += self.days(25, 85)
            if day >= AS_OF - dt.timedelta(days=5):
                break
            roll = self.rng.random()
            if roll < 0.3:
                self.touch(customer, day, "check_in")
            elif roll < 0.5:
                self.touch(customer, day, "health_check")
            elif roll < 0.62:
                self.touch(customer, day, "csat", score=self.rng.randint(1, 5), direction="inbound")
            elif roll < 0.74:
                self.touch(customer, day, "nps", score=self.rng.choice([7, 8, 8, 9, 10]))
            elif roll < 0.82:
                topic = self.rng.choice(TOPICS)
                self.touch(customer, day, "complaint", tags=(topic,), note=f"Trouble with {topic}")
                self.touch(customer, day + self.days(1, 6), "resolution", tags=(topic,))
            elif roll < 0.9:
                self.touch(customer, day, "inquiry", tags=(self.rng.choice(TOPICS),))
            else:
                self.touch(customer, day, "anniversary", note="Thank-you card")
            if story == "churned" and day > customer.since + dt.timedelta(days=300):
                self.touch(
                    customer, day + self.days(3, 20), "cancellation", note="Budget cuts, moving on"
                )
                return
        if customer.contract_end is not None:
            for years in (1, 2, 3):
                day = customer.contract_end - relativedelta(years=years)
                if customer.since + dt.timedelta(days=30) < day < AS_OF:
                    self.touch(
                        customer, day - self.days(5, 40), "renewal", note="Renewed for another year"
                    )
        if story == "advocate":
            self.touch(
                customer, AS_OF - self.days(20, 100), "referral", note="Introduced a partner"
            )


def scenarios(m: Maker) -> None:
    """Customers placed by hand so that every starter policy is due on AS_OF."""
    d = AS_OF
    ago = lambda n: d - dt.timedelta(days=n)  # noqa: E731

    c = m.customer(
        "C001",
        name="Aurora Lindqvist",
        since=dt.date(2024, 3, 4),
        timezone="Europe/Stockholm",
        preferred_channel="phone",
        contract_end=dt.date(2027, 3, 3),
    )
    m.touch(c, c.since, "purchase")
    m.touch(c, c.since + dt.timedelta(days=3), "onboarding")
    m.touch(c, ago(150), "health_check")
    m.touch(
        c, ago(4), "complaint", tags=("feature:reports",), note="Monthly report is empty, again."
    )

    c = m.customer("C002", name="Bjørn Haddad", since=dt.date(2025, 1, 13), timezone="Europe/Oslo")
    m.touch(c, c.since, "purchase")
    m.touch(c, c.since + dt.timedelta(days=5), "onboarding")
    m.touch(c, ago(40), "health_check")
    m.touch(c, ago(8), "nps", score=4, tags=("performance",), note="Slow since the update")

    c = m.customer(
        "C003",
        name="Chatham Island Fisheries",
        since=dt.date(2023, 12, 21),
        timezone="Pacific/Chatham",
        contract_end=dt.date(2026, 12, 20),
    )
    m.touch(c, c.since, "purchase")
    m.touch(c, c.since + dt.timedelta(days=2), "onboarding")
    m.touch(c, ago(30), "health_check")

    c = m.customer(
        "C004", name="Zoë Okafor", since=ago(13), timezone="Africa/Lagos", preferred_channel="email"
    )
    m.touch(c, ago(13), "demo")
    m.touch(c, ago(13), "purchase")

    c = m.customer("C005", name="Kathmandu Treks", since=ago(45), timezone="Asia/Kathmandu")
    m.touch(c, ago(43), "purchase")
    m.touch(c, ago(40), "onboarding")
    m.touch(c, ago(20), "check_in")

    c = m.customer(
        "C006", name="Søren Jørgensen", since=dt.date(2025, 3, 3), timezone="Europe/Copenhagen"
    )
    m.touch(c, c.since, "purchase")
    m.touch(c, c.since + dt.timedelta(days=4), "onboarding")
    m.touch(c, ago(110), "health_check")
    m.touch(c, ago(30), "check_in")

    c = m.customer(
        "C007", name="Kiwi Kites", since=dt.date(2024, 9, 2), timezone="Pacific/Kiritimati"
    )
    m.touch(c, c.since, "purchase")
    m.touch(c, c.since + dt.timedelta(days=6), "onboarding")
    # 09:00 in Kiritimati (UTC+14) is 19:00 UTC the day before: local dates matter.
    m.touch(c, ago(75), "health_check", hour=9)

    c = m.customer("C008", name="Priya Sharma", since=dt.date(2024, 5, 6), timezone="Asia/Kolkata")
    m.touch(c, c.since, "purchase")
    m.touch(c, c.since + dt.timedelta(days=2), "onboarding")
    m.touch(c, ago(60), "health_check")
    m.touch(c, ago(20), "nps", score=10, note="Love the new dashboards")

    c = m.customer(
        "C009", name="Tōkyō Tea House", since=dt.date(2023, 11, 20), timezone="Asia/Tokyo"
    )
    m.touch(c, c.since, "purchase")
    m.touch(c, c.since + dt.timedelta(days=3), "onboarding")
    m.touch(c, ago(50), "health_check")

    c = m.customer(
        "C010",
        name="Leap Day Bakery",
        since=dt.date(2024, 2, 29),
        timezone="America/St_Johns",
        preferred_channel="in_person",
    )
    m.touch(c, c.since, "purchase", channel="in_person")
    m.touch(c, c.since + dt.timedelta(days=1), "onboarding")
    m.touch(c, dt.date(2025, 2, 27), "anniversary", note="Celebrated on the 28th, a day early")
    m.touch(c, ago(70), "health_check")

    c = m.customer(
        "C011",
        name="Pago Pago Provisions",
        since=dt.date(2024, 1, 8),
        timezone="Pacific/Pago_Pago",
        do_not_contact=True,
    )
    m.touch(c, c.since, "purchase")
    m.touch(c, ago(9), "complaint", note="Please stop calling us.")

    c = m.customer(
        "C012",
        name="Lord Howe Dive Co",
        since=dt.date(2023, 12, 4),
        timezone="Australia/Lord_Howe",
        recorded_stage="active",
    )
    m.touch(c, c.since, "purchase")
    m.touch(c, ago(200), "cancellation", note="Closing the dive shop for the season")

    c = m.customer(
        "C013",
        name="Mañana Labs",
        since=dt.date(2024, 4, 1),
        timezone="America/Sao_Paulo",
        recorded_stage="churned",
    )
    m.touch(c, c.since, "purchase")
    m.touch(c, dt.date(2025, 2, 3), "cancellation")
    m.touch(c, ago(25), "purchase", note="Won back with the new pricing")
    m.touch(c, ago(20), "onboarding")

    c = m.customer("C014", name="Quentin Moreau", since=ago(60), timezone="Europe/Paris")
    m.touch(c, ago(60), "inquiry", channel="social")
    m.touch(c, ago(50), "renewal", note="Imported from the old CRM; no purchase on record")


def main() -> int:
    m = Maker()
    scenarios(m)
    stories = (
        ["prospect"] * 14
        + ["steady"] * 110
        + ["churned"] * 26
        + ["advocate"] * 22
        + ["renewal"] * 14
    )
    m.rng.shuffle(stories)
    for i, story in enumerate(stories, start=15):
        since = START + dt.timedelta(days=m.rng.randrange(0, 1000))
        zone = m.rng.choice(FAR_ZONES) if i % 17 == 0 else m.rng.choice(ZONES)
        contract_end = None
        if story == "renewal":
            contract_end = AS_OF + m.days(10, 85)
        elif story != "prospect" and m.rng.random() < 0.5:
            contract_end = AS_OF + m.days(100, 500)
        dnc = m.rng.random() < 0.03
        c = m.customer(
            f"C{i:03d}",
            since=min(since, AS_OF - dt.timedelta(days=30)),
            timezone=zone,
            contract_end=contract_end,
            do_not_contact=dnc,
        )
        m.life(c, story)
    book = lc.Book(m.customers, m.touchpoints)
    # The CRM recorded a stage for some customers: mostly right, sometimes stale.
    recorded = []
    for customer, timeline in book.items():
        roll = m.rng.random()
        if customer.recorded_stage is None and roll < 0.4:
            stage = lc.DEFAULT_LIFECYCLE.stage_of(customer, timeline, as_of=AS_OF)
            stale = roll < 0.06 and stage != "prospect"
            recorded.append(attrs.evolve(customer, recorded_stage="active" if stale else stage))
    book = book.with_customers(recorded)
    OUT.mkdir(parents=True, exist_ok=True)
    lc.write_book(book, OUT)
    print(f"wrote {len(book)} customers and {book.touchpoint_count} touchpoints to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
