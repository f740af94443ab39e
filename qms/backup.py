"""Backup and restore: one portable archive (zip of JSON lines per table) that restores into SQLite or PostgreSQL.

The archive holds `manifest.json` (format, schema revision, per-table columns, row count and sha256 of the table's
lines) and `tables/<name>.jsonl`, one JSON array per row, tables in foreign-key order. Values are plain JSON;
datetimes are ISO strings in UTC, dates ISO, bytes base64, JSON columns as JSON. The content is independent of the
engine it came from, so two archives of the same data have the same hashes whichever engine held it.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import sqlite3
import time
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, timezone
from pathlib import Path
from typing import IO, Any

from alembic import command
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine, MetaData, Table, bindparam, func, select, text, update
from sqlalchemy import types as sqltypes
from sqlmodel import Session

from qms import clock, db, logs, permissions
from qms.errors import ValidationError

FORMAT = "qms-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
CHUNK = 1000  # rows per INSERT batch and per fetch: bounded memory whatever the table size
FILE_CHUNK = 10  # for tables holding files (up to the upload limit each), so a batch stays a few hundred MB at most
_SKIP = {"alembic_version"}  # the revision travels in the manifest; alembic owns its table


def _reflect(conn: Connection) -> list[Table]:
    # Reflected, not the code's models: an archive must carry the schema the database has, at its revision.
    meta = MetaData()
    meta.reflect(bind=conn)
    return [t for t in meta.sorted_tables if t.name not in _SKIP]


def _utc_iso(value: datetime) -> str:
    # SQLite hands back the stored UTC naive; PostgreSQL an aware value in the session's zone.
    value = value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
    return value.isoformat()


def _encoder(column) -> Any:
    """How a column's values become JSON, or None when they already are (text, numbers, booleans, JSON)."""
    kind = column.type
    if isinstance(kind, sqltypes.DateTime):
        return _utc_iso
    if isinstance(kind, sqltypes.Date):
        return date.isoformat
    if isinstance(kind, sqltypes._Binary):
        return lambda v: base64.b64encode(bytes(v)).decode("ascii")
    return None


def _chunk(table: Table) -> int:
    return FILE_CHUNK if any(isinstance(c.type, sqltypes._Binary) for c in table.columns) else CHUNK


# sort_keys: a JSON column's object reads back from PostgreSQL in another key order than from SQLite.
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _table_lines(conn: Connection, table: Table) -> Iterator[bytes]:
    """The table's rows as JSON lines, in primary-key order, a few at a time."""
    encoders = [(i, e) for i, e in enumerate(map(_encoder, table.columns)) if e is not None]
    result = conn.execution_options(stream_results=True, yield_per=_chunk(table)).execute(_ordered(conn, table))
    for row in result:
        values = list(row)
        for i, encode in encoders:
            if values[i] is not None:
                values[i] = encode(values[i])
        yield (_JSON.encode(values) + "\n").encode("utf-8")


def _ordered(conn: Connection, table: Table):
    # PostgreSQL's collation would sort text keys unlike SQLite's byte order; "C" makes both engines agree.
    keys = list(table.primary_key.columns) or list(table.columns)
    if conn.dialect.name == "postgresql":
        keys = [k.collate("C") if isinstance(k.type, sqltypes.String) else k for k in keys]
    return select(table).order_by(*keys)


def _snapshot(conn: Connection) -> Connection:
    """Make every read on the connection see one moment of the database while the app keeps writing."""
    if conn.dialect.name == "sqlite":
        # pysqlite opens no transaction for SELECTs; an explicit one pins a WAL snapshot for all tables.
        conn.exec_driver_sql("BEGIN")
        return conn
    return conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)


def _write(entry: IO[bytes], digest, block: list[bytes]) -> int:
    """Write and hash a block of lines (one compressor call per block, not per row); empties the block."""
    data = b"".join(block)
    block.clear()
    digest.update(data)
    entry.write(data)
    return len(data)


