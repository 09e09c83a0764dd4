"""Start gunicorn on loopback with N workers against a DATABASE_URL, wait until ``/health/``
answers, and stop it again::

    with GunicornServer(database_url, workers=2, threads=4) as server:
        httpx.get(server.url + "/health/")

The environment is development (DEBUG off, so pages render as in production) with static files
served by WhiteNoise from ``var/static`` (collected once if missing).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from bench.harness import ROOT

GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class GunicornServer:
    """A gunicorn process group bound to 127.0.0.1 only (never another interface)."""

    def __init__(
        self,
        database_url: str | None,
        *,
        workers: int = 2,
        threads: int = 4,
        config: Path | None = None,
        env: dict[str, str] | None = None,
        log: Path | None = None,
    ) -> None:
        self.database_url = database_url
        self.workers, self.threads = workers, threads
        self.config, self.extra_env = config, env or {}
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> GunicornServer:
        env = {**os.environ, "DJANGO_DEBUG": "0", "PYTHONDONTWRITEBYTECODE": "1"}
        env.pop("DJANGO_SETTINGS_MODULE", None)
        env["DJANGO_SETTINGS_MODULE"] = "lms.settings"
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        env.setdefault("DJANGO_CONN_MAX_AGE", "60")
        env.update(self.extra_env)
        command = [
            str(GUNICORN),
            "lms.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--threads",
            str(self.threads),
            "--worker-class",
            "gthread" if self.threads > 1 else "sync",
            "--backlog",
            "2048",
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ]
        if self.config:
            command += ["--config", str(self.config)]
        output = open(self.log, "ab") if self.log else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(  # noqa: S603
            command, cwd=ROOT, env=env, stdout=output, stderr=output, start_new_session=True
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}")
            try:
                with urllib.request.urlopen(self.url + "/health/", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn did not answer /health/ in time")

    def worker_pids(self) -> list[int]:
        """The worker processes (children of the arbiter)."""
        import psutil

        if self.process is None:
            return []
        return [child.pid for child in psutil.Process(self.process.pid).children()]

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def __enter__(self) -> GunicornServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
