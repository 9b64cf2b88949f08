"""Daily counts behind every statistic: what one contact adds to each dimension of its day.

Every change to a record goes through ecoute.contacts.actions, which calls `apply` with the
difference between what the record counted for before and after, in the same transaction.
`rebuild` recomputes everything from the records (after a bulk load, or to check the counts).
"""

from collections import Counter
from datetime import date

from django.db import connection, transaction
from django.utils import timezone

from .models import ContactRecord, ContactTally, Span

# Dimensions read by ecoute.stats, and the value used when a record leaves the field empty.
UNKNOWN = "non-renseigne"
SINGLE_DIMENSIONS = {
    "profession": "profession__code",
    "employment": "employment__code",
    "sector": "sector__code",
    "departement": "departement__code",
    "age_band": "age_band__code",
    "risk": "risk_level__code",
    "follow_up": "follow_up__code",
}
MULTI_DIMENSIONS = {"reason": "reasons", "orientation": "orientations"}
# Upper bounds in minutes of the duration bands; the last band is open.
DURATION_BANDS = [(5, "0-5"), (15, "5-15"), (30, "15-30"), (60, "30-60")]
LONGEST_BAND = "60-plus"
# Dimensions whose count is not a number of contacts (a sum of seconds).
AMOUNT_DIMENSIONS = {"duration_sum"}

Key = tuple[date, str, str]


def duration_band(seconds: int) -> str:
    minutes = seconds / 60
    for upper, code in DURATION_BANDS:
        if minutes < upper:
            return code
    return LONGEST_BAND


def facts(
    started_at, channel: str, language: str, returning: bool, duration_seconds, codes: dict, multi: dict
) -> Counter:
    """What one contact counts for, keyed (day, dimension, value). CODES: dimension -> code or None;
    MULTI: dimension -> list of codes."""
    local = timezone.localtime(started_at)
    day = local.date()
    counts = Counter(
        {
            (day, "total", ""): 1,
            (day, "channel", channel): 1,
            (day, "language", language or UNKNOWN): 1,
            (day, "returning", "oui" if returning else "non"): 1,
            (day, "hour_weekday", f"{local.weekday()}-{local.hour:02d}"): 1,
        }
    )
    for dimension, code in codes.items():
        counts[(day, dimension, code or UNKNOWN)] += 1
    for dimension, values in multi.items():
        for code in values or [UNKNOWN]:
            counts[(day, dimension, code)] += 1
    if duration_seconds is not None:
        counts[(day, "duration_band", duration_band(duration_seconds))] += 1
        counts[(day, "duration_sum", "")] += duration_seconds
    return counts


def record_facts(record: ContactRecord) -> Counter:
    """The facts of a saved record (its foreign keys and many-to-many read from the database)."""
    # The part of a call handed over to a supervisor: the supervisor's record counts that contact.
    if record.pk is None or record.handed_over_part:
        return Counter()
    codes = {dimension: _code(record, path.split("__")[0]) for dimension, path in SINGLE_DIMENSIONS.items()}
    multi = {
        dimension: sorted(getattr(record, field).values_list("code", flat=True))
        for dimension, field in MULTI_DIMENSIONS.items()
    }
    return facts(
        record.started_at,
        record.channel,
        record.language,
        record.returning,
        record.duration_seconds,
        codes,
        multi,
    )


def _code(record, field: str):
    term = getattr(record, field)
    return term.code if term else None


def with_months(delta: Counter) -> Counter:
    """DELTA keyed (span, day, dimension, value): each day's counts, and the same added to its month."""
    spans: Counter = Counter()
    for (day, dimension, value), amount in delta.items():
        spans[(Span.DAY, day, dimension, value)] += amount
        spans[(Span.MONTH, day.replace(day=1), dimension, value)] += amount
    return spans


def apply(delta: Counter) -> None:
    """Add DELTA (which may hold negative numbers) to the stored day and month counts, atomically per row.

    One portable upsert (PostgreSQL, and SQLite since 3.24); rows in a fixed order so that two
    concurrent saves never wait on each other in opposite orders.
    """
    rows = [
        (str(span), day.isoformat(), dimension, value, amount)
        for (span, day, dimension, value), amount in sorted(with_months(delta).items())
        if amount
    ]
    if not rows:
        return
    table = ContactTally._meta.db_table
    sql = (
        f"INSERT INTO {table} (span, day, dimension, value, count) VALUES (%s, %s, %s, %s, %s) "
        f"ON CONFLICT (span, dimension, day, value) DO UPDATE SET count = {table}.count + excluded.count"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def difference(before: Counter, after: Counter) -> Counter:
    delta = Counter(after)
    delta.subtract(before)
    return delta


@transaction.atomic
def rebuild(chunk: int = 20000) -> int:
    """Recompute every count from the records; returns how many records were counted."""
    totals: Counter = Counter()
    single_paths = list(SINGLE_DIMENSIONS.values())
    fields = ["pk", "started_at", "channel", "language", "returning", "duration_seconds", *single_paths]
    multi = _multi_codes()
    counted = 0
    for row in (
        ContactRecord.objects.filter(handed_over_part=False)
        .values_list(*fields)
        .order_by()
        .iterator(chunk_size=chunk)
    ):
        pk, started_at, channel, language, returning, duration = row[:6]
        codes = dict(zip(SINGLE_DIMENSIONS, row[6:]))
        totals.update(
            facts(
                started_at,
                channel,
                language,
                returning,
                duration,
                codes,
                {d: multi[d].get(pk, []) for d in MULTI_DIMENSIONS},
            )
        )
        counted += 1
    ContactTally.objects.all().delete()
    ContactTally.objects.bulk_create(
        (
            ContactTally(span=span, day=day, dimension=dimension, value=value, count=amount)
            for (span, day, dimension, value), amount in with_months(totals).items()
            if amount
        ),
        batch_size=5000,
    )
    return counted


def _multi_codes() -> dict[str, dict[int, list[str]]]:
    found: dict[str, dict[int, list[str]]] = {}
    for dimension, field in MULTI_DIMENSIONS.items():
        through = getattr(ContactRecord, field).through
        by_record: dict[int, list[str]] = {}
        term = "reason" if field == "reasons" else "orientation"
        for record_id, code in (
            through.objects.values_list("contactrecord_id", f"{term}__code")
            .order_by()
            .iterator(chunk_size=50000)
        ):
            by_record.setdefault(record_id, []).append(code)
        found[dimension] = by_record
    return found
