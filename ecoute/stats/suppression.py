"""Small-cell suppression: the one rule applied to every figure Écoute shows or publishes.

A cell counting fewer than k contacts (settings.ECOUTE_STATS_MIN_CELL, default 10) is never
shown. Hiding it alone is not enough when the total is shown (total minus the others gives it
back), so the smallest cells are hidden together until what is hidden adds up to k or more, or
everything is hidden. Distributions then show the hidden cells merged as one "other" line; series
and heat maps show them as "< k".

Figures broken down by a variable (profession, département, reason...) are only ever counted over
whole periods of a fixed grid (ECOUTE_STATS_GRID_MONTHS months, calendar-aligned, ended): two
answers can then differ only by whole periods, never by a day. Each period of the grid is
suppressed on its own, and a longer span is the sum of its periods' suppressed tables
(`suppress_each`): a value is shown only where no period hides it, so every figure shown over
several periods could already be worked out from the single periods, and subtracting one answer
from another gives back only sums of cells that were shown, each 0 or at least k.
"""

from dataclasses import dataclass, field

from django.conf import settings


@dataclass
class Suppressed:
    visible: dict[str, int]
    hidden: set[str] = field(default_factory=set)
    # What the hidden cells add up to: None when nothing is hidden, or when it is itself below k
    # (then every cell is hidden and nothing at all is said).
    hidden_total: int | None = None

    def value(self, key: str) -> int | None:
        return self.visible.get(key, 0) if key not in self.hidden else None


def min_cell() -> int:
    return settings.ECOUTE_STATS_MIN_CELL


def grid_months() -> int:
    return settings.ECOUTE_STATS_GRID_MONTHS


def suppress(cells: dict[str, int], k: int | None = None) -> Suppressed:
    """Hide every cell below K, then the next smallest until the hidden sum reaches K (or all are hidden).

    Empty cells (zero) are not secrets: they stay visible.
    """
    k = min_cell() if k is None else k
    hidden = {key for key, count in cells.items() if 0 < count < k}
    hidden_sum = sum(cells[key] for key in hidden)
    if 0 < hidden_sum < k:
        for key, count in sorted(cells.items(), key=lambda item: (item[1], item[0])):
            if hidden_sum >= k:
                break
            if key not in hidden and count > 0:
                hidden.add(key)
                hidden_sum += count
    visible = {key: count for key, count in cells.items() if key not in hidden}
    if not hidden:
        return Suppressed(visible)
    return Suppressed(visible, hidden, hidden_sum if hidden_sum >= k else None)


def suppress_each(units: list[dict[str, int]], k: int | None = None) -> Suppressed:
    """The cells of several grid periods added up, each period suppressed on its own first.

    A value hidden in any period is hidden in the sum (merged with the rest of what is hidden):
    otherwise the sum minus the periods where it shows would give back the period that hides it.
    The merged line is the periods' own merged lines plus values they show (each 0 or at least k),
    so it adds nothing the periods do not say. A period whose own table says nothing (fewer than k
    contacts in all) is left out: merged with the others, it could be subtracted back out.
    """
    k = min_cell() if k is None else k
    hidden: set[str] = set()
    counted = []
    for cells in units:
        shown = suppress(cells, k)
        if shown.hidden and shown.hidden_total is None:
            continue
        hidden |= shown.hidden
        counted.append(cells)
    keys = {key for cells in counted for key in cells}
    visible = {key: sum(cells.get(key, 0) for cells in counted) for key in keys if key not in hidden}
    if not hidden:
        return Suppressed(visible)
    return Suppressed(visible, hidden, sum(cells.get(key, 0) for cells in counted for key in hidden))
