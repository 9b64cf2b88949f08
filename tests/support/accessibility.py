"""axe-core, the accessibility checker, run inside the page by the browser tests.

Its script (shipped in the axe-playwright-python package) is evaluated through Playwright's
debugger channel, which the pages' Content-Security-Policy does not govern: the page itself is
checked exactly as served.
"""

from importlib.resources import files

SERIOUS = ("serious", "critical")


def axe_source() -> str:
    return files("axe_playwright_python").joinpath("axe.min.js").read_text()


def serious_violations(page) -> list[dict]:
    """Every serious or critical axe-core violation on the page (WCAG 2.1 A and AA rules)."""
    page.evaluate(axe_source())
    result = page.evaluate(
        "() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in SERIOUS
    ]
