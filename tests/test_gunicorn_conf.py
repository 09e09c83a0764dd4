"""gunicorn.conf.py: each worker freezes what it loaded and collects garbage less often."""

import gc
import importlib.util
from pathlib import Path

CONF = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"


def test_each_worker_freezes_loaded_objects_and_raises_the_gc_threshold():
    spec = importlib.util.spec_from_file_location("gunicorn_conf", CONF)
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    thresholds = gc.get_threshold()
    try:
        conf.post_fork(server=None, worker=None)
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == conf.GC_THRESHOLDS == (50_000, 20, 20)
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
