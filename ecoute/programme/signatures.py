"""Signatures drawn on a tablet for the sign-in sheet: what the page sends, checked, made an SVG path.

The page (static/programme/signature.js) sends the strokes as JSON: a list of strokes, each a flat
list of points [x0, y0, x1, y1, ...] in integers of the box WIDTH x HEIGHT, already thinned out. A
signature is a few hundred points; anything bigger, malformed or empty is refused with its reason,
and nothing is stored.
"""

import json

from django.utils.translation import gettext as _

WIDTH, HEIGHT = 600, 200
# What a real signature never reaches (a few strokes of a few hundred points), with room to spare.
MAX_CHARS = 24_000
MAX_STROKES = 60
MAX_POINTS = 2_500


class BadSignature(ValueError):
    """A drawing that cannot be kept; the message is fit to show to the staff at the sheet."""


def _strokes(raw: str) -> list:
    if len(raw) > MAX_CHARS:
        raise BadSignature(
            _("La signature est trop grande pour être enregistrée : effacez-la et signez à nouveau.")
        )
    try:
        strokes = json.loads(raw)
    except ValueError:
        strokes = None
    if not isinstance(strokes, list) or not all(isinstance(stroke, list) for stroke in strokes):
        raise BadSignature(_("La signature n'a pas pu être lue : effacez-la et signez à nouveau."))
    return strokes


def _check_points(stroke: list) -> None:
    in_box = all(
        type(value) is int and 0 <= value <= (WIDTH if index % 2 == 0 else HEIGHT)
        for index, value in enumerate(stroke)
    )
    if len(stroke) % 2 or not in_box:
        raise BadSignature(_("La signature n'a pas pu être lue : effacez-la et signez à nouveau."))


def svg_path(raw: str) -> str:
    """The SVG path of the strokes RAW sent by the page, or BadSignature saying what is wrong."""
    strokes = _strokes(raw)
    for stroke in strokes:
        _check_points(stroke)
    points = sum(len(stroke) for stroke in strokes) // 2
    if len(strokes) > MAX_STROKES or points > MAX_POINTS:
        raise BadSignature(
            _("La signature est trop grande pour être enregistrée : effacez-la et signez à nouveau.")
        )
    if not any(len(stroke) >= 4 for stroke in strokes):
        raise BadSignature(_("La signature est vide : signez dans le cadre, avec le doigt ou le stylet."))
    return " ".join(_stroke_path(stroke) for stroke in strokes if stroke)


def _stroke_path(stroke: list) -> str:
    x, y, *rest = stroke
    lines = " ".join(f"{rest[i]} {rest[i + 1]}" for i in range(0, len(rest), 2))
    # A single point is a dot: a line of no length, drawn with the round caps of the template.
    return f"M{x} {y} L{lines}" if rest else f"M{x} {y} l0 0"
