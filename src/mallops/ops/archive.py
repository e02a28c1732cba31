"""The embedded backup format: one directory with a ``manifest.json``, written and checked without Django.

Layout of a backup named ``mallops-YYYYmmddTHHMMSSZ-xxxx``::

    manifest.json            what is inside: every file with sha256 and size, row counts, audit head
    db/mallops.sqlite3       the database, copied through SQLite's online backup API
    analytics/spool.sqlite   the analytics spool (online backup API as well)
    analytics/events/...     the Parquet parts (copied under the store's shared lock: no load or
                             compaction replaces a file while it is copied)
    media/...                uploaded files
    calendar/...             imported working-day calendars
    audit-anchors.jsonl      the audit anchors, when the file exists
    secrets.enc              AES-256-GCM sealed JSON: the key ring file (``keys.json``), the analytics
                             HMAC secret and the Django secret key file

The secrets are sealed with a key from the environment (:func:`backup_key_from_env`): a backup copied
off-site or to a bucket never carries a usable key ring. The database is consistent on its own (one
snapshot); the files around it are copied right after it, so a Parquet part or an upload may be newer
than the database, never older than what the database refers to at the snapshot.

``verify_backup`` re-reads every file and compares size and sha256 with the manifest, reports files
missing or not listed, runs SQLite's ``integrity_check`` on the database copy and, given the key, opens
the sealed secrets.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import fcntl
import hashlib
import json
import os
import secrets
import shutil
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

FORMAT = 1
MANIFEST = "manifest.json"
SECRETS_FILE = "secrets.enc"
DB_FILE = "db/mallops.sqlite3"
ENV_KEY = "MALLOPS_BACKUP_KEY"  # base64 of 32 random bytes
ENV_PASSPHRASE = "MALLOPS_BACKUP_PASSPHRASE"  # any text; stretched with scrypt
SCRYPT_N = 2**15
_AAD = b"mallops-backup-secrets-v1"
# files of the data dir that hold secrets: sealed into secrets.enc, never copied in the clear
SECRET_FILES = {
    "keys.json": "keyring",
    "analytics/secret.key": "analytics_secret",
    "secret_key": "django_secret",
}
# SQLite files of the analytics store copied through the backup API instead of byte by byte
ANALYTICS_SQLITE = ("spool.sqlite",)
# analytics files never backed up: rebuilt on demand or only meaningful while running
ANALYTICS_SKIP = {".lock", "ratelimit.sqlite", "secret.key"}


class BackupError(Exception):
    """A backup cannot be written, read, verified or restored; the message says why."""


@dataclass(frozen=True)
class BackupKey:
    """The key that seals ``secrets.enc``: a raw key, or a passphrase stretched with scrypt."""

    kind: str  # "key" or "passphrase"
    secret: bytes = field(repr=False)

    def derive(self, salt: bytes) -> bytes:
        if self.kind == "key":
            return self.secret
        return Scrypt(salt=salt, length=32, n=SCRYPT_N, r=8, p=1).derive(self.secret)


def backup_key_from_env(environ: dict[str, str] | os._Environ[str] | None = None) -> BackupKey:
    """``MALLOPS_BACKUP_KEY`` (base64 of 32 bytes) or else ``MALLOPS_BACKUP_PASSPHRASE``; neither: error."""
    env = os.environ if environ is None else environ
    raw = env.get(ENV_KEY, "").strip()
    if raw:
        try:
            secret = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise BackupError(f"{ENV_KEY} is not valid base64") from exc
        if len(secret) != 32:
            raise BackupError(f"{ENV_KEY} must decode to 32 bytes, got {len(secret)}")
        return BackupKey("key", secret)
    passphrase = env.get(ENV_PASSPHRASE, "")
    if passphrase:
        if len(passphrase) < 12:
            raise BackupError(f"{ENV_PASSPHRASE} must be at least 12 characters")
        return BackupKey("passphrase", passphrase.encode())
    raise BackupError(
        f"set {ENV_KEY} (base64 of 32 random bytes) or {ENV_PASSPHRASE}: the key ring in a backup is "
        "encrypted with it, and a restore needs the same value"
    )


def seal(document: dict[str, Any], key: BackupKey) -> bytes:
    salt = secrets.token_bytes(16)
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(key.derive(salt)).encrypt(nonce, json.dumps(document).encode(), _AAD)
    envelope = {
        "alg": "AES-256-GCM",
        "kdf": "scrypt" if key.kind == "passphrase" else "none",
        "scrypt": {"n": SCRYPT_N, "r": 8, "p": 1} if key.kind == "passphrase" else None,
        "salt": base64.b64encode(salt).decode(),
        "nonce": base64.b64encode(nonce).decode(),
        "ciphertext": base64.b64encode(sealed).decode(),
    }
    return (json.dumps(envelope, indent=1) + "\n").encode()


def unseal(data: bytes, key: BackupKey) -> dict[str, Any]:
    try:
        envelope = json.loads(data)
        salt = base64.b64decode(envelope["salt"])
        nonce = base64.b64decode(envelope["nonce"])
        sealed = base64.b64decode(envelope["ciphertext"])
    except (ValueError, KeyError, TypeError) as exc:
        raise BackupError(f"{SECRETS_FILE} is damaged: {exc}") from exc
    expected_kind = "passphrase" if envelope.get("kdf") == "scrypt" else "key"
    if expected_kind != key.kind:
        raise BackupError(
            f"{SECRETS_FILE} was sealed with a {'passphrase' if expected_kind == 'passphrase' else 'raw key'}"
            f" ({ENV_PASSPHRASE if expected_kind == 'passphrase' else ENV_KEY}); set that variable"
        )
    try:
        plain = AESGCM(key.derive(salt)).decrypt(nonce, sealed, _AAD)
    except InvalidTag as exc:
        raise BackupError(
            f"{SECRETS_FILE} does not open with this backup key (wrong key or tampered)"
        ) from exc
    document = json.loads(plain)
    if not isinstance(document, dict):
        raise BackupError(f"{SECRETS_FILE} holds no JSON object")
    return document


# --- writing ---------------------------------------------------------------------------------------------


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sqlite_online_copy(source: Path, target: Path) -> None:
    """Copy a live SQLite database (WAL included) with the online backup API: a consistent snapshot
    taken while other connections keep reading and writing."""
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst, pages=4096, sleep=0.005)
            dst.execute("PRAGMA journal_mode=DELETE")  # a self-contained file, no -wal beside it
        finally:
            dst.close()
    finally:
        src.close()


def sqlite_row_counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        names = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        return {name: int(conn.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0]) for name in names}
    finally:
        conn.close()


def sqlite_audit_head(path: Path) -> dict[str, Any]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT last_seq, last_hash FROM audit_auditchainhead WHERE id = 1").fetchone()
    except sqlite3.OperationalError:
        row = None
    finally:
        conn.close()
    return {"seq": int(row[0]), "hash": str(row[1])} if row else {"seq": 0, "hash": ""}


@contextlib.contextmanager
def _analytics_shared_lock(store: Path) -> Iterator[None]:
    """The analytics store's own shared lock (``EventStore.locked``): loads and compactions wait."""
    if not store.is_dir():
        yield
        return
    with open(store / ".lock", "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _copy_tree(source: Path, target: Path, *, skip: frozenset[str] | set[str] = frozenset()) -> None:
    if not source.is_dir():
        return
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if not path.is_file() or relative.as_posix() in skip or path.name.endswith(("-wal", "-shm")):
            continue
        if path.name.startswith(".") and path.name.endswith(".tmp"):
            continue  # a write in progress (atomic rename pending)
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, destination)


