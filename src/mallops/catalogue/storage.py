"""Where the catalogue keeps uploaded files."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible


@deconstructible
class CatalogueMediaStorage(FileSystemStorage):
    """File system storage at ``settings.DATA_DIR / "media"``, resolved on every access (so a test or
    a deployment that changes the data directory is honoured)."""

    @property
    def base_location(self) -> str:
        return str(Path(settings.DATA_DIR) / "media")

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)


media_storage = CatalogueMediaStorage()
