"""Mallops: operations platform for multi-merchant e-commerce marketplaces."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("mallops")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0"
