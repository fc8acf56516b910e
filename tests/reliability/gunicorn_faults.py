"""gunicorn configuration for the fault tests: in the worker, the one writer of actuals
(indicators.services.write_actuals) stops right after storing its rows — still inside the
open transaction, before the audit and the grading are committed —, writes the worker's pid to
$CHIIKI_FAULT_READY and hangs, so the test can SIGKILL the worker there. Only the first such
request hangs; the replacement worker behaves normally."""

import os
import time


def post_worker_init(worker):
    from chiiki.indicators import services

    original = services._store
    ready = os.environ["CHIIKI_FAULT_READY"]

    def store(*args, **kwargs):
        result = original(*args, **kwargs)
        if not os.path.exists(ready):
            with open(ready + ".tmp", "w") as f:
                f.write(str(os.getpid()))
            os.rename(ready + ".tmp", ready)
            while True:
                time.sleep(1)
        return result

    services._store = store