def write_archive(engine: Engine, out: IO[bytes]) -> dict:
    """Write a consistent archive of the whole database to `out`; returns its manifest."""
    with engine.connect() as plain:
        conn = _snapshot(plain)
        revision = MigrationContext.configure(conn).get_current_revision()
        if revision is None:
            raise ValidationError("error.backup_no_schema")
        tables = []
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
            for table in _reflect(conn):
                digest, rows, size = hashlib.sha256(), 0, 0
                with zf.open(f"tables/{table.name}.jsonl", "w", force_zip64=True) as entry:
                    block: list[bytes] = []
                    for line in _table_lines(conn, table):
                        block.append(line)
                        rows += 1
                        if len(block) >= CHUNK:
                            size += _write(entry, digest, block)
                    size += _write(entry, digest, block)
                tables.append({"name": table.name, "columns": [c.name for c in table.columns], "rows": rows,
                               "bytes": size, "sha256": digest.hexdigest()})
            manifest = {"format": FORMAT, "version": FORMAT_VERSION, "app": "QMS Audit Assistant",
                        "revision": revision, "engine": conn.dialect.name,
                        "created_at": clock.now().isoformat(timespec="seconds"), "tables": tables}
            zf.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
        conn.rollback()
    return manifest


def backup_file(engine: Engine, path: Path) -> dict:
    """Write the archive to `path` (via a temporary name, so a cut-off run never looks like a backup)."""
    started = time.perf_counter()
    partial = path.with_name(path.name + ".part")
    try:
        with partial.open("wb") as out:
            manifest = write_archive(engine, out)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    _log("backup", path.name, manifest, path.stat().st_size, started)
    return manifest


def sqlite_copy(engine: Engine, path: Path) -> None:
    """A raw .sqlite3 copy of a live SQLite database through SQLite's online backup API (WAL included)."""
    if engine.dialect.name != "sqlite":
        raise ValidationError("error.backup_sqlite_only")
    source = sqlite3.connect(engine.url.database)
    try:
        target = sqlite3.connect(path)
        with target:
            source.backup(target)
        target.close()
    finally:
        source.close()


def download(session: Session, actor_id: int | None) -> dict:
    """The archive of the whole database for an administrator: {"name", "data" (bytes), "rows"}."""
    permissions.require(session, actor_id, "backup:manage")
    started = time.perf_counter()
    buffer = io.BytesIO()
    # A connection of its own, not the session's: its snapshot must start with the first table read.
    manifest = write_archive(session.get_bind().engine, buffer)
    name = f"qms-backup-{clock.now().strftime('%Y-%m-%d-%H%M')}.zip"
    rows = _log("backup", name, manifest, buffer.tell(), started, actor=actor_id)
    return {"name": name, "data": buffer.getvalue(), "rows": rows}


def _log(name: str, file: str, manifest: dict, size: int, started: float, **extra: object) -> int:
    rows = sum(t["rows"] for t in manifest["tables"])
    logs.event(name, file=file, revision=manifest["revision"], rows=rows, bytes=size,
               seconds=f"{time.perf_counter() - started:.2f}", **extra)
    return rows


# --- reading and restoring ---------------------------------------------------------------------------------------

def _open(source: Path | IO[bytes]) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(source)
    except (zipfile.BadZipFile, EOFError):
        raise ValidationError("error.backup_unreadable") from None


def peek(source: Path | IO[bytes]) -> dict:
    """The archive's manifest alone (what a confirmation shows); the tables are checked by `restore`."""
    with _open(source) as zf:
        return read_manifest(zf)


def read_manifest(zf: zipfile.ZipFile) -> dict:
    """The manifest, refused unless it is ours and in a format version this code reads."""
    try:
        manifest = json.loads(zf.read(MANIFEST))
        if manifest.get("format") != FORMAT or not isinstance(manifest.get("tables"), list):
            raise ValueError
    except (KeyError, ValueError, zipfile.BadZipFile, OSError, EOFError):
        raise ValidationError("error.backup_unreadable") from None
    if manifest.get("version") != FORMAT_VERSION:
        raise ValidationError("error.backup_format_version", version=manifest.get("version"))
    return manifest


