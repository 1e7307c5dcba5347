"""Policies as a CRM team writes them: one from building blocks, one as a plain class.

Nothing here is part of `lifecycle`; it stands for a downstream project that
imports the library and tests its own habits with `lifecycle.testing` only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from dateutil.relativedelta import relativedelta

import lifecycle as lc

#: "Two days after a CSAT of 1 or 2, unless someone reached out since."
csat_rescue = lc.policy(
    "csat_rescue",
    priority=2,
    anchor=lc.last("csat"),
    when=lc.score(at_most=2),
    offset=lc.days(2),
    fulfilled_by=lc.fulfilled_by(direction="outbound"),
    description="Call back an unhappy CSAT answer within two days.",
)


class QuarterlyReview:
    """Enterprise customers get a business review each quarter after their first purchase.

    Written as a plain class meeting the `lifecycle.Policy` protocol: the CRM
    keeps its quarterly calendar logic here, and a health check done in the
    quarter counts as the review.
    """

    name = "quarterly_review"
    priority = 5

    def verdicts(
        self, customer: lc.Customer, timeline: lc.Timeline, as_of: dt.date
    ) -> Iterator[lc.Verdict]:
        """One verdict: due on the latest quarter day, unless a health check happened since."""
        purchase = timeline.first("purchase")
        if customer.attributes.get("segment") != "enterprise" or purchase is None:
            yield self._verdict(lc.Status.NOT_APPLICABLE, None, "not an enterprise customer")
            return
        start = timeline.local_date(purchase)
        quarters = 1
        while start + relativedelta(months=3 * (quarters + 1)) <= as_of:
            quarters += 1
        due = start + relativedelta(months=3 * quarters)
        since = timeline.since(due - dt.timedelta(days=30))
        if since.any("health_check"):
            yield self._verdict(lc.Status.FULFILLED, due, f"quarter {quarters} reviewed")
        elif due > as_of:
            yield self._verdict(lc.Status.UPCOMING, due, f"quarter {quarters} review ahead")
        else:
            yield self._verdict(
                lc.Status.DUE, due, f"quarter {quarters} since the first purchase on {start}"
            )

    def _verdict(self, status: lc.Status, due: dt.date | None, reason: str) -> lc.Verdict:
        return lc.Verdict(
            policy=self.name, priority=self.priority, status=status, due=due, reason=reason
        )


def review_is_a_health_check(verdict: lc.Verdict) -> tuple[str, str]:
    """What closes a due quarterly review: an outbound health check."""
    return ("health_check", "outbound")
