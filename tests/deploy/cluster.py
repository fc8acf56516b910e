"""A PostgreSQL server of the test's own (initdb from the binaries `.ci/run` installs), so a test
may stop and start it without touching the server the other tests use."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
from pathlib import Path

from tests.reliability.scratch import free_port


def pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def why_not() -> str:
    """Why a cluster of our own cannot be made here ("" when it can)."""
    if pg_bin() is None:
        return "PostgreSQL's server binaries are not installed (apt-get install postgresql)"
    if os.geteuid() != 0:
        return "starting a PostgreSQL cluster needs root (to run initdb as the postgres user)"
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return "there is no postgres user (apt-get install postgresql)"
    return ""


class Cluster:
    def __init__(self, folder: Path, *, init: bool = True) -> None:
        self.bin = pg_bin()
        assert self.bin is not None
        self.folder = folder
        self.data = folder / "pgdata"
        self.port = free_port()
        folder.mkdir(parents=True, exist_ok=True)
        shutil.chown(folder, "postgres")
        if init:
            self._as_postgres(
                str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
                "-E", "UTF8", "--locale=C.UTF-8",
            )  # fmt: skip

    @classmethod
    def standby_of(cls, primary: Cluster) -> Cluster:
        """A streaming replica of ``primary`` (pg_basebackup -R): read-only, replaying its WAL."""
        standby = cls(primary.folder.with_name(primary.folder.name + "-standby"), init=False)
        standby._as_postgres(
            str(standby.bin / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port),
            "-U", "postgres", "-D", str(standby.data), "-R", "-X", "stream",
        )  # fmt: skip
        return standby

    def _as_postgres(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = " ".join(f"'{a}'" for a in args)
        done = subprocess.run(
            ["su", "postgres", "-c", command], capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise AssertionError(f"{command} failed:\n{done.stdout}\n{done.stderr}")
        return done

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        self._as_postgres(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options,
            "-l", str(self.folder / "postgres.log"), "-w", "start",
        )  # fmt: skip

    def stop(self) -> None:
        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "stop")

    def url(self, database: str = "postgres", user: str = "postgres") -> str:
        return f"postgres://{user}@127.0.0.1:{self.port}/{database}"

    def sql(self, statement: str, database: str = "postgres") -> str:
        done = subprocess.run(
            ["psql", self.url(database), "-v", "ON_ERROR_STOP=1", "-qAtc", statement],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise AssertionError(f"{statement}: {done.stderr}")
        return done.stdout.strip()