def _lines(zf: zipfile.ZipFile, table: dict, parse: bool = True) -> Iterator[list]:
    """The rows of one table, each as read; refuses when the lines do not match the manifest's count and hash."""
    digest, rows = hashlib.sha256(), 0
    try:
        with zf.open(f"tables/{table['name']}.jsonl") as entry:
            for line in entry:
                digest.update(line)
                rows += 1
                yield json.loads(line) if parse else line
    except (KeyError, ValueError, zipfile.BadZipFile, OSError, EOFError):
        raise ValidationError("error.backup_corrupt", table=table["name"]) from None
    if rows != table.get("rows") or digest.hexdigest() != table.get("sha256"):
        raise ValidationError("error.backup_corrupt", table=table["name"])


def verify(zf: zipfile.ZipFile) -> dict:
    """Read the whole archive once: the manifest, then every table against its count and hash."""
    manifest = read_manifest(zf)
    for table in manifest["tables"]:
        for _ in _lines(zf, table, parse=False):
            pass
    return manifest


def _script(engine: Engine) -> ScriptDirectory:
    return ScriptDirectory.from_config(db.alembic_config(engine))


def _known(script: ScriptDirectory, revision: str | None) -> bool:
    try:
        return revision is not None and script.get_revision(revision) is not None
    except CommandError:
        return False


def _empty(conn: Connection, tables: list[Table]) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("TRUNCATE " + ", ".join(f'"{t.name}"' for t in tables)))
    else:
        for table in reversed(tables):
            conn.execute(table.delete())


def _migrate_to(engine: Engine, revision: str) -> None:
    """Bring the target's schema to the archive's revision, up or down.

    Its rows go first: they are about to be replaced, and SQLite rebuilds a table to change it, which the
    foreign keys of a filled database refuse.
    """
    script = _script(engine)
    current = db.current_revision(engine)
    if current == revision:
        return
    if current is not None and not _known(script, current):
        raise ValidationError("error.backup_target_newer", revision=current)
    if current is not None:
        with engine.begin() as conn:
            _empty(conn, _reflect(conn))
    ancestors = {r.revision for r in script.iterate_revisions(revision, "base")}
    if current is None or current in ancestors:
        db.migrate(engine, revision)
    else:
        command.downgrade(db.alembic_config(engine), revision)


def _decoder(column) -> Any:
    kind = column.type
    if isinstance(kind, sqltypes.DateTime):
        return lambda v: None if v is None else datetime.fromisoformat(v).astimezone(timezone.utc)
    if isinstance(kind, sqltypes.Date):
        return lambda v: None if v is None else date.fromisoformat(v)
    if isinstance(kind, sqltypes._Binary):
        return lambda v: None if v is None else base64.b64decode(v, validate=True)
    if isinstance(kind, sqltypes.JSON):
        kind.none_as_null = True  # None is SQL NULL, as the app writes it, not the JSON text 'null'
    return None


def _insert_table(conn: Connection, table: Table, entry: dict, rows: Iterator[list]) -> None:
    names = entry["columns"]
    missing = [n for n in names if n not in table.c]
    if missing:
        raise ValidationError("error.backup_columns", table=table.name, columns=", ".join(missing))
    decoders = [(i, d) for i, d in ((i, _decoder(table.c[n])) for i, n in enumerate(names)) if d is not None]
    # A row may point at a later row of its own table (a unit moved under a newer one), so links within a
    # table are written in a second pass, once every row exists.
    self_refs = [names.index(fk.parent.name) for fk in table.foreign_keys if fk.column.table.name == table.name]
    key = names.index(next(iter(table.primary_key.columns)).name) if self_refs else None
    links: list[tuple[int, object, object]] = []

    def decoded() -> Iterator[list]:
        for values in rows:
            for i, decode in decoders:
                values[i] = decode(values[i])
            for i in self_refs:
                if values[i] is not None:
                    links.append((i, values[key], values[i]))
                    values[i] = None
            yield values

    (_copy if conn.dialect.name == "postgresql" else _insert_batches)(conn, table, names, decoded())
    for i in self_refs:
        pending = [{"_key": row_key, "_value": value} for column, row_key, value in links if column == i]
        if pending:
            conn.execute(update(table).where(table.c[names[key]] == bindparam("_key"))
                         .values({names[i]: bindparam("_value")}), pending)


