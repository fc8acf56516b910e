"""PostgreSQL backups an operator can trust: ``chiiki backup create DIR`` and ``chiiki backup drill``.

``create`` runs ``pg_dump --format=custom`` (schema and data) into ``DIR/chiiki-<UTC time>.dump``
and, in the very same snapshot of the database, takes its fingerprint: every table's row count
and a digest of its rows. The fingerprint, the migrations and the file's SHA-256 go beside the
dump in ``….dump.json``. The dump is written under a temporary name and renamed when complete,
so a backup that stopped half-way is never taken for a good one. ``--keep N`` removes the
oldest backups this command wrote beyond the N newest.

``drill`` is the restore drill: it checks the file against its SHA-256, restores it with
``pg_restore`` into a new scratch database on the same server, fingerprints that database and
compares table by table with what was recorded at backup time, then drops the scratch database.
It succeeds only if every table came back with the same rows.

(``chiiki dump``/``restore`` stay the portable format, also for SQLite: chiiki.datasets.backup.)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import secrets
import shutil
import subprocess  # nosec B404  # runs pg_dump and pg_restore only, below
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

FORMAT = "chiiki-pg-backup"
VERSION = 1
PATTERN = re.compile(r"chiiki-\d{8}T\d{6}Z\.dump")

Say = Callable[[str], None]


class PgBackupError(Exception):
    """What went wrong, for the operator (Japanese, with the file or step named)."""


@dataclass(frozen=True)
class Server:
    """Where the database is, as libpq's environment variables (the password never on argv)."""

    host: str
    port: str
    user: str
    password: str
    name: str

    @classmethod
    def from_settings(cls, db: dict[str, Any]) -> Server:
        if db.get("ENGINE") != "django.db.backends.postgresql":
            raise PgBackupError(
                "chiiki backup は PostgreSQL 用です。SQLite では chiiki dump を使ってください"
            )
        return cls(
            host=str(db.get("HOST") or ""),
            port=str(db.get("PORT") or ""),
            user=str(db.get("USER") or ""),
            password=str(db.get("PASSWORD") or ""),
            name=str(db["NAME"]),
        )

    def env(self, name: str | None = None) -> dict[str, str]:
        env = dict(os.environ)
        for key, value in (
            ("PGHOST", self.host),
            ("PGPORT", self.port),
            ("PGUSER", self.user),
            ("PGPASSWORD", self.password),
        ):
            if value:
                env[key] = value
        env["PGDATABASE"] = name or self.name
        return env

    def connect(self, name: str | None = None, **kw: Any) -> psycopg.Connection[Any]:
        return psycopg.connect(
            host=self.host or None,
            port=self.port or None,
            user=self.user or None,
            password=self.password or None,
            dbname=name or self.name,
            **kw,
        )


def _tool(name: str) -> str:
    """pg_dump / pg_restore: from CHIIKI_PG_BIN if set (a server of another major version)."""
    folder = os.environ.get("CHIIKI_PG_BIN", "").strip()
    found = str(Path(folder) / name) if folder else shutil.which(name)
    if not found or not Path(found).exists():
        raise PgBackupError(
            f"{name} が見つかりません（PostgreSQL のクライアント。CHIIKI_PG_BIN で場所を指定できます）"
        )
    return found


# ---------------------------------------------------------------------------- fingerprint
def fingerprint(conn: psycopg.Connection[Any]) -> dict[str, dict[str, Any]]:
    """Every table of the schema: row count and the MD5 of its rows' MD5s in sorted order
    (independent of physical order, so a restored copy gives the same digest)."""
    tables = [
        row[0]
        for row in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1"
        ).fetchall()
    ]
    out: dict[str, dict[str, Any]] = {}
    for table in tables:
        query = sql.SQL(
            "SELECT count(*), coalesce(md5(string_agg(h, '' ORDER BY h)), '') "
            "FROM (SELECT md5(t::text) AS h FROM {} AS t) AS rows"
        ).format(sql.Identifier(table))
        rows, digest = conn.execute(query).fetchone()  # type: ignore[misc]
        out[table] = {"rows": int(rows), "digest": digest}
    return out


def _migrations(conn: psycopg.Connection[Any]) -> list[list[str]]:
    return [
        [app, name]
        for app, name in conn.execute(
            "SELECT app, name FROM django_migrations ORDER BY app, name"
        ).fetchall()
    ]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ---------------------------------------------------------------------------- create
@dataclass
class Backup:
    path: Path
    manifest: dict[str, Any]
    seconds: float
    removed: list[Path] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(t["rows"] for t in self.manifest["tables"].values())


