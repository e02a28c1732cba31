"""Where backups are kept: a directory (local, off-site) or an S3-compatible bucket (cloud). No Django.

A repository stores each backup as the same tree of files under the backup's name: a directory of that
name, or objects under the key prefix ``<prefix>/<name>/``. ``manifest.json`` is stored last, so a backup
cut short (no manifest) is never listed.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from mallops.ops.archive import MANIFEST, BackupError, read_manifest


@dataclass(frozen=True)
class StoredBackup:
    name: str
    created_at: str
    size: int
    location: str


class Repository(Protocol):
    level: str
    location: str

    def store(self, backup: Path) -> str:
        """Copy the backup directory in; returns where it now lives."""

    def list(self) -> list[StoredBackup]:
        """Complete backups (with a manifest), oldest first."""

    def fetch(self, name: str) -> AbstractContextManager[Path]:
        """A context manager yielding a local directory holding the backup (a temporary copy for S3)."""

    def delete(self, name: str) -> None: ...


class DirectoryRepository:
    """Backups as directories under ``root`` (``$MALLOPS_DATA_DIR/backups``, or the off-site mount)."""

    def __init__(self, root: Path, *, level: str) -> None:
        self.root = root
        self.level = level
        self.location = str(root)

    def store(self, backup: Path) -> str:
        self.root.mkdir(parents=True, exist_ok=True)
        target = self.root / backup.name
        if target.exists():
            raise BackupError(f"{target} exists already")
        if backup.parent.resolve() == self.root.resolve():
            return str(target)  # written in place
        partial = self.root / f".{backup.name}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        shutil.copytree(backup, partial, ignore=shutil.ignore_patterns(MANIFEST))
        shutil.copy2(backup / MANIFEST, partial / MANIFEST)
        partial.rename(target)
        return str(target)

    def list(self) -> list[StoredBackup]:
        if not self.root.is_dir():
            return []
        found = []
        for path in self.root.iterdir():
            if path.name.startswith(".") or not (path / MANIFEST).is_file():
                continue
            try:
                manifest = read_manifest(path)
            except BackupError:
                continue
            found.append(
                StoredBackup(path.name, str(manifest["created_at"]), int(manifest.get("size", 0)), str(path))
            )
        return sorted(found, key=lambda item: (item.created_at, item.name))

    @contextmanager
    def fetch(self, name: str) -> Iterator[Path]:
        path = self.root / name
        if not (path / MANIFEST).is_file():
            raise BackupError(f"no backup {name!r} in {self.root}")
        yield path

    def delete(self, name: str) -> None:
        path = self.root / name
        if path.is_dir() and path.parent == self.root:
            shutil.rmtree(path)


@dataclass(frozen=True)
class S3Config:
    endpoint_url: str
    bucket: str
    prefix: str
    access_key: str
    secret_key: str
    region: str = "us-east-1"

    @classmethod
    def from_url(cls, url: str, *, access_key: str, secret_key: str, region: str = "") -> S3Config:
        """``http(s)://host:port/bucket/prefix`` (path-style, as MinIO, Ceph and moto serve it)."""
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise BackupError(f"S3 URL {url!r} must look like https://host[:port]/bucket[/prefix]")
        bucket, _, prefix = parts.path.strip("/").partition("/")
        if not bucket:
            raise BackupError(f"S3 URL {url!r} names no bucket")
        return cls(
            endpoint_url=f"{parts.scheme}://{parts.netloc}",
            bucket=bucket,
            prefix=prefix.strip("/"),
            access_key=access_key,
            secret_key=secret_key,
            region=region or "us-east-1",
        )


class S3Repository:
    """Backups as objects under ``s3://bucket/prefix/<name>/`` on any S3-compatible endpoint (boto3)."""

    level = "cloud"

    def __init__(self, config: S3Config) -> None:
        import boto3
        from botocore.config import Config

        self.config = config
        self.location = f"{config.endpoint_url}/{config.bucket}/{config.prefix}".rstrip("/")
        self.client: Any = boto3.client(
            "s3",
            endpoint_url=config.endpoint_url,
            aws_access_key_id=config.access_key,
            aws_secret_access_key=config.secret_key,
            region_name=config.region,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3}),
        )

    def _key(self, *parts: str) -> str:
        return "/".join(part for part in (self.config.prefix, *parts) if part)

    def store(self, backup: Path) -> str:
        files = sorted(p for p in backup.rglob("*") if p.is_file() and p.name != MANIFEST)
        for path in [*files, backup / MANIFEST]:  # the manifest last: its presence marks completion
            self.client.upload_file(
                str(path), self.config.bucket, self._key(backup.name, path.relative_to(backup).as_posix())
            )
        return f"{self.location}/{backup.name}"

    def _manifest_keys(self) -> Iterator[str]:
        paginator = self.client.get_paginator("list_objects_v2")
        prefix = self._key("") + "/" if self.config.prefix else ""
        for page in paginator.paginate(Bucket=self.config.bucket, Prefix=prefix, Delimiter="/"):
            for common in page.get("CommonPrefixes", []):
                name = common["Prefix"][len(prefix) :].strip("/")
                yield name

    def list(self) -> list[StoredBackup]:
        import json

        found = []
        for name in self._manifest_keys():
            try:
                body = self.client.get_object(Bucket=self.config.bucket, Key=self._key(name, MANIFEST))[
                    "Body"
                ]
            except self.client.exceptions.NoSuchKey:
                continue
            manifest = json.loads(body.read())
            found.append(
                StoredBackup(
                    name, str(manifest["created_at"]), int(manifest.get("size", 0)), f"{self.location}/{name}"
                )
            )
        return sorted(found, key=lambda item: (item.created_at, item.name))

    @contextmanager
    def fetch(self, name: str) -> Iterator[Path]:
        import tempfile

        scratch = Path(tempfile.mkdtemp(prefix="mallops-s3-fetch-"))
        try:
            target = scratch / name
            prefix = self._key(name) + "/"
            paginator = self.client.get_paginator("list_objects_v2")
            count = 0
            for page in paginator.paginate(Bucket=self.config.bucket, Prefix=prefix):
                for item in page.get("Contents", []):
                    relative = item["Key"][len(prefix) :]
                    if not relative or ".." in Path(relative).parts:
                        continue
                    destination = target / relative
                    destination.parent.mkdir(parents=True, exist_ok=True)
                    self.client.download_file(self.config.bucket, item["Key"], str(destination))
                    count += 1
            if not (target / MANIFEST).is_file():
                raise BackupError(f"no backup {name!r} in {self.location}")
            yield target
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def delete(self, name: str) -> None:
        prefix = self._key(name) + "/"
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.config.bucket, Prefix=prefix):
            keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if keys:
                self.client.delete_objects(Bucket=self.config.bucket, Delete={"Objects": keys})
