"""A throwaway PostgreSQL 15 server for a test session (real server, no mocks).

Usage from a conftest::

    @pytest.fixture(scope="session")
    def postgres_server() -> Iterator[PostgresServer]:
        yield from postgres_server_for_session()

    @pytest.fixture
    def postgres_db(postgres_server: PostgresServer, request) -> Iterator[PostgresServer]:
        yield from fresh_database(postgres_server, request.node.name)

Environment:

* ``CASEWORK_TEST_POSTGRES_URL``: use this existing server instead of starting one.
* ``CASEWORK_PG_BIN``: directory holding initdb/pg_ctl/postgres
  (default ``/usr/lib/postgresql/15/bin``).
* ``CI``: when "true" (any case), a server that cannot be provided fails the tests instead of
  skipping them (see ``tests.support.unavailable``).

The server listens on 127.0.0.1 only, on a free port, with its data directory, unix socket and
log in a fresh directory under /tmp that is removed when the server stops. ``fsync`` and
``synchronous_commit`` stay on: benchmarks run against this server and must measure real,
durable commits. When running as root (initdb refuses to), the server runs as the ``postgres``
OS user through ``runuser``.
"""

from __future__ import annotations

import atexit
import contextlib
import getpass
import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol
from urllib.parse import quote

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from . import unavailable

__all__ = [
    "DEFAULT_PG_BIN",
    "ENV_EXTERNAL_URL",
    "ENV_PG_BIN",
    "ExternalPostgres",
    "PostgresHandle",
    "PostgresServer",
    "PostgresUnavailableError",
    "ThrowawayPostgres",
    "fresh_database",
    "postgres_server_for_session",
    "reap_stale_servers",
    "running_server",
    "server_from_url",
    "start_or_skip",
    "start_server",
    "start_throwaway_server",
]

ENV_PG_BIN = "CASEWORK_PG_BIN"
ENV_EXTERNAL_URL = "CASEWORK_TEST_POSTGRES_URL"
DEFAULT_PG_BIN = "/usr/lib/postgresql/15/bin"

SUPERUSER = "casework"
DEFAULT_DBNAME = "casework"
OS_USER_WHEN_ROOT = "postgres"
LISTEN_HOST = "127.0.0.1"
TEMP_PREFIX = "casework-pg-"
OWNER_PID_FILE = "owner.pid"

START_ATTEMPTS = 5
READY_TIMEOUT_SECONDS = 60.0
COMMAND_TIMEOUT_SECONDS = 120.0
CONNECT_TIMEOUT_SECONDS = 10

_PORT_IN_USE_MARKERS = ("could not bind", "Address already in use", "could not create any TCP")


class PostgresUnavailableError(RuntimeError):
    """The PostgreSQL server could not be started or reached."""


