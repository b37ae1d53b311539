"""Timestamps of the demo's year, formatted once and looked up."""

from __future__ import annotations

import bisect
import datetime as dt
import time
from typing import TYPE_CHECKING

from crm.demo import vocabulary

if TYPE_CHECKING:
    from crm.demo.rows import Plan

# The working day shown in the timeline, in minutes after local midnight.
DAY_START = 8 * 60
DAY_MINUTES = 12 * 60
HISTORY_DAYS = 365
FUTURE_DAYS = 31
TIMELINE_EVENTS = (5, 15)  # per contact, inclusive: ten on average


class Clock:
    """Timestamps as the database stores them, for every minute of the demo's year.

    Formatting a datetime costs microseconds and a million contacts have ten million
    events, so each minute of each working day is formatted once and looked up.
    """

    def __init__(self, today: dt.date, tz_name: str, suffix: str) -> None:
        import zoneinfo

        zone = zoneinfo.ZoneInfo(tz_name)
        self.today = today
        self.first_day = today - dt.timedelta(days=HISTORY_DAYS)
        self.days: list[dt.date] = [
            self.first_day + dt.timedelta(days=n)
            for n in range(HISTORY_DAYS + FUTURE_DAYS + 1)
        ]
        self.today_index = HISTORY_DAYS
        self.midnights = [
            int(dt.datetime.combine(day, dt.time(), tzinfo=zone).timestamp())
            for day in self.days
        ]
        self.suffix = suffix
        # minutes[day][minute]: the stored form of each minute from 08:00 to 23:00.
        self.minutes: list[list[str]] = [
            self._day_minutes(midnight + DAY_START * 60) for midnight in self.midnights
        ]
        # Working days before today, for the timeline: today belongs to the agenda.
        self.workdays = [
            i for i, day in enumerate(self.days[:HISTORY_DAYS]) if day.weekday() < 5
        ]
        self.day_names = [
            f"{d.day} {vocabulary.MONTHS_GENITIVE[d.month - 1]}" for d in self.days
        ]

    def at(self, day: int, minute: int) -> str:
        """The stored form of minute `minute` (after 08:00 local) of day `day`."""
        return self.minutes[day][minute]

    def _day_minutes(self, start: int) -> list[str]:
        result = []
        date = ""
        day = -1
        for epoch in range(start, start + (DAY_MINUTES + 180) * 60, 60):
            if epoch // 86400 != day:
                day = epoch // 86400
                date = time.strftime("%Y-%m-%d", time.gmtime(epoch))
            rest = epoch % 86400
            result.append(
                f"{date} {rest // 3600:02d}:{rest % 3600 // 60:02d}:00{self.suffix}"
            )
        return result

    def format(self, epoch: float) -> str:
        return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(epoch)) + self.suffix

    def first_workday_after(self, epoch: float) -> int:
        """Index into `workdays` of the first working day on or after a moment."""
        day = int((epoch - self.midnights[0]) // 86400)
        return bisect.bisect_left(self.workdays, max(day, 0))


_clock_cache: dict[tuple, Clock] = {}


def clock_for(plan: Plan) -> Clock:
    """The clock of a plan, made once per process (it takes half a second)."""
    key = (plan.today, plan.tz_name, plan.timestamp_suffix)
    if key not in _clock_cache:
        _clock_cache.clear()
        _clock_cache[key] = Clock(plan.today, plan.tz_name, plan.timestamp_suffix)
    return _clock_cache[key]
