"""Where the catalogue keeps uploaded files: the media storage of ``mallops.core.uploads``.

Kept as a module because the catalogue's migrations name ``CatalogueMediaStorage`` by this path.
"""

from __future__ import annotations

from mallops.core.uploads import MediaStorage, media_storage

CatalogueMediaStorage = MediaStorage

__all__ = ["CatalogueMediaStorage", "media_storage"]
