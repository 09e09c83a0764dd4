"""axe-core checks for the browser journeys (axe-playwright-python, sync API)."""

from __future__ import annotations

import warnings
from functools import cache

import pytest

BLOCKING_IMPACTS = ("serious", "critical")


@cache
def _axe():
    # Axe() reads the bundled axe.min.js; keep one instance for the whole run.
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def format_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']}\n"
            f"  {violation.get('helpUrl', '')}"
        )
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    * {target}\n      {node.get('html', '')[:200]}")
    return "\n".join(lines)


def check_accessibility(page, label: str | None = None) -> list[dict]:
    """Run axe on the page as it is now; fail on any serious or critical violation.

    Returns every violation (including moderate and minor ones) for callers that want more.
    """
    violations = _axe().run(page).response["violations"]
    blocking = [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]
    if blocking:
        where = label or page.url
        pytest.fail(
            f"axe found {len(blocking)} serious/critical accessibility violation(s) on {where}:\n"
            + format_violations(blocking),
            pytrace=False,
        )
    minor = [v for v in violations if v not in blocking]
    if minor:  # not failing, but listed in pytest's warnings summary
        warnings.warn(
            f"axe (moderate/minor) on {label or page.url}:\n{format_violations(minor)}",
            stacklevel=2,
        )
    return violations