# --------------------------------------------------------------------------------------------
# Connection details
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PostgresServer:
    """Where to reach a PostgreSQL database; ``url``/``dsn`` are ``postgresql://`` URLs."""

    host: str
    port: int
    user: str
    password: str
    dbname: str

    @property
    def url(self) -> str:
        return self.url_for(self.dbname)

    @property
    def dsn(self) -> str:
        """Same as ``url``: psycopg (and libpq) accept URLs as connection strings."""
        return self.url

    def url_for(self, dbname: str) -> str:
        """URL of another database on the same server."""
        credentials = quote(self.user, safe="")
        if self.password:
            credentials += ":" + quote(self.password, safe="")
        database = quote(dbname, safe="")
        if self.host.startswith("/"):  # unix socket directory
            host = quote(self.host, safe="")
            return f"postgresql://{credentials}@/{database}?host={host}&port={self.port}"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"postgresql://{credentials}@{host}:{self.port}/{database}"

    def with_database(self, dbname: str) -> PostgresServer:
        """The same server, another database."""
        return replace(self, dbname=dbname)

    def connect(self, *, autocommit: bool = False) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(
            self.url, autocommit=autocommit, connect_timeout=CONNECT_TIMEOUT_SECONDS
        )

    def create_database(self, name: str) -> str:
        """Create database ``name`` (must not exist yet) and return its URL."""
        with self.connect(autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url_for(name)

    def drop_database(self, name: str) -> None:
        """Drop database ``name`` if it exists, disconnecting any remaining sessions."""
        with self.connect(autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def server_from_url(url: str) -> PostgresServer:
    """Parse a ``postgresql://`` URL (or key=value conninfo) into a ``PostgresServer``."""
    params = conninfo_to_dict(url)
    user = str(params.get("user") or getpass.getuser())
    return PostgresServer(
        host=str(params.get("host") or "localhost"),
        port=int(params.get("port") or 5432),
        user=user,
        password=str(params.get("password") or ""),
        dbname=str(params.get("dbname") or user),
    )


# --------------------------------------------------------------------------------------------
# Handles: something that owns (or merely points at) a running server
# --------------------------------------------------------------------------------------------


class PostgresHandle(Protocol):
    @property
    def server(self) -> PostgresServer: ...

    def stop(self) -> None: ...


@dataclass(frozen=True)
class ExternalPostgres:
    """A server someone else runs (``CASEWORK_TEST_POSTGRES_URL``): never stopped by us."""

    server: PostgresServer

    def stop(self) -> None:
        return None


@dataclass
class ThrowawayPostgres:
    """A server this process started; ``stop()`` shuts it down and deletes all its files."""

    server: PostgresServer
    base_dir: Path
    pg_bin: Path
    startup_seconds: float = 0.0
    _stopped: bool = field(default=False, repr=False)

    @property
    def data_dir(self) -> Path:
        return self.base_dir / "data"

    @property
    def log_file(self) -> Path:
        return self.base_dir / "postgres.log"

    def postmaster_pid(self) -> int | None:
        return _postmaster_pid(self.data_dir)

    def stop(self) -> None:
        """Stop the server (fast shutdown, escalating if needed) and remove its directory."""
        if self._stopped:
            return
        self._stopped = True
        with contextlib.suppress(Exception):
            atexit.unregister(self.stop)
        try:
            _stop_cluster(self.pg_bin, self.data_dir)
        finally:
            shutil.rmtree(self.base_dir, ignore_errors=True)


# --------------------------------------------------------------------------------------------
# Public entry points
# --------------------------------------------------------------------------------------------


def start_server() -> PostgresHandle:
    """The external server from ``CASEWORK_TEST_POSTGRES_URL`` if set, else a throwaway one.

    Raises ``PostgresUnavailableError`` when neither works.
    """
    external_url = os.environ.get(ENV_EXTERNAL_URL, "").strip()
    if external_url:
        return ExternalPostgres(_check_reachable(server_from_url(external_url)))
    return start_throwaway_server()


@contextlib.contextmanager
def running_server() -> Iterator[PostgresServer]:
    """Context manager around ``start_server()`` (for scripts and benchmarks; no pytest rule)."""
    handle = start_server()
    try:
        yield handle.server
    finally:
        handle.stop()


def start_or_skip() -> PostgresHandle:
    """``start_server()`` with the CI rule: skip the test locally, fail it when CI=true."""
    try:
        return start_server()
    except PostgresUnavailableError as error:
        unavailable(f"PostgreSQL test server unavailable: {error}", error)


def postgres_server_for_session() -> Iterator[PostgresServer]:
    """Generator body for a session-scoped fixture: ``yield from postgres_server_for_session()``."""
    handle = start_or_skip()
    try:
        yield handle.server
    finally:
        handle.stop()


def fresh_database(
    server: PostgresServer, prefix: str = "test"
) -> Generator[PostgresServer, None, None]:
    """Generator body for a fixture giving a brand-new, empty database, dropped afterwards."""
    name = _unique_database_name(prefix)
    server.create_database(name)
    try:
        yield server.with_database(name)
    finally:
        server.drop_database(name)


def start_throwaway_server(pg_bin: Path | None = None) -> ThrowawayPostgres:
    """Initialise and start a fresh cluster; raises ``PostgresUnavailableError`` on failure."""
    began = time.monotonic()
    bin_dir = pg_bin or Path(os.environ.get(ENV_PG_BIN) or DEFAULT_PG_BIN)
    _check_binaries(bin_dir)
    _check_os_user()
    reap_stale_servers()
    base_dir = _make_base_dir()
    handle = ThrowawayPostgres(
        server=PostgresServer(LISTEN_HOST, 0, SUPERUSER, "", DEFAULT_DBNAME),
        base_dir=base_dir,
        pg_bin=bin_dir,
    )
    atexit.register(handle.stop)
    try:
        _initdb(bin_dir, handle.data_dir)
        port = _start_on_free_port(bin_dir, base_dir)
        admin = PostgresServer(LISTEN_HOST, port, SUPERUSER, "", "postgres")
        _wait_until_accepting(admin, READY_TIMEOUT_SECONDS)
        admin.create_database(DEFAULT_DBNAME)
    except BaseException:
        handle.stop()
        raise
    handle.server = admin.with_database(DEFAULT_DBNAME)
    handle.startup_seconds = time.monotonic() - began
    return handle


def reap_stale_servers() -> None:
    """Stop and delete throwaway servers whose owning test process has died (e.g. SIGKILL)."""
    for base_dir in Path(_temp_root()).glob(f"{TEMP_PREFIX}*"):
        owner = _read_int(base_dir / OWNER_PID_FILE)
        if owner is None or _process_alive(owner):
            continue
        with contextlib.suppress(Exception):
            _stop_cluster(_bin_dir_from_env(), base_dir / "data", mode="immediate")
        shutil.rmtree(base_dir, ignore_errors=True)


# --------------------------------------------------------------------------------------------
# Start-up steps
# --------------------------------------------------------------------------------------------


def _bin_dir_from_env() -> Path:
    return Path(os.environ.get(ENV_PG_BIN) or DEFAULT_PG_BIN)


def _check_binaries(bin_dir: Path) -> None:
    for name in ("initdb", "pg_ctl", "postgres"):
        if not os.access(bin_dir / name, os.X_OK):
            raise PostgresUnavailableError(
                f"{bin_dir / name} not found or not executable "
                f"(install postgresql-15 or set {ENV_PG_BIN})"
            )


def _running_as_root() -> bool:
    return os.geteuid() == 0


def _check_os_user() -> None:
    if not _running_as_root():
        return
    try:
        pwd.getpwnam(OS_USER_WHEN_ROOT)
    except KeyError:
        raise PostgresUnavailableError(
            f"running as root, but there is no {OS_USER_WHEN_ROOT!r} OS user to run the server "
            "as (initdb refuses to run as root)"
        ) from None


def _temp_root() -> str:
    # A short, world-traversable root: the unix socket path must stay under ~107 bytes and the
    # postgres OS user must be able to reach the directory when we run as root.
    return "/tmp" if os.path.isdir("/tmp") else tempfile.gettempdir()


def _make_base_dir() -> Path:
    base_dir = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX, dir=_temp_root()))
    (base_dir / OWNER_PID_FILE).write_text(f"{os.getpid()}\n")
    (base_dir / "socket").mkdir()
    if _running_as_root():
        account = pwd.getpwnam(OS_USER_WHEN_ROOT)
        for path in (base_dir, base_dir / "socket"):
            os.chown(path, account.pw_uid, account.pw_gid)
    return base_dir


