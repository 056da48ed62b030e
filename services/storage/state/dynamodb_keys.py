"""How DynamoState spells keys and times: sort keys that sort by time, and exact epoch numbers.

A time in a sort key is 17 zero-padded digits of UTC epoch microseconds, so string order is time
order; a time attribute is epoch seconds with exactly six decimals, never a float's rounding.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
SINGLE = "-"  # the sort key of items that are alone in their partition
NO_TEAM = "-"  # Slack team ids start with T or E, so "-" is never one


def epoch_micros(moment: datetime) -> int:
    """Exact UTC epoch microseconds; a naive datetime is taken as UTC, never as local time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    # Sort keys have no sign: a time before 1970 sorts as 1970.
    return max(0, (moment - _EPOCH) // _MICROSECOND)


def time_key(micros: int) -> str:
    """The sort key prefix of a time, in epoch microseconds."""
    return f"{micros:017d}"


def seconds_attribute(micros: int) -> dict[str, str]:
    """A DynamoDB number of epoch seconds, exact to the microsecond."""
    return {"N": f"{micros // 1_000_000}.{micros % 1_000_000:06d}"}


def item_key(pk: str, sk: str = SINGLE) -> dict[str, dict[str, str]]:
    """The primary key of an item; ``sk`` defaults to the one of an item alone in its partition."""
    return {"pk": {"S": pk}, "sk": {"S": sk}}
