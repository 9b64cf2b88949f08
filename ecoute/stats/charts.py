"""Charts drawn on the server as SVG geometry: nothing to download, readable without JavaScript."""

WIDTH, HEIGHT, GAP = 720, 180, 2


def columns(series: list[dict], step: str = "month") -> dict:
    """Bars of a time series; hidden cells (None) are drawn as a short grey stub."""
    peak = max([point["count"] or 0 for point in series] + [1])
    width = WIDTH / max(len(series), 1)
    bars = []
    for index, point in enumerate(series):
        count = point["count"]
        height = 4 if count is None else round(HEIGHT * count / peak, 1)
        bars.append(
            {
                "x": round(index * width + GAP / 2, 1),
                "width": round(max(width - GAP, 1), 1),
                "y": round(HEIGHT - height, 1),
                "height": height,
                "hidden": count is None,
                "label": point["start"],
                "count": count,
            }
        )
    every = max(1, len(series) // 12)
    ticks = [
        {**bar, "tick": _tick(bar["label"], step)} for index, bar in enumerate(bars) if index % every == 0
    ]
    return {"width": WIDTH, "height": HEIGHT, "bars": bars, "ticks": ticks, "peak": peak}


def _tick(iso_day: str, step: str) -> str:
    """12/25 for a month, 01/12 for a week or a day."""
    year, month, day = iso_day.split("-")
    return f"{month}/{year[2:]}" if step == "month" else f"{day}/{month}"


def heat_levels(heatmap: list[dict]) -> list[dict]:
    """Each hour's share of the busiest hour, in six steps of shading (None stays None)."""
    peak = max([count or 0 for day in heatmap for count in day["hours"]] + [1])
    return [
        {
            "weekday": day["weekday"],
            "hours": [
                {"count": count, "level": None if count is None else round(5 * count / peak)}
                for count in day["hours"]
            ],
        }
        for day in heatmap
    ]


def top_rows(dimension: dict, shown: int) -> dict:
    """DIMENSION with its SHOWN first rows, the rest merged into `beyond` (how many rows, their contacts).

    Where a contact may give several values (reasons), the rows' counts cannot be added up into
    contacts: the merged line then says how many rows it holds, without a count.
    """
    rest = dimension["rows"][shown:]
    beyond = None
    if rest:
        several = dimension["several_per_contact"]
        beyond = {
            "categories": len(rest),
            "count": None if several else sum(row["count"] for row in rest),
            "share": None if several else round(sum(row["share"] or 0 for row in rest), 1),
        }
    return {**dimension, "rows": dimension["rows"][:shown], "beyond": beyond}


def with_bars(dimensions: list[dict]) -> list[dict]:
    """Each row's bar length, relative to the largest row of its chart."""
    drawn = []
    for dimension in dimensions:
        merged = [line for line in (dimension["other"], dimension.get("beyond")) if line]
        top = max(
            [row["count"] for row in dimension["rows"]] + [line.get("count") or 0 for line in merged] + [1]
        )
        rows = [{**row, "bar": round(100 * row["count"] / top, 1)} for row in dimension["rows"]]
        other = dimension["other"] and {
            **dimension["other"],
            "bar": round(100 * (dimension["other"]["count"] or 0) / top, 1),
        }
        beyond = dimension.get("beyond") and {
            **dimension["beyond"],
            "bar": round(100 * (dimension["beyond"]["count"] or 0) / top, 1),
        }
        drawn.append({**dimension, "rows": rows, "other": other, "beyond": beyond})
    return drawn