@dataclass(frozen=True)
class Sources:
    """Where the embedded installation keeps its state (all under the data dir by default)."""

    data_dir: Path
    database: Path
    analytics: Path
    media: Path
    anchors: Path

    @classmethod
    def in_data_dir(cls, data_dir: Path, *, database: Path | None = None) -> Sources:
        return cls(
            data_dir=data_dir,
            database=database or data_dir / "mallops.sqlite3",
            analytics=data_dir / "analytics",
            media=data_dir / "media",
            anchors=data_dir / "audit-anchors.jsonl",
        )


def new_backup_name(now: datetime | None = None) -> str:
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"mallops-{moment:%Y%m%dT%H%M%SZ}-{secrets.token_hex(2)}"


def live_parquet_rows(events_dir: Path) -> int:
    """Rows in the live Parquet parts (superseded parts left by a compaction are not counted)."""
    from mallops.ops.event_store import event_store_reads

    return event_store_reads().live_rows(events_dir)


def create_backup(sources: Sources, target: Path, *, key: BackupKey, version: str) -> dict[str, Any]:
    """Write a backup of ``sources`` into the new directory ``target``; returns the manifest.

    The manifest is written last (atomically), so a directory without one is an interrupted backup.
    """
    if target.exists():
        raise BackupError(f"{target} exists already")
    if not sources.database.is_file():
        raise BackupError(f"no database at {sources.database} (run `mallops migrate` first)")
    started = time.monotonic()
    created_at = datetime.now(UTC)
    target.mkdir(parents=True)
    sqlite_online_copy(sources.database, target / DB_FILE)
    with _analytics_shared_lock(sources.analytics):
        for name in ANALYTICS_SQLITE:
            if (sources.analytics / name).is_file():
                sqlite_online_copy(sources.analytics / name, target / "analytics" / name)
        _copy_tree(sources.analytics, target / "analytics", skip=ANALYTICS_SKIP | set(ANALYTICS_SQLITE))
    _copy_tree(sources.media, target / "media")
    _copy_tree(sources.data_dir / "calendar", target / "calendar")
    if sources.anchors.is_file():
        shutil.copy2(sources.anchors, target / "audit-anchors.jsonl")
    sealed: dict[str, Any] = {}
    for relative, label in SECRET_FILES.items():
        path = sources.data_dir / relative
        if path.is_file():
            sealed[label] = {"path": relative, "content": base64.b64encode(path.read_bytes()).decode()}
    (target / SECRETS_FILE).write_bytes(seal(sealed, key))
    files: list[dict[str, Any]] = []
    for path in sorted(p for p in target.rglob("*") if p.is_file()):
        relative = path.relative_to(target).as_posix()
        files.append({"path": relative, "sha256": sha256_file(path), "size": path.stat().st_size})
    size = sum(path.stat().st_size for path in target.rglob("*") if path.is_file())
    manifest = {
        "format": FORMAT,
        "name": target.name,
        "created_at": created_at.isoformat(),
        "version": version,
        "database": {"vendor": "sqlite", "file": DB_FILE, "tables": sqlite_row_counts(target / DB_FILE)},
        "audit_head": sqlite_audit_head(target / DB_FILE),
        "analytics": {
            "parquet_rows": live_parquet_rows(target / "analytics" / "events"),
            "spool": sqlite_row_counts(spool)
            if (spool := target / "analytics" / "spool.sqlite").is_file()
            else {},
        },
        "secrets": {"file": SECRETS_FILE, "sealed": sorted(sealed), "key_kind": key.kind},
        "files": files,
        "size": size,
        "duration_ms": round((time.monotonic() - started) * 1000),
    }
    write_manifest(target, manifest)
    return manifest


