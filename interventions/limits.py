"""Bounds on every number and date typed on the tablet or in the office (issue 15).

One place for the limits the forms show and the services enforce. They are chosen to fit the
columns they end up in with room to spare, so that what is accepted at entry is also what the
signature can store (`ReportFigures.parts_price`: 12 digits, 2 decimals; `km`: 9 digits, 1
decimal), and to refuse what no real job carries:

* a line of parts: quantity 0.01 to 9,999, unit price 0 to 99,999.99 € excl. VAT;
* all the parts of one job: at most 1,000,000,000 € excl. VAT (a tenth of the column);
* travel: at most 2,000 km and 24 h per visit;
* a visit (typed correction): it starts at the earliest the day before the request was taken,
  it ends at the latest one day after now (a tablet's clock may be a little ahead), and lasts at
  most 24 hours.
"""

import datetime
from decimal import Decimal

PART_QUANTITY_MAX = Decimal("9999")
PART_PRICE_MAX = Decimal("99999.99")
PARTS_TOTAL_MAX = Decimal("1000000000")
TRAVEL_KM_MAX = Decimal("2000")
TRAVEL_MINUTES_MAX = 24 * 60

VISIT_BEFORE_REQUEST = datetime.timedelta(days=1)
VISIT_AFTER_NOW = datetime.timedelta(days=1)
VISIT_MAX_DURATION = datetime.timedelta(hours=24)

# A call taken earlier is typed back at most a year ago (intake); a slot is planned between a
# year ago and two years ahead, and lasts at most 14 days (assignment).
REQUESTED_AT_MAX_AGE = datetime.timedelta(days=365)
SLOT_PAST = datetime.timedelta(days=365)
SLOT_FUTURE = datetime.timedelta(days=2 * 365)
SLOT_MAX_DURATION = datetime.timedelta(days=14)
