"""The independent tools tests read certificates with (poppler-utils, zbar-tools; installed by
scripts/system-deps.sh test).  A missing tool fails the test rather than skipping it."""

import shutil
import subprocess


def run_tool(name: str, *args: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is missing: run `make test` (scripts/system-deps.sh installs it)"
    # The arguments are our own temporary file paths.
    result = subprocess.run([path, *args], capture_output=True, text=True, check=True)  # noqa: S603
    return result.stdout
