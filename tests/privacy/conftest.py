"""Privacy test fixtures: a keyring in a temporary data dir and the ``Contact`` table (privacy_testmodels).

Creating a table with the schema editor on SQLite needs a test without a wrapping transaction, hence
``transactional_db``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from privacy_testmodels import Contact

from mallops.privacy import keys


@pytest.fixture
def keyring_dir(tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh key file under a temporary DATA_DIR; the process keyring is reset around the test."""
    monkeypatch.delenv(keys.ENV_KEYS, raising=False)
    monkeypatch.delenv(keys.ENV_BLIND_INDEX_KEY, raising=False)
    settings.DATA_DIR = tmp_path
    keys.reset_keyring()
    yield tmp_path
    keys.reset_keyring()


@pytest.fixture
def contact_table(transactional_db: None, keyring_dir: Path) -> Iterator[type[Contact]]:
    with connection.schema_editor() as editor:
        editor.create_model(Contact)
    try:
        yield Contact
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(Contact)
