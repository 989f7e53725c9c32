"""Session fixture: a throwaway PostgreSQL server for the engine tests, started and stopped by the tests.

Debian's postgresql package (make test installs it: `make postgres`) provides initdb and pg_ctl under
/usr/lib/postgresql/<version>/bin. The cluster lives in a temporary folder, listens on localhost only, on
a free port, trusts local connections (nothing else can reach it), and is stopped at the end of the
session. PostgreSQL refuses to run as root: as root the server runs as the `postgres` system user the
package creates. The database is created with code-point collation (C) and a UTF-8 ctype, as the README
asks of a production database. Without PostgreSQL installed the engine tests are skipped, saying why.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

DATABASE = "branch_retention"


def postgres_bin_dir() -> Path | None:
    """The newest installed PostgreSQL server's bin folder, or None."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                        key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0)
    if candidates:
        return Path(candidates[-1]).parent
    found = shutil.which("initdb")
    return Path(found).resolve().parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_server_user(args: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return args
    return ["runuser", "-u", "postgres", "--", *args]


@pytest.fixture(scope="session")
def postgres_server():
    """Environment variables (BRANCH_RETENTION_PG_*) that point the project at a fresh PostgreSQL server."""
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        pytest.skip("PostgreSQL is not installed (make postgres installs Debian's postgresql)")
    if os.geteuid() == 0:
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no postgres user to run the server as")
    # its own folder under the system temp dir: pytest's are private to the user running the tests
    import tempfile

    root = Path(tempfile.mkdtemp(prefix="branch-retention-pg-"))
    data = root / "data"
    log = root / "server.log"
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    port = _free_port()
    init = subprocess.run(_as_server_user([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres",
                                           "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"]),
                          capture_output=True, text=True, timeout=120)
    if init.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"initdb failed: {init.stderr[-2000:]}")
    options = f"-c listen_addresses=localhost -p {port} -k {root} -c fsync=off -c synchronous_commit=off"
    start = subprocess.run(_as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l",
                                            str(log), "-w", "-t", "60", "start"]),
                           capture_output=True, text=True, timeout=120)
    if start.returncode != 0:
        server_log = log.read_text()[-2000:] if log.exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"PostgreSQL did not start: {start.stderr[-1000:]} {server_log}")
    env = {
        "BRANCH_RETENTION_PG_HOST": "localhost",
        "BRANCH_RETENTION_PG_PORT": str(port),
        "BRANCH_RETENTION_PG_USER": "postgres",
        "BRANCH_RETENTION_PG_PASSWORD": "",
        "BRANCH_RETENTION_PG_DB": DATABASE,
    }
    try:
        import psycopg2

        deadline = time.monotonic() + 30
        while True:
            try:
                admin = psycopg2.connect(host="localhost", port=port, user="postgres", dbname="postgres")
                break
            except psycopg2.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        admin.autocommit = True
        with admin.cursor() as cur:
            cur.execute(f"CREATE DATABASE {DATABASE} TEMPLATE template0 ENCODING 'UTF8' "
                        "LC_COLLATE 'C' LC_CTYPE 'C.UTF-8'")
        admin.close()
        yield env
    finally:
        subprocess.run(_as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
                       capture_output=True, timeout=120)
        shutil.rmtree(root, ignore_errors=True)
