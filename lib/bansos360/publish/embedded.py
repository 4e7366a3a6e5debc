"""An embedded local PostgreSQL cluster for ``make demo`` and the tests (when ``BANSOS_PG_URL`` is unset).

The cluster lives in a project folder (``$BANSOS_PG_DATA``, default ``./.pgdata``) and is created
with the machine's own PostgreSQL binaries (``initdb``, ``pg_ctl``; found on ``PATH`` or in
``/usr/lib/postgresql/<version>/bin``, newest first; ``$BANSOS_PG_BIN`` wins over both):

* superuser ``postgres``, database ``bansos360``;
* ``trust`` authentication for local (unix-socket) connections only, ``scram-sha-256`` for TCP
  (no password is set, so TCP logins need one set by hand first);
* the unix socket in the data folder itself (or in a short folder under ``/tmp`` when the data
  folder path is too long for a socket path), TCP on ``localhost`` only, port ``$BANSOS_PG_PORT``
  (default 54329) or the next free one when that port is taken;
* :meth:`EmbeddedPostgres.start` is idempotent: a running cluster is reused.

Running as root: PostgreSQL refuses to run as root. The data folder is then owned by, and
``initdb``/``pg_ctl`` run as, an unprivileged OS user: ``$BANSOS_PG_OS_USER``, else ``postgres``
(created by the Debian/Ubuntu ``postgresql`` package), else ``nobody``. That user must be able to
reach the data folder (every parent folder executable for it); the error says so when not.
Clients (this process, running as root) can always reach the socket.

    >>> pg = EmbeddedPostgres()          # doctest: +SKIP
    >>> pg.start(); pg.url()             # doctest: +SKIP
    'postgresql://postgres@/bansos360?host=/work/main/.pgdata&port=54329'
"""

from __future__ import annotations

import glob
import logging
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from bansos360.errors import BansosError

log = logging.getLogger(__name__)

DEFAULT_PORT = 54329
DEFAULT_DB = "bansos360"
SUPERUSER = "postgres"
INSTALL_HINT = "install PostgreSQL (15+): apt-get install -y postgresql  (or set BANSOS_PG_BIN to its bin folder)"
# sun_path is 108 bytes on Linux; ".s.PGSQL.<port>.lock" is the longest file PostgreSQL puts there.
_MAX_SOCKET_DIR = 107 - len("/.s.PGSQL.65535.lock")


class EmbeddedPostgresError(BansosError):
    """The embedded PostgreSQL cluster cannot be found, created, started or stopped."""


def find_bin_dir() -> Path:
    """Folder with ``initdb``, ``pg_ctl`` and ``postgres``: ``$BANSOS_PG_BIN``, PATH, then
    ``/usr/lib/postgresql/*/bin`` (newest version first). Raises :class:`EmbeddedPostgresError`."""
    candidates: list[Path] = []
    if os.environ.get("BANSOS_PG_BIN"):
        candidates.append(Path(os.environ["BANSOS_PG_BIN"]))
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(os.path.realpath(on_path)).parent)

    def version_key(p: str):
        v = Path(p).parent.name
        return tuple(int(x) for x in v.split(".") if x.isdigit())

    candidates += [Path(p).parent for p in sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                                                  key=lambda p: version_key(str(Path(p).parent)), reverse=True)]
    for d in candidates:
        if all((d / exe).is_file() and os.access(d / exe, os.X_OK) for exe in ("initdb", "pg_ctl", "postgres")):
            return d
    tried = ", ".join(str(d) for d in candidates) or "PATH and /usr/lib/postgresql/*/bin"
    raise EmbeddedPostgresError(f"PostgreSQL server binaries (initdb, pg_ctl, postgres) not found (looked in {tried}); "
                                f"{INSTALL_HINT}")


def _port_free(port: int) -> bool:
    for family, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
        try:
            with socket.socket(family, socket.SOCK_STREAM) as s:
                s.bind((host, port))
        except OSError as exc:
            if family == socket.AF_INET6 and exc.errno in (97, 99):  # no IPv6 on this host
                continue
            return False
    return True


def free_port(preferred: int) -> int:
    """``preferred`` when it is free on localhost, else the next free port above it."""
    for port in range(preferred, min(preferred + 200, 65535)):
        if _port_free(port):
            return port
    with socket.socket() as s:  # let the kernel choose
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class _RunAs:
    """Who runs initdb/pg_ctl: None = this process' user, else an unprivileged account (we are root)."""

    user: str | None = None
    uid: int | None = None
    gid: int | None = None

    @classmethod
    def choose(cls) -> _RunAs:
        if os.geteuid() != 0:
            return cls()
        names = [os.environ["BANSOS_PG_OS_USER"]] if os.environ.get("BANSOS_PG_OS_USER") else ["postgres", "nobody"]
        for name in names:
            try:
                pw = pwd.getpwnam(name)
            except KeyError:
                continue
            if pw.pw_uid != 0:
                return cls(name, pw.pw_uid, pw.pw_gid)
        raise EmbeddedPostgresError(f"running as root and none of the OS users {names} exists to run PostgreSQL "
                                    "(it refuses root); create one or set BANSOS_PG_OS_USER, or run as a normal user")

    def kwargs(self) -> dict:
        if self.user is None:
            return {}
        return {"user": self.uid, "group": self.gid, "extra_groups": []}


