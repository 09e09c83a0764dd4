"""gunicorn config for the enrolment rush: each worker records when it received each request.

``pre_request`` runs in the worker thread that is about to handle the request, before Django
sees it.  It appends ``<time_ns> <X-Bench-Person>`` to ``$BENCH_ARRIVALS_DIR/<pid>.log`` so the
rush can compare the waiting list with the order in which the server received the requests.
"""

import os
import threading
import time

_lock = threading.Lock()
_files: dict[int, object] = {}


def pre_request(worker, req):
    person = next((value for name, value in req.headers if name == "X-BENCH-PERSON"), None)
    if person is None:
        return
    stamp = time.time_ns()
    directory = os.environ["BENCH_ARRIVALS_DIR"]
    with _lock:
        handle = _files.get(os.getpid())
        if handle is None:
            handle = open(os.path.join(directory, f"{os.getpid()}.log"), "a", buffering=1)  # noqa: SIM115
            _files[os.getpid()] = handle
        handle.write(f"{stamp} {person}\n")