def _as_server_user(command: list[str]) -> list[str]:
    if _running_as_root():
        return ["runuser", "-u", OS_USER_WHEN_ROOT, "--", *command]
    return command


def _run(command: list[str], what: str) -> subprocess.CompletedProcess[str]:
    """Run a PostgreSQL tool as the server's OS user; raise with its output if it fails."""
    env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
    env.pop("PGDATA", None)
    try:
        result = subprocess.run(
            _as_server_user(command),
            capture_output=True,
            text=True,
            env=env,
            cwd="/",
            timeout=COMMAND_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise PostgresUnavailableError(f"{what} failed: {error}") from error
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip()
        raise PostgresUnavailableError(f"{what} failed (exit {result.returncode}):\n{output}")
    return result


def _initdb(bin_dir: Path, data_dir: Path) -> None:
    _run(
        [
            str(bin_dir / "initdb"),
            "--pgdata",
            str(data_dir),
            "--auth=trust",  # throwaway server on loopback + a private socket directory
            f"--username={SUPERUSER}",
            "--encoding=UTF8",
            "--locale=C",
            "--no-instructions",
        ],
        "initdb",
    )


def _server_settings(port: int, socket_dir: Path) -> dict[str, str]:
    """Command-line settings: fast where it is free, but commits stay durable."""
    return {
        "listen_addresses": LISTEN_HOST,
        "port": str(port),
        "unix_socket_directories": str(socket_dir),
        "max_connections": "200",
        "shared_buffers": "128MB",
        # Durability stays exactly as in production: benchmarks measure real commits.
        "fsync": "on",
        "synchronous_commit": "on",
        "full_page_writes": "on",
        # Fewer checkpoints during a short run (does not weaken durability).
        "max_wal_size": "1GB",
        "checkpoint_timeout": "30min",
        # JIT only slows down the small queries tests run.
        "jit": "off",
        "timezone": "UTC",
        "lc_messages": "C",
        "log_min_messages": "warning",
        "log_line_prefix": "%m [%p] ",
    }


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LISTEN_HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def _start_on_free_port(bin_dir: Path, base_dir: Path) -> int:
    """Start the server on a free port, retrying if another process grabs the port first."""
    log_file = base_dir / "postgres.log"
    for _attempt in range(START_ATTEMPTS):
        port = _free_port()
        log_offset = log_file.stat().st_size if log_file.exists() else 0
        try:
            _pg_ctl_start(bin_dir, base_dir, port)
            return port
        except PostgresUnavailableError as error:
            log_tail = _read_from(log_file, log_offset)
            if not any(marker in log_tail for marker in _PORT_IN_USE_MARKERS):
                raise PostgresUnavailableError(f"{error}\nserver log:\n{log_tail}") from error
    raise PostgresUnavailableError(f"no free port after {START_ATTEMPTS} attempts")


def _pg_ctl_start(bin_dir: Path, base_dir: Path, port: int) -> None:
    settings = _server_settings(port, base_dir / "socket")
    options = " ".join(f"-c {shlex.quote(f'{key}={value}')}" for key, value in settings.items())
    _run(
        [
            str(bin_dir / "pg_ctl"),
            "start",
            "--pgdata",
            str(base_dir / "data"),
            "--log",
            str(base_dir / "postgres.log"),
            "--options",
            options,
            "--wait",
            "--timeout",
            str(int(READY_TIMEOUT_SECONDS)),
            "--silent",
        ],
        f"pg_ctl start (port {port})",
    )


def _wait_until_accepting(server: PostgresServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with server.connect() as conn:
                conn.execute("SELECT 1")
            return
        except psycopg.OperationalError as error:
            if time.monotonic() > deadline:
                raise PostgresUnavailableError(
                    f"server on {server.host}:{server.port} not accepting connections "
                    f"after {timeout:.0f}s: {error}"
                ) from error
            time.sleep(0.05)


def _check_reachable(server: PostgresServer) -> PostgresServer:
    try:
        with server.connect() as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as error:
        raise PostgresUnavailableError(
            f"cannot connect to {ENV_EXTERNAL_URL} ({server.host}:{server.port}/"
            f"{server.dbname}): {error}"
        ) from error
    return server


def _unique_database_name(prefix: str) -> str:
    cleaned = re.sub(r"[^a-z0-9_]+", "_", prefix.lower()).strip("_")[:40] or "test"
    return f"{cleaned}_{uuid.uuid4().hex[:12]}"


# --------------------------------------------------------------------------------------------
# Shutdown
# --------------------------------------------------------------------------------------------


def _stop_cluster(bin_dir: Path, data_dir: Path, mode: str = "fast") -> None:
    """Stop the server in ``data_dir``: ``pg_ctl stop`` (then immediate, then SIGKILL)."""
    if _postmaster_pid(data_dir) is None:
        return
    for stop_mode in dict.fromkeys((mode, "immediate")):
        with contextlib.suppress(PostgresUnavailableError):
            _run(
                [
                    str(bin_dir / "pg_ctl"),
                    "stop",
                    "--pgdata",
                    str(data_dir),
                    "--mode",
                    stop_mode,
                    "--wait",
                    "--timeout",
                    "30",
                    "--silent",
                ],
                f"pg_ctl stop -m {stop_mode}",
            )
            return
    pid = _postmaster_pid(data_dir)
    if pid is not None and _process_alive(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _postmaster_pid(data_dir: Path) -> int | None:
    return _read_int(data_dir / "postmaster.pid")


# --------------------------------------------------------------------------------------------
# Small file and process helpers
# --------------------------------------------------------------------------------------------


def _read_int(path: Path) -> int | None:
    """The integer on the first line of ``path``, or None if missing or unreadable."""
    try:
        first_line = path.read_text().splitlines()[0]
        return int(first_line.strip())
    except (OSError, IndexError, ValueError):
        return None


def _read_from(path: Path, offset: int) -> str:
    try:
        with path.open("rb") as stream:
            stream.seek(offset)
            return stream.read().decode("utf-8", errors="replace")
    except OSError:
        return ""


def _process_alive(pid: int) -> bool:
    """True if ``pid`` runs; a zombie (dead, waiting for its parent or init to reap it) is not."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return not _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    # Format: "pid (comm) state ..."; comm may contain spaces and parentheses.
    return stat.rpartition(")")[2].split()[:1] == ["Z"]
