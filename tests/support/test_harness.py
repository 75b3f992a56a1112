"""Tests of the test harness itself: a real PostgreSQL server and a real headless Chromium."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from urllib.parse import quote

import psycopg
import pytest

from . import RequiredInfrastructureMissingError
from .browser import ENV_CHROMIUM, launch_browser
from .postgres_server import (
    ENV_EXTERNAL_URL,
    ENV_PG_BIN,
    OWNER_PID_FILE,
    ExternalPostgres,
    PostgresHandle,
    PostgresServer,
    ThrowawayPostgres,
    fresh_database,
    reap_stale_servers,
    server_from_url,
    start_or_skip,
    start_throwaway_server,
)


@pytest.fixture(scope="module")
def pg_handle() -> Iterator[PostgresHandle]:
    handle = start_or_skip()
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture(scope="module")
def pg(pg_handle: PostgresHandle) -> PostgresServer:
    return pg_handle.server


@pytest.fixture
def own_pg(pg_handle: PostgresHandle) -> ThrowawayPostgres:
    if not isinstance(pg_handle, ThrowawayPostgres):
        pytest.skip(f"{ENV_EXTERNAL_URL} is set: checks of our own server's configuration skipped")
    return pg_handle


@pytest.fixture
def throwaway() -> Iterator[ThrowawayPostgres]:
    """A second, private server for tests that stop or kill it."""
    handle = start_or_skip()
    if not isinstance(handle, ThrowawayPostgres):
        pytest.skip(f"{ENV_EXTERNAL_URL} is set: no throwaway server to stop")
    try:
        yield handle
    finally:
        handle.stop()


def _scalar(server: PostgresServer, query: str) -> object:
    with server.connect() as conn:
        row = conn.execute(query).fetchone()
    assert row is not None
    return row[0]


def _accepts_connections(server: PostgresServer) -> bool:
    try:
        with psycopg.connect(server.url, connect_timeout=2):
            return True
    except psycopg.OperationalError:
        return False


def _launch_browser_expecting_failure() -> None:
    with launch_browser():
        pytest.fail("the browser should not have launched")


def _process_running(pid: int) -> bool:
    """True if ``pid`` exists and is not a zombie waiting to be reaped by init."""
    state = subprocess.run(
        ["ps", "-p", str(pid), "-o", "stat="], capture_output=True, text=True, check=False
    ).stdout.strip()
    return state != "" and not state.startswith("Z")


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


# ---- PostgreSQL --------------------------------------------------------------------------


@pytest.mark.postgres
def test_server_stores_and_returns_a_row(pg: PostgresServer) -> None:
    with psycopg.connect(pg.url) as conn:
        conn.execute("CREATE TABLE harness_note (id int PRIMARY KEY, body text NOT NULL)")
        conn.execute("INSERT INTO harness_note VALUES (%s, %s)", (1, "ünïcode ✓"))
    with psycopg.connect(pg.dsn) as conn:
        rows = conn.execute("SELECT id, body FROM harness_note").fetchall()
        conn.execute("DROP TABLE harness_note")
    assert rows == [(1, "ünïcode ✓")]


@pytest.mark.postgres
def test_commits_are_durable(pg: PostgresServer) -> None:
    assert _scalar(pg, "SHOW fsync") == "on"
    assert _scalar(pg, "SHOW synchronous_commit") == "on"
    assert _scalar(pg, "SHOW full_page_writes") == "on"


@pytest.mark.postgres
def test_own_server_listens_only_on_loopback(own_pg: ThrowawayPostgres) -> None:
    server = own_pg.server
    assert server.host == "127.0.0.1"
    assert _scalar(server, "SHOW listen_addresses") == "127.0.0.1"
    assert _scalar(server, "SHOW max_connections") == "200"
    assert _scalar(server, "SHOW server_encoding") == "UTF8"
    assert str(_scalar(server, "SHOW server_version")).startswith("15.")
    assert str(_scalar(server, "SHOW unix_socket_directories")).startswith(str(own_pg.base_dir))


@pytest.mark.postgres
def test_databases_are_isolated(pg: PostgresServer) -> None:
    suffix = uuid.uuid4().hex[:8]
    first_name, second_name = f"harness_first_{suffix}", f"harness_second_{suffix}"
    first_url = pg.create_database(first_name)
    second_url = pg.create_database(second_name)
    try:
        with psycopg.connect(first_url) as conn:
            conn.execute("CREATE TABLE only_here (n int)")
            conn.execute("INSERT INTO only_here VALUES (42)")
        with psycopg.connect(second_url) as conn:
            found = conn.execute("SELECT to_regclass('public.only_here')").fetchone()
            database = conn.execute("SELECT current_database()").fetchone()
        assert found == (None,)
        assert database == (second_name,)
        assert _scalar(pg.with_database(first_name), "SELECT n FROM only_here") == 42
        assert _scalar(pg, "SELECT to_regclass('public.only_here')") is None
    finally:
        pg.drop_database(first_name)
        pg.drop_database(second_name)
    query = f"SELECT count(*) FROM pg_database WHERE datname LIKE '%\\_{suffix}'"
    assert _scalar(pg, query) == 0


@pytest.mark.postgres
def test_fresh_database_is_empty_and_dropped_afterwards(pg: PostgresServer) -> None:
    databases = fresh_database(pg, "Test Harness[param-1]")
    db = next(databases)
    assert db.dbname.startswith("test_harness_param_1_")
    assert _scalar(db, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == 0
    session = db.connect(autocommit=True)  # a session left open must not block the drop
    session.execute("CREATE TABLE leftover (n int)")
    databases.close()
    with pytest.raises(psycopg.OperationalError):
        session.execute("SELECT * FROM leftover")
    session.close()
    query = f"SELECT count(*) FROM pg_database WHERE datname = '{db.dbname}'"
    assert _scalar(pg, query) == 0


@pytest.mark.postgres
def test_stop_shuts_the_server_down_and_deletes_its_files(throwaway: ThrowawayPostgres) -> None:
    pid = throwaway.postmaster_pid()
    assert pid is not None
    assert _accepts_connections(throwaway.server)
    throwaway.stop()
    throwaway.stop()  # idempotent
    assert not throwaway.base_dir.exists()
    assert not _accepts_connections(throwaway.server)
    assert not _process_running(pid)


@pytest.mark.postgres
def test_servers_left_by_a_dead_test_process_are_reaped(throwaway: ThrowawayPostgres) -> None:
    (throwaway.base_dir / OWNER_PID_FILE).write_text(f"{_dead_pid()}\n")
    reap_stale_servers()
    assert not throwaway.base_dir.exists()
    assert not _accepts_connections(throwaway.server)


@pytest.mark.postgres
def test_external_url_is_used_and_never_stopped(
    own_pg: ThrowawayPostgres, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_EXTERNAL_URL, own_pg.server.url)
    handle = start_or_skip()
    assert handle == ExternalPostgres(own_pg.server)
    handle.stop()
    assert _accepts_connections(own_pg.server)


# ---- The CI rule and URL handling (no server needed) -------------------------------------


def test_missing_postgres_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_EXTERNAL_URL, raising=False)
    monkeypatch.setenv(ENV_PG_BIN, "/nonexistent/pg/bin")
    monkeypatch.setenv("CI", "True")
    with pytest.raises(RequiredInfrastructureMissingError, match="initdb not found"):
        start_or_skip()


def test_missing_postgres_skips_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_EXTERNAL_URL, raising=False)
    monkeypatch.setenv(ENV_PG_BIN, "/nonexistent/pg/bin")
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception, match="PostgreSQL test server unavailable"):
        start_or_skip()


def test_missing_chromium_fails_in_ci_and_skips_outside(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_CHROMIUM, "/nonexistent/chromium")
    monkeypatch.setenv("CI", "TRUE")
    with pytest.raises(RequiredInfrastructureMissingError, match="/nonexistent/chromium"):
        _launch_browser_expecting_failure()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="headless Chromium unavailable"):
        _launch_browser_expecting_failure()


def test_unreachable_external_server_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_EXTERNAL_URL, "postgresql://nobody@127.0.0.1:1/none")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(RequiredInfrastructureMissingError, match="cannot connect"):
        start_or_skip()


def test_urls_quote_credentials_and_parse_back() -> None:
    server = PostgresServer("127.0.0.1", 5433, "case worker", "p@ss:/word", "db one")
    assert server.url == "postgresql://case%20worker:p%40ss%3A%2Fword@127.0.0.1:5433/db%20one"
    assert server.dsn == server.url
    assert server_from_url(server.url) == server
    socket_server = PostgresServer("/tmp/sock dir", 5432, "casework", "", "casework")
    assert server_from_url(socket_server.url) == socket_server


def test_bad_pg_bin_is_reported_by_start_throwaway_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(ENV_PG_BIN, "/nonexistent/pg/bin")
    with pytest.raises(RuntimeError, match=ENV_PG_BIN):
        start_throwaway_server()


# ---- Chromium ----------------------------------------------------------------------------


@pytest.mark.browser
def test_headless_chromium_renders_a_page() -> None:
    html = "<!doctype html><title>Harness</title><h1 id='greeting'>Casework harness ✓</h1>"
    with launch_browser() as browser:
        page = browser.new_page()
        page.goto(f"data:text/html;charset=utf-8,{quote(html)}")
        heading = page.locator("h1#greeting").inner_text()
        title = page.title()
        page.close()
    assert heading == "Casework harness ✓"
    assert title == "Harness"
