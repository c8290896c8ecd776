"""Small helpers any layer may use: joining words, clock times, numbers as shown, dates, the clock.

One date parser (`parse_iso`) serves metadata, user input and stored dates alike; everything
clipfinder stamps itself (ingested_at, made_at...) is UTC from `now_utc`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timezone

from clipfinder.errors import BadInput

_NO_SPACE_BEFORE = re.compile(r" +(?=[-',.?!%])")


def join_words(texts: Iterable[str]) -> str:
    """Words back into text: a space between words, none before a piece like "-tech" or "'s"."""
    return _NO_SPACE_BEFORE.sub("", " ".join(t.strip() for t in texts))


def printable(text: str, keep_newlines: bool = False) -> str:
    """`text` safe to print on a terminal: control characters (escape sequences, BEL, carriage
    returns; newlines and tabs unless kept), line separators and bidi overrides are shown as
    escapes like \\x1b. Other text (accents, non-breaking spaces, emoji) is left alone."""
    return "".join(ch if _harmless(ch, keep_newlines) else _escape(ch) for ch in text)


def has_control(text: str) -> bool:
    """True when `text` holds a character `printable` would escape (newlines included)."""
    return any(not _harmless(ch, False) for ch in text)


# Characters that reorder the text around them on a terminal ("Trojan source" tricks).
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _harmless(ch: str, keep_newlines: bool) -> bool:
    if ch in "\n\t":
        return keep_newlines
    # control characters (escape, BEL, carriage return...), line and paragraph separators, and
    # the stand-ins for bytes of a file name that is not UTF-8
    return unicodedata.category(ch) not in ("Cc", "Zl", "Zp", "Cs") and ch not in _BIDI_CONTROLS


def _escape(ch: str) -> str:
    return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(ch) or ascii(ch)[1:-1]


def speaker_label(speaker: str) -> str:
    return speaker.capitalize()


def clock(seconds: float, sep: str = ".", hours: bool = True) -> str:
    """01:02:03.456 (or with a comma for SRT); mm:ss when hours=False."""
    millis = max(0, round(seconds * 1000))
    h, rest = divmod(millis, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    if not hours:
        return f"{h * 60 + m:02d}:{s:02d}"
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def parse_clock(value: str, what: str) -> float:
    """Seconds from "80", "1:20" or "1:02:03" (a position in a recording)."""
    parts = value.strip().split(":")
    try:
        numbers = [float(p) for p in parts] if 1 <= len(parts) <= 3 else []
    except ValueError:
        numbers = []
    if not numbers or any(not 0 <= n < 10**7 for n in numbers):  # also refuses nan and inf
        raise BadInput(f"{what} must be a time in the call like 80, 1:20 or 1:02:03 (got '{printable(value)}')")
    seconds = 0.0
    for number in numbers:
        seconds = seconds * 60 + number
    return seconds


def pct(value: float | None) -> str:
    """A share as a whole percentage, n/a when unknown."""
    return "n/a" if value is None else f"{value * 100:.0f}%"


def num(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def now_utc() -> str:
    """The time clipfinder stamps on what it stores: UTC, to the second, ISO 8601."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


# Dates outside these years are typing mistakes, and the loop's date arithmetic (72 hours after a
# commitment, weeks before a session) would run off the calendar near year 1 or 9999.
FIRST_YEAR, LAST_YEAR = 1900, 2999


def parse_iso(text: str, bounded: bool = True) -> tuple[datetime, bool]:
    """(when, has_time) of 'YYYY-MM-DD' or an ISO date-time, from FIRST_YEAR to LAST_YEAR unless
    not `bounded`; ValueError for anything else."""
    text = text.strip()
    if len(text) == 10:
        when, has_time = datetime.combine(date.fromisoformat(text), datetime.min.time()), False
    else:
        when, has_time = datetime.fromisoformat(text.replace("Z", "+00:00")), True
    if bounded and not FIRST_YEAR <= when.year <= LAST_YEAR:
        raise ValueError(f"the year must be between {FIRST_YEAR} and {LAST_YEAR}")
    return when, has_time


@dataclass(frozen=True)
class Moment:
    """A point in time from user input or metadata. A date without a time covers its whole day."""

    at: datetime
    has_time: bool

    @property
    def day(self) -> date:
        return self.at.date()

    def iso(self) -> str:
        return self.at.isoformat(timespec="minutes") if self.has_time else self.at.date().isoformat()


def parse_moment(value: str | None, what: str = "--date") -> Moment:
    """YYYY-MM-DD or an ISO date-time (wall-clock time: a zone is dropped); None is now."""
    if value is None:
        return Moment(datetime.now().replace(second=0, microsecond=0), True)
    try:
        at, has_time = parse_iso(value)
    except ValueError:
        raise BadInput(
            f"{what} must be a date like 2026-11-20 or 2026-11-20T15:30, between the years {FIRST_YEAR} and "
            f"{LAST_YEAR} (got '{printable(value)}')"
        ) from None
    return Moment(at.replace(tzinfo=None), has_time)


def stored_moment(value: str) -> Moment:
    """A date the index holds (a call's, a commitment's). One from before the limits on input
    (an index made by an earlier release) is read as the nearest allowed moment, so one odd row
    cannot stop prep, trend or followup for a whole team."""
    try:
        at, has_time = parse_iso(value, bounded=False)
    except ValueError:
        raise BadInput(f"the index holds a date clipfinder cannot read ('{printable(value)}')") from None
    at = at.replace(tzinfo=None)
    low, high = datetime(FIRST_YEAR, 1, 1), datetime(LAST_YEAR, 12, 31)
    return Moment(min(max(at, low), high), has_time)
