"""gunicorn configuration for the fault tests: in the worker, the bulk write of actuals
(record_actuals_bulk) stops after its third row, writes the worker's pid to
$CHIIKI_FAULT_READY and hangs inside the still-open transaction, so the test can SIGKILL the
worker there. Only the first such request hangs; the replacement worker behaves normally."""

import os
import time


def post_worker_init(worker):
    from chiiki.indicators import services

    original = services.record_actual
    ready = os.environ["CHIIKI_FAULT_READY"]
    calls = 0

    def record_actual(**kwargs):
        nonlocal calls
        result = original(**kwargs)
        calls += 1
        if calls == 3 and not os.path.exists(ready):
            with open(ready + ".tmp", "w") as f:
                f.write(str(os.getpid()))
            os.rename(ready + ".tmp", ready)
            while True:
                time.sleep(1)
        return result

    services.record_actual = record_actual
