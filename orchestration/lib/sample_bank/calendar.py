"""The data window of the sample bank: calendar months as day numbers (days since 1970-01-01).

A day number is an int64, a timestamp is seconds since 1970-01-01 00:00:00 local (Asia/Shanghai) time; both
stay numpy arrays until the tables are written.
"""

from __future__ import annotations

from datetime import date

import numpy as np

EPOCH = date(1970, 1, 1)
SECONDS_PER_DAY = 86_400
# Null marker for a day number (no maturity date, not closed, never left).
NO_DAY = -(10**9)
# Null marker for a timestamp (a complaint not resolved); anything below NO_TIME_BELOW is written as empty.
NO_TIME = -(10**15)
NO_TIME_BELOW = -(10**12)


def day_number(d: date) -> int:
    return (d - EPOCH).days


class DataWindow:
    """The data window: n_months calendar months ending with end_date's month (the last one may be partial)."""

    def __init__(self, end: date, n_months: int):
        starts = []
        for k in range(n_months - 1, -1, -1):
            y, m = end.year, end.month - k
            while m <= 0:
                m += 12
                y -= 1
            starts.append(date(y, m, 1))
        following = [date(s.year + (s.month == 12), s.month % 12 + 1, 1) for s in starts]
        self.n_months = n_months
        self.start_day = day_number(starts[0])
        self.end_day = day_number(end)
        self.month_start = np.array([day_number(s) for s in starts], dtype=np.int64)
        self.month_len = np.array([(b - a).days for a, b in zip(starts, following)], dtype=np.int64)
        self.month_last = np.minimum(self.month_start + self.month_len - 1, self.end_day)
        self.month_days = self.month_last - self.month_start + 1
        self.calendar_month = np.array([s.month for s in starts], dtype=np.int64)
        self.labels = [s.strftime("%Y-%m-01") for s in starts]
        # months fully inside the window: planted events and labels stay in these
        self.full_months = n_months if self.month_days[-1] == self.month_len[-1] else n_months - 1
        self.end_ts = (self.end_day + 1) * SECONDS_PER_DAY - 1

    def day(self, month, day_of_month) -> np.ndarray:
        """Day number of day_of_month (clipped into the month, and to the window's end) of window month `month`."""
        month = np.asarray(month, dtype=np.int64)
        dom = np.clip(np.asarray(day_of_month, dtype=np.int64), 1, self.month_days[month])
        return self.month_start[month] + dom - 1

    def month_of(self, day) -> np.ndarray:
        return np.searchsorted(self.month_start, np.asarray(day), side="right") - 1