class EmbeddedPostgres:
    """A PostgreSQL cluster in a project folder. ``data_dir``: ``$BANSOS_PG_DATA`` or ``./.pgdata``;
    ``port``: ``$BANSOS_PG_PORT`` or 54329 (the next free port when taken); ``settings``: extra
    ``postgresql.conf`` settings written at ``initdb`` (e.g. ``{"fsync": "off"}`` for tests)."""

    def __init__(self, data_dir: str | Path | None = None, port: int | None = None, database: str = DEFAULT_DB,
                 settings: dict[str, str] | None = None):
        self.data_dir = Path(data_dir or os.environ.get("BANSOS_PG_DATA") or ".pgdata").resolve()
        self.port = int(port or os.environ.get("BANSOS_PG_PORT") or DEFAULT_PORT)
        self.database = database
        self.settings = dict(settings or {})
        self._bin: Path | None = None
        self._run_as: _RunAs | None = None

    # ------------------------------------------------------------------ helpers
    @property
    def bin_dir(self) -> Path:
        if self._bin is None:
            self._bin = find_bin_dir()
        return self._bin

    @property
    def run_as(self) -> _RunAs:
        if self._run_as is None:
            self._run_as = _RunAs.choose()
        return self._run_as

    @property
    def log_file(self) -> Path:
        return self.data_dir / "server.log"

    def _socket_dir(self) -> Path:
        if len(str(self.data_dir)) <= _MAX_SOCKET_DIR:
            return self.data_dir
        import hashlib

        short = Path(tempfile.gettempdir()) / f"bansos-pg-{hashlib.sha1(str(self.data_dir).encode()).hexdigest()[:10]}"
        return short

    def _run(self, exe: str, *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
        cmd = [str(self.bin_dir / exe), *args]
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env.update(LC_ALL="C", LANG="C")
        try:
            res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env,
                                 cwd="/", **self.run_as.kwargs())
        except subprocess.TimeoutExpired as exc:
            raise EmbeddedPostgresError(f"{exe} timed out after {timeout:.0f} s; see {self.log_file}") from exc
        if check and res.returncode != 0:
            out = (res.stderr.strip() or res.stdout.strip()).splitlines()[-6:]
            tail = self._log_tail()
            raise EmbeddedPostgresError(f"{exe} {' '.join(args[:2])} failed ({res.returncode}): {' | '.join(out)}"
                                        + (f"\nserver log ({self.log_file}):\n{tail}" if tail else ""))
        return res

    def _log_tail(self, n: int = 15) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def _pidfile(self) -> list[str] | None:
        """Lines of postmaster.pid (pid, data dir, start time, port, socket dir, listen, ...), or None."""
        try:
            return (self.data_dir / "postmaster.pid").read_text().splitlines()
        except OSError:
            return None

    # ------------------------------------------------------------------ state
    def initialized(self) -> bool:
        return (self.data_dir / "PG_VERSION").is_file()

    def running(self) -> bool:
        """True when the cluster's postmaster is alive (``pg_ctl status``)."""
        if not self.initialized():
            return False
        return self._run("pg_ctl", "status", "-D", str(self.data_dir), check=False).returncode == 0

    def _live_port(self) -> int:
        lines = self._pidfile()
        if lines and len(lines) > 3 and lines[3].strip().isdigit():
            return int(lines[3])
        return self.port

    def _live_socket_dir(self) -> str:
        lines = self._pidfile()
        if lines and len(lines) > 4 and lines[4].strip():
            return lines[4].strip()
        return str(self._socket_dir())

    def url(self, database: str | None = None) -> str:
        """libpq URL (unix socket, superuser ``postgres``) of the running cluster."""
        db = database or self.database
        return (f"postgresql://{SUPERUSER}@/{quote(db)}?host={quote(self._live_socket_dir(), safe='/')}"
                f"&port={self._live_port()}")

    def status(self) -> dict:
        return {"data_dir": str(self.data_dir), "initialized": self.initialized(), "running": self.running(),
                "url": self.url() if self.running() else None, "log": str(self.log_file)}

    # ------------------------------------------------------------------ lifecycle
    def init(self) -> None:
        """``initdb`` the data folder (no-op when already initialized)."""
        if self.initialized():
            return
        self.bin_dir  # noqa: B018 - fail on missing binaries before touching the filesystem
        if self.data_dir.exists() and any(self.data_dir.iterdir()):
            raise EmbeddedPostgresError(f"{self.data_dir} exists, is not empty and is not a PostgreSQL cluster; "
                                        "remove it or set BANSOS_PG_DATA to another folder")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        ra = self.run_as
        if ra.user is not None:
            os.chown(self.data_dir, ra.uid, ra.gid)
            probe = subprocess.run(["/bin/sh", "-c", 'test -w "$1" -a -x "$1"', "sh", str(self.data_dir)],
                                   **ra.kwargs())
            if probe.returncode != 0:
                raise EmbeddedPostgresError(
                    f"running as root, PostgreSQL runs as OS user {ra.user!r}, who cannot reach {self.data_dir}; "
                    "make every parent folder executable for it (chmod o+x) or set BANSOS_PG_DATA elsewhere")
        os.chmod(self.data_dir, 0o700)
        log.info("initdb %s (as %s)", self.data_dir, ra.user or "current user")
        args = ["-D", str(self.data_dir), "-U", SUPERUSER, "-E", "UTF8", "--auth-local=trust",
                "--auth-host=scram-sha-256", "--no-instructions"]
        try:
            self._run("initdb", *args, "--locale=C.UTF-8", timeout=300)
        except EmbeddedPostgresError as exc:
            if "locale" not in str(exc).lower():
                raise
            log.warning("locale C.UTF-8 is not available; the cluster uses locale C")
            self._run("initdb", *args, "--locale=C", timeout=300)
        conf = {
            "listen_addresses": "'localhost'",
            "unix_socket_directories": f"'{self._socket_dir()}'",
            "unix_socket_permissions": "0700",
            "max_connections": "50",
            "shared_buffers": "'128MB'",
            "logging_collector": "off",
            "log_min_messages": "warning",
            "timezone": "'Asia/Jakarta'",
            "lc_messages": "'C'",
        }
        conf.update({k: (v if v.replace(".", "").isdigit() or v in ("on", "off") else f"'{v}'")
                     for k, v in self.settings.items()})
        text = "\n# bansos360 embedded cluster\n" + "".join(f"{k} = {v}\n" for k, v in conf.items())
        auto = self.data_dir / "postgresql.auto.conf"
        with open(auto, "a", encoding="utf-8") as fh:
            fh.write(text)
        hba = ("# bansos360 embedded cluster: trust on the unix socket only, passwords on localhost TCP\n"
               "local all all trust\n"
               "host all all 127.0.0.1/32 scram-sha-256\n"
               "host all all ::1/128 scram-sha-256\n")
        (self.data_dir / "pg_hba.conf").write_text(hba)
        if ra.user is not None:
            for p in (auto, self.data_dir / "pg_hba.conf"):
                os.chown(p, ra.uid, ra.gid)

    def start(self, timeout: float = 60) -> str:
        """Init if needed, start if not running, create the database; returns :meth:`url`."""
        self.init()
        if self.running():
            log.info("embedded PostgreSQL already running at %s", self.url())
        else:
            port = free_port(self.port)
            if port != self.port:
                log.warning("port %s is taken; embedded PostgreSQL uses port %s", self.port, port)
            sock = self._socket_dir()
            if sock != self.data_dir:
                sock.mkdir(mode=0o700, exist_ok=True)
                if self.run_as.user is not None:
                    os.chown(sock, self.run_as.uid, self.run_as.gid)
            # -l log: written by the server's user, inside the data folder
            self._run("pg_ctl", "start", "-D", str(self.data_dir), "-l", str(self.log_file), "-w",
                      "-t", str(int(timeout)), "-o", f"-p {port} -k {sock}", timeout=timeout + 10)
        self._wait_ready(timeout)
        self.create_database(self.database)
        return self.url()

    def _connect(self, database: str = "postgres", **kw):
        import psycopg

        return psycopg.connect(self.url(database), **kw)

    def _wait_ready(self, timeout: float) -> None:
        import psycopg

        deadline = time.monotonic() + timeout
        while True:
            try:
                with self._connect(connect_timeout=5) as conn:
                    conn.execute("SELECT 1")
                return
            except psycopg.OperationalError as exc:
                if time.monotonic() > deadline:
                    raise EmbeddedPostgresError(f"embedded PostgreSQL did not accept connections: {exc}; "
                                                f"see {self.log_file}") from exc
                time.sleep(0.2)

    def create_database(self, name: str) -> None:
        """``CREATE DATABASE name`` unless it exists."""
        from psycopg import sql

        with self._connect(autocommit=True) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                log.info("created database %s", name)

    def stop(self, mode: str = "fast") -> bool:
        """Stop the cluster; False when it was not running."""
        if not self.running():
            return False
        self._run("pg_ctl", "stop", "-D", str(self.data_dir), "-m", mode, "-w", "-t", "60", timeout=90)
        return True


def pg_url(start: bool = True) -> str:
    """``$BANSOS_PG_URL`` when set, else the embedded cluster's URL (started when ``start``)."""
    url = os.environ.get("BANSOS_PG_URL")
    if url:
        return url
    pg = EmbeddedPostgres()
    if start:
        return pg.start()
    if not pg.running():
        raise EmbeddedPostgresError(f"BANSOS_PG_URL is unset and the embedded cluster in {pg.data_dir} is not running "
                                    "(bansos360 pg start)")
    return pg.url()
