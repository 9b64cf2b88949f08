"""Blocks of a device or of a source, for N hours at most a day: in the cache, never in a table.

A supervisor blocks the device (the hash of its caller key) or the source (its keyed daily hash,
ecoute/lib/source.py) of a waiting call from the board. The block lives in the cache with its
lifetime and is checked against today's and yesterday's hash of the source, so that it survives the
key's daily rotation; it is journalled without any hash (ecoute.security). The blocked calls still
waiting end with their own reason, counted apart from the service figures.
"""

from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext

from ecoute.calls import actions
from ecoute.calls.actions import CallError
from ecoute.calls.models import Call, CallState
from ecoute.security import journal
from ecoute.security.models import SecurityEventKind

from . import limits

MAX_HOURS = 24
SCOPES = ("device", "source")


class BlockError(CallError):
    code = "block_error"


def _key(scope: str, value: str) -> str:
    return f"abuse:block:{scope}:{value}"


def blocked(device_hash: str, sources) -> bool:
    """Is this device, or this source under today's or yesterday's hash, blocked?"""
    return blocked_each([(device_hash, sources)])[0]


def blocked_each(attempts: list[tuple[str, tuple]]) -> list[bool]:
    """blocked() of each (device hash, sources), in one read."""
    keys = [_keys(device_hash, sources) for device_hash, sources in attempts]
    found = cache.get_many(list({key for some in keys for key in some}))
    return [any(key in found for key in some) for some in keys]


def _keys(device_hash: str, sources) -> list[str]:
    keys = [_key("source", value) for value in sources if value]
    if device_hash:
        keys.append(_key("device", device_hash))
    return keys


def _target(call_id, scope: str) -> str:
    if scope == "device":
        value = Call.objects.filter(pk=call_id).values_list("caller_key_hash", flat=True).first()
        if not value:
            raise BlockError(gettext("Cet appel n’a pas de clé d’appareil : bloquez plutôt sa source."))
        return value
    value = limits.source_of_call(call_id)
    if not value:
        raise BlockError(
            gettext(
                "La source de cet appel n’est plus connue (plus d’une heure) : bloquez plutôt l’appareil."
            )
        )
    return value


def _calls_of(scope: str, value: str) -> list:
    waiting = Call.objects.filter(state__in=[CallState.REQUESTED, CallState.RINGING])
    if scope == "device":
        return list(waiting.filter(caller_key_hash=value).values_list("pk", flat=True))
    return list(waiting.filter(pk__in=limits.calls_of(value)).values_list("pk", flat=True))


def block_call(call_id, scope: str, hours: int, actor) -> int:
    """Block the device or the source of CALL_ID for HOURS; its calls still waiting end. Returns how many."""
    if scope not in SCOPES:
        raise BlockError("Bloquez l’appareil ou la source.")
    if not isinstance(hours, int) or isinstance(hours, bool) or not 1 <= hours <= MAX_HOURS:
        raise BlockError(gettext("Un blocage dure de 1 à %(hours)d heures.") % {"hours": MAX_HOURS})
    value = _target(call_id, scope)
    cache.set(_key(scope, value), 1, timeout=hours * 3600)
    ended = 0
    for blocked_id in _calls_of(scope, value):
        try:
            actions.end_as_abuse(blocked_id)
            ended += 1
        except CallError:
            pass  # answered or ended meanwhile
    with transaction.atomic():
        what = "cet appareil" if scope == "device" else "cette source"
        journal.record(
            SecurityEventKind.BLOCK,
            actor=actor,
            summary=f"Blocage de {what} pour {hours} h ({ended} appel(s) en attente terminé(s))",
            scope=scope,
            hours=hours,
            ended=ended,
        )
    return ended
