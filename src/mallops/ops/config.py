"""Backup configuration, read from the environment when asked (docs/operations.md lists the variables).

MALLOPS_BACKUP_DIR            local repository (default ``$MALLOPS_DATA_DIR/backups``)
MALLOPS_BACKUP_OFFSITE        off-site repository: a path on another disk or a mounted remote file system
MALLOPS_BACKUP_S3_URL         cloud repository: ``https://host[:port]/bucket[/prefix]`` (path-style)
MALLOPS_BACKUP_S3_ACCESS_KEY, MALLOPS_BACKUP_S3_SECRET_KEY, MALLOPS_BACKUP_S3_REGION
MALLOPS_BACKUP_KEY / MALLOPS_BACKUP_PASSPHRASE   seal the key ring inside each backup (archive.py)
"""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings

from mallops.ops.archive import BackupError, Sources
from mallops.ops.repositories import DirectoryRepository, Repository, S3Config, S3Repository

LEVELS = ("local", "offsite", "cloud")


def data_dir() -> Path:
    return Path(settings.DATA_DIR)


def sources() -> Sources:
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.sqlite3":
        raise BackupError(
            "the embedded backup covers SQLite only; PostgreSQL is backed up with pgBackRest "
            "(docs/operations.md, `mallops backup pg-*`)"
        )
    return Sources.in_data_dir(data_dir(), database=Path(str(database["NAME"])))


def repository(level: str) -> Repository:
    if level == "local":
        root = os.environ.get("MALLOPS_BACKUP_DIR", "").strip()
        return DirectoryRepository(Path(root) if root else data_dir() / "backups", level="local")
    if level == "offsite":
        root = os.environ.get("MALLOPS_BACKUP_OFFSITE", "").strip()
        if not root:
            raise BackupError("set MALLOPS_BACKUP_OFFSITE to the off-site repository path")
        path = Path(root).resolve()
        if path == (data_dir() / "backups").resolve() or data_dir().resolve() in path.parents:
            raise BackupError("MALLOPS_BACKUP_OFFSITE must not be inside the data directory")
        return DirectoryRepository(path, level="offsite")
    if level == "cloud":
        url = os.environ.get("MALLOPS_BACKUP_S3_URL", "").strip()
        if not url:
            raise BackupError("set MALLOPS_BACKUP_S3_URL (https://host[:port]/bucket[/prefix])")
        return S3Repository(
            S3Config.from_url(
                url,
                access_key=os.environ.get("MALLOPS_BACKUP_S3_ACCESS_KEY", ""),
                secret_key=os.environ.get("MALLOPS_BACKUP_S3_SECRET_KEY", ""),
                region=os.environ.get("MALLOPS_BACKUP_S3_REGION", ""),
            )
        )
    raise BackupError(f"unknown backup level {level!r}: use one of {', '.join(LEVELS)}")
