"""Small-cell suppression: the one rule applied to every figure Écoute shows or publishes.

A cell counting fewer than k contacts (settings.ECOUTE_STATS_MIN_CELL, default 10) is never
shown. Hiding it alone is not enough when the total is shown (total minus the others gives it
back), so the smallest cells are hidden together until what is hidden adds up to k or more, or
everything is hidden. Distributions then show the hidden cells merged as one "other" line; series
and heat maps show them as "< k".
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
