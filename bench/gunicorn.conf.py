# gunicorn for `make bench`: the production shape (pishkhan.wsgi, DEBUG off, hashed static files)
# on loopback. run.sh sets the port, the worker class, the workers and threads (see README.md).
import os

bind = f"127.0.0.1:{os.environ.get('BENCH_APP_PORT', '58001')}"
worker_class = os.environ.get("BENCH_WORKER_CLASS", "sync")
workers = int(os.environ.get("BENCH_WORKERS", "4"))
threads = int(os.environ.get("BENCH_THREADS", "1"))
backlog = 2048
keepalive = 5
timeout = 120
preload_app = True
accesslog = None
loglevel = "warning"
pidfile = os.environ.get("BENCH_GUNICORN_PID")