def _insert_batches(conn: Connection, table: Table, names: list[str], rows: Iterator[list]) -> None:
    batch, size = [], _chunk(table)
    for values in rows:
        batch.append(dict(zip(names, values)))
        if len(batch) >= size:
            conn.execute(table.insert(), batch)
            batch = []
    if batch:
        conn.execute(table.insert(), batch)


def _copy(conn: Connection, table: Table, names: list[str], rows: Iterator[list]) -> None:
    """One COPY per table on the restore's own connection and transaction (an INSERT per row was 3 times slower)."""
    from psycopg.types.json import Json
    wrap = [i for i, n in enumerate(names) if isinstance(table.c[n].type, sqltypes.JSON)]
    columns = ", ".join(f'"{n}"' for n in names)
    with conn.connection.driver_connection.cursor() as cursor:
        with cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
            for values in rows:
                for i in wrap:
                    if values[i] is not None:
                        values[i] = Json(values[i])
                copy.write_row(values)


def _reset_sequences(conn: Connection, tables: list[Table]) -> None:
    """PostgreSQL hands out ids from sequences that the inserted rows did not move; SQLite needs nothing."""
    for table in tables:
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or not isinstance(keys[0].type, sqltypes.Integer):
            continue
        column = keys[0]
        sequence = conn.execute(select(func.pg_get_serial_sequence(f'"{table.name}"', column.name))).scalar()
        if sequence:
            top = conn.execute(select(func.max(column))).scalar()
            conn.execute(select(func.setval(sequence, top or 1, top is not None)))


def restore(engine: Engine, source: Path | IO[bytes], *, safety: Path | None = None) -> dict:
    """Replace every row of the target database with the archive's, then upgrade it to the code's schema.

    The archive is checked in full before the target is touched; the rows are replaced in one transaction. When
    the schemas differ the target is emptied and migrated first, outside that transaction: `safety`, when given,
    first receives an archive of what the target holds, so a restore that fails half-way loses nothing.
    """
    started = time.perf_counter()
    with _open(source) as zf:
        manifest = verify(zf)
        if not _known(_script(engine), manifest.get("revision")):
            raise ValidationError("error.backup_newer", revision=manifest.get("revision"))
        if safety is not None and db.current_revision(engine) is not None:
            backup_file(engine, safety)
        _migrate_to(engine, manifest["revision"])
        with engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("BEGIN IMMEDIATE")  # take the write lock now, not halfway through
            try:
                tables = {t.name: t for t in _reflect(conn)}
                unknown = [t["name"] for t in manifest["tables"] if t["name"] not in tables]
                if unknown:
                    raise ValidationError("error.backup_columns", table=unknown[0], columns="*")
                _empty(conn, list(tables.values()))
                for entry in manifest["tables"]:
                    _insert_table(conn, tables[entry["name"]], entry, _lines(zf, entry))
                if conn.dialect.name == "postgresql":
                    _reset_sequences(conn, list(tables.values()))
                conn.commit()
            except BaseException:
                conn.rollback()
                raise
    db.migrate(engine)
    _log("restore", getattr(source, "name", "archive"), manifest,
         Path(source).stat().st_size if isinstance(source, (str, Path)) else 0, started)
    return manifest


def target_name(engine: Engine) -> str:
    """What a person types to confirm a restore: the database's name (a SQLite file's name)."""
    database = engine.url.database or ""
    return Path(database).name if engine.dialect.name == "sqlite" else database
