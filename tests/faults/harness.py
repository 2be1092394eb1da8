"""The fault-test rig: a private PostgreSQL cluster, a private Redis, the Notify
stub and the real service processes, each started, broken and stopped here.

Nothing here touches the shared PostgreSQL on 5432 or the shared Redis on 6379:
the cluster is initdb'd into a temporary directory (its data directory on a
small tmpfs, so a test can fill the disk; its WAL beside it on the real disk,
so a full disk fails writes instead of crashing the server) and listens on a
free port in 55450–55499; Redis on a free port in 6390–6399.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
VICTIMCARE = str(VENV_BIN / "victimcare")
PG_BIN = Path("/usr/lib/postgresql/15/bin")
PG_PORTS = range(55450, 55500)
REDIS_PORTS = range(6390, 6400)
DB_NAME = "victimcare_faults"


class Deadline(AssertionError):
    """A condition polled against a deadline never came true."""


def wait_for(
    what: str, condition: Callable[[], bool], seconds: float, *, every: float = 0.2
) -> None:
    """Poll `condition` until it is true; fail naming `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        if condition():
            return
        if time.monotonic() > deadline:
            raise Deadline(f"timed out after {seconds:.0f} s waiting for {what}")
        time.sleep(every)


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) != 0


def free_port(ports: range | None = None) -> int:
    """A free loopback port from `ports` (any free port when None)."""
    if ports is None:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            return int(s.getsockname()[1])
    for port in ports:
        if _port_free(port):
            return port
    raise RuntimeError(f"no free port in {ports.start}–{ports.stop - 1}")


def _as_postgres(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    # initdb and pg_ctl refuse to run as root.
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run(  # noqa: S603 - fixed PostgreSQL binaries
        [*prefix, *args], capture_output=True, text=True, check=False, timeout=120, **kwargs
    )


@dataclass
class Cluster:
    """A private PostgreSQL 15 cluster with its data directory on a tmpfs."""

    base: Path
    port: int
    disk_mb: int
    mounted: bool = False

    @property
    def disk(self) -> Path:
        return self.base / "pgdisk"

    @property
    def data(self) -> Path:
        return self.disk / "data"

    @property
    def filler(self) -> Path:
        return self.disk / "filler"

    @property
    def log(self) -> Path:
        return self.base / "pglog" / "postgres.log"

    def url(self, name: str = DB_NAME) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def create(self) -> None:
        self.base.chmod(0o755)
        self.disk.mkdir()
        subprocess.run(  # noqa: S603 - a fixed command
            [
                "mount",
                "-t",
                "tmpfs",
                "-o",
                f"size={self.disk_mb}m,mode=0755",
                "tmpfs",
                str(self.disk),
            ],
            check=True,
            capture_output=True,
        )
        self.mounted = True
        for folder in (self.disk, self.base / "pgwal", self.base / "pglog", self.base / "pgsock"):
            folder.mkdir(exist_ok=True)
            shutil.chown(folder, "postgres", "postgres")
        result = _as_postgres(
            [
                str(PG_BIN / "initdb"),
                "-D",
                str(self.data),
                "--waldir",
                str(self.base / "pgwal" / "wal"),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-sync",
            ]
        )
        if result.returncode != 0:
            raise RuntimeError(f"initdb failed:\n{result.stdout}\n{result.stderr}")
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"\nport = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.base / 'pgsock'}'\n"
                "max_connections = 100\nshared_buffers = 64MB\n"
                # Only the postgres processes are killed here, never the OS: fsync
                # can be off, but commits stay synchronous (an acknowledged commit
                # must survive `pg_ctl stop -m immediate`).
                "fsync = off\nfull_page_writes = off\nsynchronous_commit = on\n"
                "log_min_messages = warning\n"
            )
        self.start()
        with psycopg.connect(self.url("postgres"), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{DB_NAME}"')

    def start(self) -> None:
        result = _as_postgres(
            [
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(self.data),
                "-l",
                str(self.log),
                "-w",
                "-t",
                "60",
                "start",
            ]
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"pg_ctl start failed:\n{result.stdout}\n{result.stderr}\n{self.log_tail()}"
            )

    def stop(self, mode: str = "fast") -> None:
        _as_postgres(
            [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop"]
        )

    def running(self) -> bool:
        result = _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "status"])
        return result.returncode == 0

    def postmaster_pid(self) -> int | None:
        try:
            return int((self.data / "postmaster.pid").read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return None

    def pids(self) -> list[int]:
        """The postmaster and every process it started."""
        root = self.postmaster_pid()
        if root is None:
            return []
        found = [root]
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                # Field 4 is the parent pid; the command name (2) may hold spaces.
                ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
                if ppid == root:
                    found.append(int(stat.parent.name))
        return found

    def signal_all(self, signum: signal.Signals) -> int:
        pids = self.pids()
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signum)
        return len(pids)

    def fill_disk(self) -> None:
        """Write zeros into the data directory's filesystem until it is full."""
        block = b"\0" * (1 << 20)
        with self.filler.open("ab") as out:
            with contextlib.suppress(OSError):
                while True:
                    out.write(block)
                    out.flush()
            with contextlib.suppress(OSError):
                while True:  # the last, partial megabyte
                    out.write(b"\0" * 4096)
                    out.flush()

    def free_disk(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.filler.unlink()

    def disk_free_bytes(self) -> int:
        stats = os.statvfs(self.disk)
        return stats.f_bavail * stats.f_frsize

    def log_tail(self, chars: int = 3000) -> str:
        with contextlib.suppress(OSError):
            return self.log.read_text(errors="replace")[-chars:]
        return ""

    def destroy(self) -> None:
        self.signal_all(signal.SIGCONT)
        if self.postmaster_pid() is not None:
            self.stop("immediate")
        for pid in self.pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if self.mounted:
            self.free_disk()
            for _ in range(20):
                if (
                    subprocess.run(
                        ["umount", str(self.disk)], check=False, capture_output=True
                    ).returncode
                    == 0
                ):  # noqa: S603, S607
                    self.mounted = False
                    break
                time.sleep(0.25)
            if self.mounted:
                subprocess.run(["umount", "-l", str(self.disk)], check=False, capture_output=True)  # noqa: S603, S607
                self.mounted = False


@dataclass
class Redis:
    """A private redis-server: no persistence, so a kill loses everything (F6)."""

    base: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        log = (self.base / "redis.log").open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - a fixed command
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.base),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for("redis-server to answer", self.answers, 20)

    def answers(self) -> bool:
        with (
            contextlib.suppress(OSError),
            socket.create_connection(("127.0.0.1", self.port), 0.5) as s,
        ):
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
        return False

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@dataclass
class Role:
    """One supervised process (a web server or a worker), restarted when it dies,
    as systemd's Restart=always would."""

    name: str
    args: list[str]
    log: Path
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    supervised: bool = True


@dataclass
class Service:
    """`victimcare serve --no-worker` and N × `victimcare worker`, all on the
    private cluster, under a supervisor thread that restarts what dies."""

    base: Path
    env: dict[str, str]
    web_port: int
    roles: dict[str, Role] = field(default_factory=dict)
    _stopping: threading.Event = field(default_factory=threading.Event)
    _supervisor: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def run(
        self, *args: str, check: bool = True, timeout: float = 300
    ) -> subprocess.CompletedProcess[str]:
        """Run `victimcare ARGS…` against the private cluster and wait for it."""
        result = subprocess.run(  # noqa: S603 - our own command
            [VICTIMCARE, *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and result.returncode != 0:
            raise RuntimeError(
                f"victimcare {' '.join(args[:2])} failed (exit {result.returncode}):\n"
                f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
            )
        return result

    def add(self, name: str, *args: str) -> Role:
        role = Role(name=name, args=[VICTIMCARE, *args], log=self.base / f"{name}.log")
        self.roles[name] = role
        self._spawn(role)
        return role

    def _spawn(self, role: Role) -> None:
        with role.log.open("ab") as log:
            role.process = subprocess.Popen(  # noqa: S603 - our own command
                role.args,
                env=self.env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def start(self) -> None:
        self.add(
            "web",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.web_port),
            "--workers",
            "2",
            "--no-worker",
            "--no-migrate",
            "--no-collectstatic",
        )
        self.add("worker-1", "worker", "--tick", "1", "--interval", "0.2")
        self.add("worker-2", "worker", "--tick", "1", "--interval", "0.2")
        self._supervisor = threading.Thread(target=self._supervise, name="supervisor", daemon=True)
        self._supervisor.start()

    def _supervise(self) -> None:
        while not self._stopping.wait(0.2):
            with self._lock:
                for role in self.roles.values():
                    if (
                        role.supervised
                        and role.process is not None
                        and role.process.poll() is not None
                    ):
                        role.restarts += 1
                        self._spawn(role)

    def pid(self, name: str) -> int:
        process = self.roles[name].process
        assert process is not None
        return process.pid

    def kill(self, name: str, signum: signal.Signals = signal.SIGKILL) -> int:
        """Send `signum` to role `name`'s process; return the pid signalled."""
        with self._lock:
            process = self.roles[name].process
            assert process is not None
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signum)
            return process.pid

    def alive(self, name: str) -> bool:
        process = self.roles[name].process
        return process is not None and process.poll() is None

    def status(self, path: str, timeout: float = 5) -> int | None:
        """The HTTP status of GET `path`, or None when nothing answered."""
        try:
            with urllib.request.urlopen(f"{self.url}{path}", timeout=timeout) as response:  # noqa: S310 - loopback
                return int(response.status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)
        except (urllib.error.URLError, OSError):
            return None

    def logs(self, chars: int = 4000) -> str:
        parts = []
        for role in self.roles.values():
            with contextlib.suppress(OSError):
                parts.append(
                    f"--- {role.name} ---\n{role.log.read_text(errors='replace')[-chars:]}"
                )
        return "\n".join(parts)

    def log_text(self, name: str) -> str:
        with contextlib.suppress(OSError):
            return self.roles[name].log.read_text(errors="replace")
        return ""

    def stop(self) -> None:
        self._stopping.set()
        if self._supervisor is not None:
            self._supervisor.join(timeout=5)
        for role in self.roles.values():
            if role.process is not None and role.process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(role.process.pid, signal.SIGTERM)
        for role in self.roles.values():
            if role.process is None:
                continue
            try:
                role.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(role.process.pid, signal.SIGKILL)
                role.process.wait(timeout=10)
            # Anything left in the group (a gunicorn child) goes too.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(role.process.pid, signal.SIGKILL)


@contextlib.contextmanager
def connect(url: str) -> Iterator[psycopg.Connection]:
    """A short-lived autocommit connection for the checks (fails fast when down)."""
    with psycopg.connect(url, autocommit=True, connect_timeout=3) as conn:
        yield conn
