r"""The bounds every value of the library is checked against, and why each exists.

A value outside these bounds is refused where it is made (a model object's
constructor raises `InvalidValueError`) or read (a book reader raises, or
reports, `BookFormatError` naming the file, line, column and value), so that
nothing the library later computes with it can overflow, hang, or fail to be
written back.

- **Dates** (`MIN_DATE` to `MAX_DATE`, inclusive): a customer's ``since`` and
  ``contract_end``, a touchpoint's ``at`` (its date in UTC, as written, and in
  the customer's zone), and every date given to the engine, the forecast, the
  metrics and the command line. Python's dates end at years 1 and 9999; policies
  add or take away up to `MAX_POLICY_YEARS` years, and a local time is up to a
  day away from UTC, so a value near either end would overflow somewhere inside
  the library. Three centuries around today leave every such sum in range.
- **Text** (`MAX_TEXT_LENGTH` characters): any one text value (a name, a note,
  a custom attribute, a cell of a book file). The csv module refuses fields over
  131,072 characters when reading, so a longer value could be written but not
  read back.
- **Ids** (`MAX_ID_LENGTH` characters): customer and touchpoint ids. CRM ids are
  short; a long one is a sign of a broken export, and ids are kept in memory
  for every row of a book.
- **Zone names** (`MAX_ZONE_LENGTH` characters): IANA names are short (the
  longest is about 30 characters); a name is checked for length, characters and
  membership in the known zones before `zoneinfo` sees it, so a hostile name
  never reaches the file system.
- **Scores** (`MAX_SCORE_TEXT` characters of text before it is parsed): a
  survey answer is one or two digits; turning thousands of digits into a number
  costs time for nothing.
- **Amounts** (at most `MAX_AMOUNT` either side of zero, with at most
  `MAX_AMOUNT_PLACES` decimal places, written in at most `MAX_AMOUNT_TEXT`
  characters): a touchpoint's ``amount``. The largest invoices are far below a
  trillion; a bigger figure is a broken export (cents read as units, an id in
  the wrong column). Twelve digits before the point and ten after leave a sum
  of a million amounts inside the 28 significant digits of `decimal`'s default
  context, so totals stay exact. The text bound, like the score's, keeps a
  reader from parsing thousands of digits for nothing.
- **Policy durations** (`MAX_POLICY_YEARS` years): offsets, windows and expiries
  of policies, so that a policy's date arithmetic stays inside Python's dates
  for every date above.

Text must also be encodable as UTF-8 (no lone surrogates, which JSON's
``\ud800`` escapes can make): book files are UTF-8, so such a value could be
read but never written back.

Examples:
    >>> from lifecycle import limits
    >>> limits.MIN_DATE.isoformat(), limits.MAX_DATE.isoformat()
    ('1900-01-01', '2199-12-31')
    >>> limits.MAX_TEXT_LENGTH < 131_072
    True
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Final

__all__ = [
    "MAX_AMOUNT",
    "MAX_AMOUNT_PLACES",
    "MAX_AMOUNT_TEXT",
    "MAX_DATE",
    "MAX_ID_LENGTH",
    "MAX_POLICY_YEARS",
    "MAX_SCORE_TEXT",
    "MAX_TEXT_LENGTH",
    "MAX_ZONE_LENGTH",
    "MIN_DATE",
]

#: The first date the library accepts anywhere.
MIN_DATE: Final = dt.date(1900, 1, 1)

#: The last date the library accepts anywhere.
MAX_DATE: Final = dt.date(2199, 12, 31)

#: The most characters in any one text value (below the csv module's 131,072).
MAX_TEXT_LENGTH: Final = 100_000

#: The most characters in a customer or touchpoint id.
MAX_ID_LENGTH: Final = 256

#: The most characters in a time zone name.
MAX_ZONE_LENGTH: Final = 64

#: The most characters in a score's text before it is parsed as a number.
MAX_SCORE_TEXT: Final = 32

#: The longest policy duration (offset, window, expiry), in years.
MAX_POLICY_YEARS: Final = 100

#: The largest amount, either side of zero, a touchpoint may carry (a trillion).
MAX_AMOUNT: Final = Decimal(10**12)

#: The most decimal places of an amount (after the point).
MAX_AMOUNT_PLACES: Final = 10

#: The most characters in an amount's text before it is parsed as a number.
MAX_AMOUNT_TEXT: Final = 40
