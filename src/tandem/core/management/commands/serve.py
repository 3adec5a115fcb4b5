"""`tandem serve [--host H] [--port P] [--workers N] [--no-worker]`: run Tandem under gunicorn.

Gunicorn runs in this process (no separate config file or command line), with Tandem's WSGI
application; whitenoise serves the static files from the installed packages, so nothing else
is needed in front of it on one machine. A `tandem worker` process runs beside it for the
background work, unless `--no-worker` says another machine runs it.
"""

import subprocess
import sys
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from gunicorn.app.base import BaseApplication

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_WORKERS = 2


class TandemServer(BaseApplication):  # type: ignore[misc]
    """Gunicorn configured from keyword options instead of its own command line."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            # Skip settings this gunicorn does not know (the control socket came in 25.1).
            if key in self.cfg.settings:
                self.cfg.set(key, value)

    def load(self) -> Any:
        # Imported here, in each worker, after Django is set up.
        from tandem.wsgi import application

        return application


def bind_address(host: str, port: int) -> str:
    """`host:port` as gunicorn takes it; an IPv6 address goes in brackets."""
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"{host}:{port}"


def start_background_worker() -> subprocess.Popen[bytes]:
    """`tandem worker` in a process of its own, with this process's settings."""
    return subprocess.Popen([sys.executable, "-m", "tandem.cli", "worker"])


def serve(*, host: str, port: int, workers: int, with_worker: bool = True) -> None:
    """Serve until interrupted."""
    # Workers are forked from this process: none may inherit its database connections.
    connections.close_all()
    background = start_background_worker() if with_worker else None
    try:
        _run_gunicorn(host=host, port=port, workers=workers)
    finally:
        if background is not None:
            background.terminate()
            background.wait(timeout=30)


def _run_gunicorn(*, host: str, port: int, workers: int) -> None:
    TandemServer(
        {
            "bind": bind_address(host, port),
            "workers": workers,
            "accesslog": "-",
            # Gunicorn's default names the Basic-auth user, which for tracking calls is the
            # source's write key: a secret that has no place in a log.
            "access_log_format": '%(h)s %(l)s - %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"',
            "errorlog": "-",
            "proc_name": "tandem",
            "timeout": settings.REQUEST_TIMEOUT_SECONDS,
            # No control socket in the home directory: a second server would fight over it.
            "control_socket_disable": True,
        }
    ).run()


class Command(BaseCommand):
    help = "Serve Tandem over HTTP with gunicorn (default http://127.0.0.1:8000, 2 workers)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default=DEFAULT_HOST, help="Address to listen on.")
        parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="Port to listen on.")
        parser.add_argument(
            "--workers", type=int, default=DEFAULT_WORKERS, help="Web worker processes."
        )
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="Do not start `tandem worker` beside the server (run it elsewhere).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["workers"] < 1:
            raise CommandError("--workers must be at least 1.")
        host, port = options["host"], options["port"]
        self.stdout.write(f"Serving Tandem at http://{bind_address(host, port)}/ (Ctrl-C stops).")
        self.stdout.flush()
        serve(
            host=host,
            port=port,
            workers=options["workers"],
            with_worker=not options["no_worker"],
        )