def create(
    server: Server,
    folder: Path,
    *,
    keep: int = 0,
    version: str = "",
    now: dt.datetime | None = None,
) -> Backup:
    folder.mkdir(parents=True, exist_ok=True)
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%SZ")
    path = folder / f"chiiki-{stamp}.dump"
    if path.exists():
        raise PgBackupError(f"{path} は既にあります（同じ秒に2回実行されました）")
    partial = path.with_name(path.name + ".partial")
    started = time.perf_counter()
    with server.connect() as conn:
        # One snapshot for both: what pg_dump writes is exactly what the fingerprint read.
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]  # type: ignore[index]
        dumping = subprocess.Popen(  # noqa: S603  # nosec B603  # PostgreSQL's tool, our arguments
            [_tool("pg_dump"), "--format=custom", f"--snapshot={snapshot}", "-f", str(partial)],
            env=server.env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            tables = fingerprint(conn)
            migrations = _migrations(conn)
            server_version = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
        finally:
            _, errors = dumping.communicate()
        conn.rollback()
    if dumping.returncode != 0:
        partial.unlink(missing_ok=True)
        raise PgBackupError(f"pg_dump が失敗しました: {errors.strip()}")
    os.replace(partial, path)
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "chiiki": version,
        "server_version": server_version,
        "database": server.name,
        "file": path.name,
        "bytes": path.stat().st_size,
        "sha256": _sha256(path),
        "migrations": migrations,
        "tables": tables,
    }
    manifest_path = path.with_name(path.name + ".json")
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    backup = Backup(path, manifest, time.perf_counter() - started)
    if keep > 0:
        backup.removed = _prune(folder, keep)
    return backup


def backups(folder: Path) -> list[Path]:
    """The backups this command wrote in ``folder``, oldest first."""
    return sorted(p for p in folder.glob("chiiki-*.dump") if PATTERN.fullmatch(p.name))


def _prune(folder: Path, keep: int) -> list[Path]:
    old = backups(folder)[:-keep]
    for path in old:
        path.unlink()
        path.with_name(path.name + ".json").unlink(missing_ok=True)
    return old


# ---------------------------------------------------------------------------- drill
@dataclass
class Drill:
    path: Path
    rows: int
    tables: int
    restore_seconds: float
    check_seconds: float
    differences: list[str]

    @property
    def ok(self) -> bool:
        return not self.differences


def _manifest(path: Path) -> dict[str, Any]:
    manifest_path = path.with_name(path.name + ".json")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PgBackupError(
            f"{manifest_path.name} がありません（chiiki backup create が書いたバックアップではありません）"
        ) from None
    except json.JSONDecodeError as exc:
        raise PgBackupError(f"{manifest_path.name} を読めません: {exc}") from None
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise PgBackupError(f"{manifest_path.name} は chiiki backup の記録ではありません")
    return manifest


def compare(recorded: dict[str, dict[str, Any]], restored: dict[str, dict[str, Any]]) -> list[str]:
    """Each table whose rows differ, said in a line."""
    out = []
    for table in sorted(recorded.keys() | restored.keys()):
        before, after = recorded.get(table), restored.get(table)
        if before is None:
            out.append(f"{table}: バックアップ時にはなかった表です")
        elif after is None:
            out.append(f"{table}: 復元されていません（{before['rows']:,} 行）")
        elif before["rows"] != after["rows"]:
            out.append(
                f"{table}: 行数が違います（記録 {before['rows']:,}、復元 {after['rows']:,}）"
            )
        elif before["digest"] != after["digest"]:
            out.append(f"{table}: 行数は同じ {after['rows']:,} 行ですが内容が違います")
    return out


def drill(server: Server, path: Path, *, say: Say = lambda _: None) -> Drill:
    manifest = _manifest(path)
    say(f"{path.name} の SHA-256 を確かめています…")
    if _sha256(path) != manifest["sha256"]:
        raise PgBackupError(f"{path.name} は記録された SHA-256 と一致しません（壊れています）")
    scratch = f"{server.name}_drill_{secrets.token_hex(4)}"
    with server.connect("postgres", autocommit=True) as admin:
        admin.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(scratch))
        )
    try:
        say(f"仮のデータベース {scratch} に復元しています…")
        started = time.perf_counter()
        restored = subprocess.run(  # noqa: S603  # nosec B603  # PostgreSQL's tool, our arguments
            [_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
             "--single-transaction", "-d", scratch, str(path)],
            env=server.env(scratch),
            capture_output=True,
            text=True,
            check=False,
        )  # fmt: skip
        restore_seconds = time.perf_counter() - started
        if restored.returncode != 0:
            raise PgBackupError(f"pg_restore が失敗しました: {restored.stderr.strip()}")
        say("復元した表を数えて照合しています…")
        started = time.perf_counter()
        with server.connect(scratch) as conn:
            tables = fingerprint(conn)
            differences = compare(manifest["tables"], tables)
            if _migrations(conn) != manifest["migrations"]:
                differences.append("django_migrations: 適用済みのマイグレーションが記録と違います")
        check_seconds = time.perf_counter() - started
    finally:
        with server.connect("postgres", autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(scratch))
            )
    return Drill(
        path=path,
        rows=sum(t["rows"] for t in tables.values()),
        tables=len(tables),
        restore_seconds=restore_seconds,
        check_seconds=check_seconds,
        differences=differences,
    )