def write_manifest(target: Path, manifest: dict[str, Any]) -> None:
    tmp = target / f".{MANIFEST}.tmp"
    tmp.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    os.replace(tmp, target / MANIFEST)


def read_manifest(backup: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((backup / MANIFEST).read_text())
    except FileNotFoundError as exc:
        raise BackupError(f"{backup} has no {MANIFEST} (an interrupted backup?)") from exc
    except ValueError as exc:
        raise BackupError(f"{backup / MANIFEST} is not JSON: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{backup / MANIFEST}: unknown format {manifest.get('format')!r}")
    return manifest


def manifest_digest(backup: Path) -> str:
    return sha256_file(backup / MANIFEST)


# --- checking and restoring ------------------------------------------------------------------------------


@dataclass
class VerifyReport:
    name: str
    files_checked: int = 0
    bytes_checked: int = 0
    problems: list[str] = field(default_factory=list)
    secrets_opened: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "ok": self.ok,
            "files_checked": self.files_checked,
            "bytes_checked": self.bytes_checked,
            "secrets_opened": self.secrets_opened,
            "problems": list(self.problems),
        }


def verify_backup(backup: Path, *, key: BackupKey | None = None) -> VerifyReport:
    """Re-check every file against the manifest; never raises for a damaged backup, it reports."""
    report = VerifyReport(name=backup.name)
    try:
        manifest = read_manifest(backup)
    except BackupError as exc:
        report.problems.append(str(exc))
        return report
    listed = set()
    for entry in manifest.get("files", []):
        relative = str(entry["path"])
        listed.add(relative)
        path = backup / relative
        if not path.is_file():
            report.problems.append(f"{relative}: missing")
            continue
        size = path.stat().st_size
        if size != entry["size"]:
            report.problems.append(f"{relative}: size {size}, manifest says {entry['size']}")
            continue
        if sha256_file(path) != entry["sha256"]:
            report.problems.append(f"{relative}: sha256 does not match the manifest")
            continue
        report.files_checked += 1
        report.bytes_checked += size
    for path in sorted(p for p in backup.rglob("*") if p.is_file()):
        relative = path.relative_to(backup).as_posix()
        if relative != MANIFEST and relative not in listed:
            report.problems.append(f"{relative}: not listed in the manifest")
    database = backup / DB_FILE
    if report.ok and database.is_file():
        conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
        try:
            result = conn.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            conn.close()
        if result != "ok":
            report.problems.append(f"{DB_FILE}: integrity_check says {result}")
    if key is not None and (backup / SECRETS_FILE).is_file():
        try:
            unseal((backup / SECRETS_FILE).read_bytes(), key)
            report.secrets_opened = True
        except BackupError as exc:
            report.problems.append(str(exc))
    return report


def restore_backup(backup: Path, data_dir: Path, *, key: BackupKey) -> dict[str, Any]:
    """Verify ``backup`` and lay it out as a data directory at ``data_dir`` (absent or empty).

    The database becomes ``mallops.sqlite3``, the secrets their files again (mode 600). Refuses a
    backup that does not verify. Returns the manifest.
    """
    report = verify_backup(backup, key=key)
    if not report.ok:
        raise BackupError(f"backup {backup.name} does not verify: {'; '.join(report.problems[:5])}")
    if data_dir.exists() and any(data_dir.iterdir()):
        raise BackupError(f"{data_dir} is not empty: restore into a new directory")
    manifest = read_manifest(backup)
    data_dir.mkdir(parents=True, exist_ok=True)
    for entry in manifest["files"]:
        relative = str(entry["path"])
        if relative == SECRETS_FILE:
            continue
        destination = data_dir / ("mallops.sqlite3" if relative == DB_FILE else relative)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(backup / relative, destination)
    sealed = unseal((backup / SECRETS_FILE).read_bytes(), key)
    for item in sealed.values():
        destination = data_dir / str(item["path"])
        destination.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(base64.b64decode(item["content"]))
    return manifest
