"""A throw-away PostgreSQL cluster for the test suite: initdb + pg_ctl in a temporary directory.

`pytest --postgres` (see tests/conftest.py) starts one cluster per test session and points
Django's default database at it. Nothing is assumed about the machine beyond the PostgreSQL
server binaries (Debian: package `postgresql`): no running server, no system cluster, no
passwords. The cluster listens on 127.0.0.1 on a free port and on a Unix socket inside its own
temporary directory, runs with fsync off (it is thrown away anyway) and is stopped and deleted
when the session ends.

Clean-up happens on three levels, so no postgres process outlives the tests:
1. `Cluster.stop()`, called from `pytest_unconfigure`;
2. an `atexit` handler and a SIGTERM handler, for crashes and interrupted runs;
3. a small watchdog process that waits on a pipe from this process. When this process dies in
   any way (even SIGKILL) the pipe closes and the watchdog stops the cluster and deletes it.

PostgreSQL refuses to run as root. When we are root (as in CI), initdb, pg_ctl and the server
run as the unprivileged `postgres` system user (or `nobody` if that does not exist); the
temporary directory is handed over to that user. Otherwise everything runs as the current user.

This module imports only the standard library at module level, because the watchdog runs it as
a script: `python tests/pg.py --watchdog <pg_ctl> <data dir> <temp dir>`.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SUPERUSER = "digilotse"
DATABASE = "digilotse"
UNPRIVILEGED_USERS = ("postgres", "nobody")


class PostgresUnavailable(RuntimeError):
    """The PostgreSQL server binaries are missing or the cluster did not start."""


def find_bindir() -> Path:
    """The directory holding initdb, pg_ctl and postgres: the newest /usr/lib/postgresql/N/bin
    (Debian puts them there, off PATH), else wherever `initdb` is on PATH."""

    def version(path: str) -> tuple[int, ...]:
        match = re.search(r"/postgresql/([\d.]+)/bin", path)
        return tuple(int(p) for p in match.group(1).split(".")) if match else (0,)

    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=version, reverse=True)
    candidates += [p for p in [shutil.which("initdb")] if p]
    for initdb in candidates:
        bindir = Path(initdb).parent
        if all(os.access(bindir / tool, os.X_OK) for tool in ("initdb", "pg_ctl", "postgres")):
            return bindir
    raise PostgresUnavailable(
        "PostgreSQL-Serverprogramme (initdb, pg_ctl) nicht gefunden – "
        "Debian: `apt-get install postgresql` (oder `make system-deps`)."
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run_as() -> pwd.struct_passwd | None:
    """The user the server runs as when we are root; None when we can run it ourselves."""
    if os.geteuid() != 0:
        return None
    for name in UNPRIVILEGED_USERS:
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise PostgresUnavailable(
        "Als root läuft PostgreSQL nur unter einem unprivilegierten Benutzer; "
        f"keiner von {', '.join(UNPRIVILEGED_USERS)} existiert."
    )


def _chown_tree(path: Path, account: pwd.struct_passwd) -> None:
    os.chown(path, account.pw_uid, account.pw_gid)
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            os.chown(os.path.join(root, name), account.pw_uid, account.pw_gid)


@dataclass
class Cluster:
    bindir: Path
    tmpdir: Path
    port: int
    account: pwd.struct_passwd | None
    _watchdog: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    _watchdog_fd: int = field(default=-1, repr=False)
    _stopped: bool = field(default=False, repr=False)

    @property
    def datadir(self) -> Path:
        return self.tmpdir / "data"

    @property
    def socket_dir(self) -> Path:
        return self.tmpdir / "socket"

    @property
    def logfile(self) -> Path:
        return self.tmpdir / "postgres.log"

    def _cmd(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        kwargs: dict[str, Any] = {}
        if self.account is not None:
            # Drop root for this child only (setuid/setgid after fork, like `runuser -u`).
            kwargs = {
                "user": self.account.pw_uid,
                "group": self.account.pw_gid,
                "extra_groups": [],
            }
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "HOME": str(self.tmpdir),
        }
        return subprocess.run(  # noqa: S603 - fixed argument list, no shell
            [str(self.bindir / tool), *args],
            cwd=self.tmpdir,  # a directory the server user can read (root's cwd may not be)
            env=env,
            capture_output=True,
            text=True,
            check=check,
            timeout=120,
            # Own session: Ctrl-C on the test run must not reach the postmaster before our
            # teardown has dropped the test database.
            start_new_session=True,
            **kwargs,
        )

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.logfile.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def start(self) -> None:
        self.socket_dir.mkdir()
        if self.account is not None:
            _chown_tree(self.tmpdir, self.account)
        try:
            self._cmd(
                "initdb",
                "--pgdata",
                str(self.datadir),
                "--username",
                SUPERUSER,
                "--auth",
                "trust",
                "--encoding",
                "UTF8",
                "--locale",
                "C.UTF-8",
                "--no-sync",
            )
        except subprocess.CalledProcessError as exc:
            raise PostgresUnavailable(
                f"initdb ist fehlgeschlagen:\n{exc.stdout}\n{exc.stderr}"
            ) from exc
        options = " ".join(
            [
                "-c listen_addresses=127.0.0.1",
                f"-c port={self.port}",
                f"-c unix_socket_directories={self.socket_dir}",
                "-c fsync=off",
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
                "-c max_connections=50",
                "-c shared_buffers=32MB",
            ]
        )
        result = self._cmd(
            "pg_ctl",
            "start",
            "--pgdata",
            str(self.datadir),
            "--log",
            str(self.logfile),
            "--wait",
            "--timeout",
            "60",
            "-o",
            options,
            check=False,
        )
        if result.returncode != 0:
            raise PostgresUnavailable(
                f"pg_ctl start ist fehlgeschlagen (Port {self.port}):\n"
                f"{result.stdout}{result.stderr}\n{self.log_tail()}"
            )

    def create_database(self, name: str = DATABASE) -> None:
        import psycopg  # only needed in the parent process, not in the watchdog

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user=SUPERUSER, dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')

    def start_watchdog(self) -> None:
        """A child that stops the cluster as soon as this process is gone, however it died."""
        read_end, write_end = os.pipe()
        self._watchdog = subprocess.Popen(  # noqa: S603 - our own interpreter and file
            [
                sys.executable,
                os.path.abspath(__file__),
                "--watchdog",
                str(self.bindir),
                str(self.tmpdir),
                str(self.account.pw_name if self.account else ""),
            ],
            stdin=read_end,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            close_fds=True,
        )
        os.close(read_end)
        # Keep the write end open (and not inherited) for our whole lifetime.
        os.set_inheritable(write_end, False)
        self._watchdog_fd = write_end

    def settings(self, name: str = DATABASE) -> dict[str, Any]:
        """A Django DATABASES entry for this cluster."""
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": SUPERUSER,
            "PASSWORD": "",
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "CONN_MAX_AGE": 0,
            "CONN_HEALTH_CHECKS": False,
            "ATOMIC_REQUESTS": False,
            "AUTOCOMMIT": True,
            "OPTIONS": {},
            "TIME_ZONE": None,
            "TEST": {"NAME": f"test_{name}"},
        }

    def stop(self) -> None:
        """Stop the server (immediately: the data is thrown away) and delete the directory."""
        if self._stopped:
            return
        self._stopped = True
        if self.datadir.exists():
            self._cmd(
                "pg_ctl",
                "stop",
                "--pgdata",
                str(self.datadir),
                "--mode",
                "immediate",
                "--wait",
                "--timeout",
                "30",
                check=False,
            )
        shutil.rmtree(self.tmpdir, ignore_errors=True)
        if self._watchdog is not None:
            # Closing the pipe wakes the watchdog; it finds nothing left to do and exits.
            with contextlib.suppress(OSError):
                os.close(self._watchdog_fd)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._watchdog.wait(timeout=10)


def start_cluster(attempts: int = 3) -> Cluster:
    """Start a fresh cluster with an empty database `digilotse`; it is cleaned up at exit."""
    bindir = find_bindir()
    account = _run_as()
    last_error: Exception | None = None
    for _ in range(attempts):
        tmpdir = Path(tempfile.mkdtemp(prefix="digilotse-pg-"))
        cluster = Cluster(bindir=bindir, tmpdir=tmpdir, port=free_port(), account=account)
        atexit.register(cluster.stop)
        _stop_on_sigterm(cluster)
        try:
            cluster.start()
            cluster.start_watchdog()
            cluster.create_database()
            return cluster
        except Exception as exc:  # e.g. the free port was taken in between: try another
            last_error = exc
            cluster.stop()
    raise PostgresUnavailable(f"PostgreSQL-Testcluster startet nicht: {last_error}")


def _stop_on_sigterm(cluster: Cluster) -> None:
    """SIGTERM normally ends Python without atexit; stop the cluster first, then die as usual."""
    previous = signal.getsignal(signal.SIGTERM)

    def handler(signum: int, frame: Any) -> None:
        cluster.stop()
        if callable(previous):
            previous(signum, frame)
        elif previous != signal.SIG_IGN:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTERM)

    with contextlib.suppress(ValueError):  # not in the main thread: rely on atexit + watchdog
        signal.signal(signal.SIGTERM, handler)


def _watchdog_main(bindir: str, tmpdir: str, username: str) -> None:
    """Block until the parent's pipe closes, then stop and delete the cluster if still there."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the run's Ctrl-C is for the parent
    while sys.stdin.buffer.read(4096):
        pass
    # A parent that ended normally has already stopped and deleted the cluster before its pipe
    # closed (atexit runs while the process, and so the pipe, is still alive).
    if not Path(tmpdir).exists():
        return
    account = pwd.getpwnam(username) if username else None
    cluster = Cluster(bindir=Path(bindir), tmpdir=Path(tmpdir), port=0, account=account)
    cluster.stop()


if __name__ == "__main__" and len(sys.argv) == 5 and sys.argv[1] == "--watchdog":
    _watchdog_main(*sys.argv[2:])
