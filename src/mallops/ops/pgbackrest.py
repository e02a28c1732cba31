"""PostgreSQL backups with pgBackRest (Debian package ``pgbackrest``): full/differential/incremental
backups plus continuous WAL archiving, so a restore can stop at any moment (point-in-time recovery).

Production wiring (docs/operations.md): ``postgresql.conf`` gets ``archive_mode = on`` and
``archive_command = 'pgbackrest --stanza=mallops archive-push %p'``; the repositories are configured in
``/etc/pgbackrest/pgbackrest.conf`` (``repo1`` a local path, ``repo2`` an off-site path or an S3 bucket).
``mallops backup pg-backup`` runs one backup through this module and records it as a ``BackupRun``.
No Django import: the test suite drives a throwaway cluster with it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ENV_CONFIG = "MALLOPS_PGBACKREST_CONFIG"
ENV_STANZA = "MALLOPS_PGBACKREST_STANZA"


class PgBackRestError(Exception):
    """pgBackRest is missing or a command failed; the message carries its output."""


def render_config(
    *,
    stanza: str,
    repo_path: Path,
    pg_data: Path,
    pg_port: int,
    pg_socket: Path,
    pg_user: str,
    work_dir: Path,
    retention_full: int = 2,
) -> str:
    """A pgbackrest.conf for one cluster and one file-system repository."""
    return "\n".join(
        [
            "[global]",
            f"repo1-path={repo_path}",
            f"repo1-retention-full={retention_full}",
            f"log-path={work_dir / 'log'}",
            f"lock-path={work_dir / 'lock'}",
            f"spool-path={work_dir / 'spool'}",
            "log-level-console=warn",
            "log-level-file=off",
            "start-fast=y",
            "compress-type=lz4",
            "",
            f"[{stanza}]",
            f"pg1-path={pg_data}",
            f"pg1-port={pg_port}",
            f"pg1-socket-path={pg_socket}",
            f"pg1-user={pg_user}",
            "",
        ]
    )


@dataclass(frozen=True)
class PgBackRest:
    """One stanza of one configuration file; ``run_as`` prefixes commands (``runuser -u postgres --``)."""

    config: Path
    stanza: str
    run_as: tuple[str, ...] = ()
    timeout: float = 120.0
    binary: str = field(default_factory=lambda: shutil.which("pgbackrest") or "pgbackrest")

    @classmethod
    def from_env(cls) -> PgBackRest:
        stanza = os.environ.get(ENV_STANZA, "").strip()
        if not stanza:
            raise PgBackRestError(f"set {ENV_STANZA} (and {ENV_CONFIG} unless /etc/pgbackrest is used)")
        config = os.environ.get(ENV_CONFIG, "").strip() or "/etc/pgbackrest/pgbackrest.conf"
        return cls(Path(config), stanza)

    def archive_command(self) -> str:
        return f"{self.binary} --config={self.config} --stanza={self.stanza} archive-push %p"

    def run(self, command: str, *options: str) -> str:
        if shutil.which(self.binary) is None:
            raise PgBackRestError("pgbackrest is not installed (apt-get install pgbackrest)")
        argv = [
            *self.run_as,
            self.binary,
            f"--config={self.config}",
            f"--stanza={self.stanza}",
            *options,
            command,
        ]
        try:
            proc = subprocess.run(argv, capture_output=True, text=True, timeout=self.timeout)
        except subprocess.TimeoutExpired as exc:
            raise PgBackRestError(f"pgbackrest {command} timed out after {self.timeout} s") from exc
        if proc.returncode != 0:
            raise PgBackRestError(
                f"pgbackrest {command} failed ({proc.returncode}): {(proc.stderr or proc.stdout)[-2000:]}"
            )
        return proc.stdout

    def stanza_create(self) -> None:
        self.run("stanza-create")

    def check(self) -> None:
        """Forces a WAL switch and waits until that segment is in the repository."""
        self.run("check")

    def backup(self, kind: str = "full") -> dict[str, Any]:
        if kind not in {"full", "diff", "incr"}:
            raise PgBackRestError(f"unknown backup type {kind!r}")
        self.run("backup", f"--type={kind}")
        backups = self.info()[0].get("backup", [])
        if not backups:
            raise PgBackRestError("pgbackrest reports no backup after a successful run")
        return dict(backups[-1])

    def info(self) -> list[dict[str, Any]]:
        return list(json.loads(self.run("info", "--output=json")))

    def restore_to_time(self, target_time: str, *, pg_data: Path) -> None:
        """Restore into the empty directory ``pg_data`` and recover up to ``target_time`` (exclusive of
        transactions committed after it), then promote."""
        self.run(
            "restore",
            f"--pg1-path={pg_data}",
            "--type=time",
            f"--target={target_time}",
            "--target-action=promote",
        )
