"""gunicorn for chiiki in production: ``gunicorn chiiki.wsgi:application -c deploy/gunicorn.conf.py``.

Long work (imports, PDF reports) runs in the background worker, so a request that takes longer
than ``timeout`` is a fault, not a big job: the worker process is replaced and the request
answered 502 by the proxy. Values an installation changes come from its environment file.
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise SystemExit(f"{name} must be a whole number of at least 1, not {raw!r}")
    return int(raw)


bind = os.environ.get("CHIIKI_BIND", "127.0.0.1:8000")
# Processes × threads: the soak ran 2 × 4 on two cores (docs/reliability.md).
workers = _int("CHIIKI_WEB_WORKERS", min(2 * multiprocessing.cpu_count(), 8))
threads = _int("CHIIKI_WEB_THREADS", 4)
worker_class = "gthread"
timeout = _int("CHIIKI_WEB_TIMEOUT", 60)
# On SIGTERM or a reload (SIGHUP), requests in progress get this long to finish.
graceful_timeout = 30
# nginx keeps connections to gunicorn open (deploy/nginx/chiiki.conf)
keepalive = 5
# Each process is replaced after this many requests (bounded memory over months).
max_requests = 2000
max_requests_jitter = 200
# Only the proxy on this machine may say the request was HTTPS.
forwarded_allow_ips = "127.0.0.1"
# chiiki writes its own line per request (request id, user, duration, queries: CHIIKI_LOG_FORMAT);
# set CHIIKI_ACCESS_LOG=- for gunicorn's access log as well, in this format (no query strings).
accesslog = os.environ.get("CHIIKI_ACCESS_LOG") or None
access_log_format = '%(h)s %({x-request-id}o)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
loglevel = "info"


def post_worker_init(worker: object) -> None:
    """Once a worker has loaded the application, move every object that exists now (Django,
    the URL patterns, the modules, the schemes …) out of the garbage collector's reach. Without
    this a full collection walks them all every few hundred requests and adds 100–150 ms to
    the unlucky request (API list at 20,000 KPIs: p99 168 → 60 ms; docs/performance.md)."""
    import gc

    gc.freeze()
