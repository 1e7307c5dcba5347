"""Benchmark lc.clv: a book summarised, then BG/NBD and Gamma-Gamma fitted, at scale.

Usage: python benchmarks/clv.py [--customers N] [--repeat R] [--seed S]

Simulates N customers (default 100,000) by the BG/NBD story itself, with the
parameters Fader, Hardie and Lee (2005) fitted to CDNOW (first purchases spread
over the first 12 weeks, a 39-week calibration, spend per purchase by the
published Gamma-Gamma parameters), builds a Book of their purchases, and times
`summary`, `BetaGeo.fit`, `GammaGamma.fit`, `p_alive`, `expected_purchases`
and a 52-week `lifetime_value`, each R times (default 3), reporting medians.

A benchmark, not a test: it asserts nothing about speed. It checks, outside
the timing, that the fit recovers the simulated parameters roughly: a
benchmark of a wrong answer is worth nothing. (Purchases are dated to the
day, and same-day ones count once, so the estimates come near the simulated
parameters, not onto them.)
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
from decimal import Decimal

import numpy as np

import lifecycle as lc

START = dt.date(1997, 1, 1)
AS_OF = START + dt.timedelta(weeks=39, days=-1)
TRUE = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}


def simulate(customers: int, seed: int) -> lc.Book:
    rng = np.random.default_rng(seed)
    rate = rng.gamma(TRUE["r"], 1 / TRUE["alpha"], customers)  # purchases a week
    drop = rng.beta(TRUE["a"], TRUE["b"], customers)
    # Gamma-Gamma: each customer's scale nu ~ Gamma(q, gamma); values ~ Gamma(p, nu).
    nu = rng.gamma(3.74, 1 / 15.44, customers)
    first = rng.integers(0, 84, customers)
    people, purchases = [], []
    for i in range(customers):
        cid = f"c{i}"
        people.append(lc.Customer(id=cid, name=cid, since=START))
        # The first purchase at `first`; after each repeat purchase the customer
        # drops out for good with probability `drop` (BG/NBD's story).
        day, n = float(first[i]), 0
        while day <= (AS_OF - START).days:
            at = dt.datetime.combine(START + dt.timedelta(days=int(day)), dt.time(12), dt.UTC)
            value = Decimal(f"{rng.gamma(6.25, 1 / nu[i]):.2f}")
            purchases.append(
                lc.Touchpoint(
                    id=f"{cid}-{n}",
                    customer_id=cid,
                    at=at,
                    channel="web",
                    kind="purchase",
                    direction="inbound",
                    amount=value,
                )
            )
            if n > 0 and rng.random() < drop[i]:
                break
            n += 1
            day += rng.exponential(7 / rate[i])
    return lc.Book(people, purchases)


def timed(call, repeat: int):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    start = time.perf_counter()
    book = simulate(args.customers, args.seed)
    print(
        f"simulated {len(book):,} customers, {book.touchpoint_count:,} purchases "
        f"in {time.perf_counter() - start:.1f} s"
    )
    seconds, summary = timed(lambda: lc.clv.summary(book, as_of=AS_OF), args.repeat)
    print(f"summary             {seconds:7.2f} s  ({len(summary):,} customers)")
    seconds, model = timed(lambda: lc.clv.BetaGeo.fit(summary), args.repeat)
    print(
        f"BetaGeo.fit         {seconds:7.2f} s ",
        {k: round(v, 3) for k, v in model.params.items()},
    )
    seconds, spend = timed(lambda: lc.clv.GammaGamma.fit(summary), args.repeat)
    print(
        f"GammaGamma.fit      {seconds:7.2f} s ",
        {k: round(v, 2) for k, v in spend.params.items()},
    )
    seconds, _ = timed(lambda: model.p_alive(summary), args.repeat)
    print(f"p_alive             {seconds:7.2f} s")
    seconds, _ = timed(lambda: model.expected_purchases(summary, periods=52), args.repeat)
    print(f"expected_purchases  {seconds:7.2f} s")
    seconds, _ = timed(
        lambda: spend.lifetime_value(model, summary, periods=52, discount_rate=0.002),
        args.repeat,
    )
    print(f"lifetime_value(52)  {seconds:7.2f} s")
    for name, value in TRUE.items():
        if abs(model.params[name] - value) > 0.25 * value:
            raise SystemExit(
                f"the fit is off: {name} = {model.params[name]:.3f}, simulated {value}"
            )


if __name__ == "__main__":
    main()
