"""Keyring for field encryption (AES-256-GCM) and blind indexes (HMAC-SHA256). R6.2.1, R7.3.1.

Key source, first match wins:

1. ``MALLOPS_ENCRYPTION_KEYS="kid1:<base64 32 bytes>,kid2:<base64 32 bytes>"`` (the last key is active)
   together with ``MALLOPS_BLIND_INDEX_KEY="<base64 32 bytes>"``; both are required, so a half-configured
   environment fails at start-up instead of writing values nobody can look up later.
2. ``<data dir>/keys.json`` (mode 600), created with one random key and a blind-index key on first use.

Tokens look like ``enc1:<kid>:<base64(nonce | ciphertext+tag)>``. The kid names the key that wrote the
value, so after ``mallops keys generate`` old values stay readable while ``mallops keys rotate`` moves them
to the new key in the background. The kid, the token version and the caller's associated data are bound
as GCM associated data: a token copied to another column or relabelled with another kid fails to decrypt.

No Django import at module level; the data dir comes from ``settings.DATA_DIR`` when Django is configured.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import json
import os
import re
import secrets
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

ENV_KEYS = "MALLOPS_ENCRYPTION_KEYS"
ENV_BLIND_INDEX_KEY = "MALLOPS_BLIND_INDEX_KEY"
KEY_FILE_NAME = "keys.json"
TOKEN_VERSION = "enc1"
KEY_BYTES = 32
NONCE_BYTES = 12
_KID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


class KeyringError(Exception):
    """The keyring is missing, malformed or cannot do what was asked."""


class DecryptionError(KeyringError):
    """A token is malformed, names an unknown key, or fails authentication (tampered or wrong column)."""


@dataclass(frozen=True)
class Key:
    kid: str
    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not _KID.match(self.kid):
            raise KeyringError(f"bad key id {self.kid!r}: use 1-32 of A-Z a-z 0-9 _ -")
        if len(self.secret) != KEY_BYTES:
            raise KeyringError(f"key {self.kid!r} must be {KEY_BYTES} bytes, got {len(self.secret)}")


def is_token(value: str) -> bool:
    return value.startswith(TOKEN_VERSION + ":")


def token_kid(token: str) -> str | None:
    """The key id a token names, or None when ``token`` is not an encryption token."""
    if not is_token(token):
        return None
    parts = token.split(":", 2)
    return parts[1] if len(parts) == 3 else None


def normalise_for_index(value: str, *, namespace: str) -> str:
    """Canonical form hashed by blind indexes, so ``+86 138-1234-1234`` finds ``13812341234``.

    All namespaces: NFKC (full-width digits become ASCII) and outer whitespace removed. ``phone``: digits
    only, without the 86 country code of a mainland mobile. ``email``: case-folded. ``id_number``: no
    spaces, upper-case X.
    """
    text = unicodedata.normalize("NFKC", value).strip()
    if namespace == "phone":
        digits = "".join(c for c in text if c.isdigit())
        if len(digits) == 13 and digits.startswith("861"):
            digits = digits[2:]
        return digits
    if namespace == "email":
        return text.casefold()
    if namespace == "id_number":
        return "".join(text.split()).upper()
    return text


@dataclass(frozen=True)
class Keyring:
    """Encryption keys (oldest first, the last one active) and the blind-index key.

    The blind-index key is deliberately outside rotation: an index is only useful if the same input
    always gives the same digest, so changing its key means recomputing every index from plaintext in
    the same step, and lookups by phone miss for every row not yet recomputed. Rotating encryption keys
    has no such window because each token names its key. The blind-index key is separate from the
    encryption keys so that rotating those never touches indexes; replacing it is a planned re-index,
    not part of ``mallops keys rotate``.
    """

    keys: tuple[Key, ...]
    blind_index_key: bytes = field(repr=False)
    source: str = "memory"

    def __post_init__(self) -> None:
        if not self.keys:
            raise KeyringError("the keyring has no encryption key")
        kids = [key.kid for key in self.keys]
        if len(set(kids)) != len(kids):
            raise KeyringError(f"duplicate key ids in {kids}")
        if len(self.blind_index_key) != KEY_BYTES:
            raise KeyringError(f"the blind-index key must be {KEY_BYTES} bytes")

    @property
    def active(self) -> Key:
        return self.keys[-1]

    def get(self, kid: str) -> Key | None:
        return next((key for key in self.keys if key.kid == kid), None)

    @staticmethod
    def _aad(kid: str, associated_data: str) -> bytes:
        return f"{TOKEN_VERSION}:{kid}:{associated_data}".encode()

    def encrypt(self, plaintext: str, *, associated_data: str = "") -> str:
        key = self.active
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = AESGCM(key.secret).encrypt(nonce, plaintext.encode(), self._aad(key.kid, associated_data))
        return f"{TOKEN_VERSION}:{key.kid}:{base64.b64encode(nonce + sealed).decode('ascii')}"

    def decrypt(self, token: str, *, associated_data: str = "") -> str:
        kid = token_kid(token)
        if kid is None:
            raise DecryptionError("not an encryption token")
        key = self.get(kid)
        if key is None:
            raise DecryptionError(f"unknown key id {kid!r}")
        try:
            raw = base64.b64decode(token.split(":", 2)[2], validate=True)
        except (binascii.Error, ValueError) as exc:
            raise DecryptionError("token payload is not base64") from exc
        if len(raw) < NONCE_BYTES + 16:
            raise DecryptionError("token payload too short")
        try:
            plain = AESGCM(key.secret).decrypt(
                raw[:NONCE_BYTES], raw[NONCE_BYTES:], self._aad(kid, associated_data)
            )
        except InvalidTag as exc:
            raise DecryptionError(f"token failed authentication under key {kid!r}") from exc
        return plain.decode()

    def blind_index(self, value: str, *, namespace: str) -> str:
        """HMAC-SHA256 hex digest of the normalised value, separated per namespace."""
        if not namespace or "\x00" in namespace:
            raise ValueError("a blind index needs a namespace such as 'phone'")
        message = namespace.encode() + b"\x00" + normalise_for_index(value, namespace=namespace).encode()
        return hmac.new(self.blind_index_key, message, hashlib.sha256).hexdigest()


# --- sources ---------------------------------------------------------------------------------------------


def _decode_secret(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise KeyringError(f"{what} is not valid base64") from exc


def parse_env_keys(text: str) -> tuple[Key, ...]:
    """Parse ``kid:base64,kid:base64`` (order kept: the last key is active)."""
    keys = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        kid, sep, secret = item.partition(":")
        if not sep:
            raise KeyringError(f"{ENV_KEYS}: entry {kid[:8]!r}... is not kid:base64")
        keys.append(Key(kid.strip(), _decode_secret(secret, f"{ENV_KEYS} key {kid.strip()!r}")))
    return tuple(keys)


def new_secret() -> str:
    return base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")


def new_kid() -> str:
    return f"k{datetime.now(UTC):%Y%m%d}-{secrets.token_hex(3)}"


def default_data_dir() -> Path:
    try:
        from django.conf import settings

        if settings.configured:
            return Path(settings.DATA_DIR)
    except ImportError:  # pragma: no cover - Django is always installed with mallops
        pass
    return Path(os.environ.get("MALLOPS_DATA_DIR", "var")).resolve()


def key_file_path(data_dir: Path | None = None) -> Path:
    return (data_dir or default_data_dir()) / KEY_FILE_NAME


def _write_private(path: Path, document: dict[str, object], *, replace: bool) -> None:
    """Write ``document`` with mode 600 atomically; with ``replace=False`` an existing file wins."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as handle:
            json.dump(document, handle, indent=2)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(tmp, path)
        else:
            # atomic create-if-absent: processes starting together all end up with the same file
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _read_key_file(path: Path) -> dict[str, object]:
    try:
        document = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise KeyringError(f"cannot read key file {path}: {exc}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise KeyringError(f"key file {path} has no 'keys' list")
    return document


def _keyring_from_document(document: dict[str, object], source: str) -> Keyring:
    entries = document["keys"]
    assert isinstance(entries, list)
    keys = tuple(
        Key(str(entry["id"]), _decode_secret(str(entry["key"]), f"key {entry['id']!r}")) for entry in entries
    )
    blind = _decode_secret(str(document.get("blind_index_key", "")), "blind_index_key")
    return Keyring(keys=keys, blind_index_key=blind, source=source)


def _new_entry(kid: str | None = None) -> dict[str, str]:
    return {"id": kid or new_kid(), "key": new_secret(), "created_at": datetime.now(UTC).isoformat()}


def load_keyring(*, environ: dict[str, str] | None = None, data_dir: Path | None = None) -> Keyring:
    """Build the keyring from the environment, else from the key file (creating it on first use)."""
    env = os.environ if environ is None else environ
    if env.get(ENV_KEYS, "").strip():
        blind = env.get(ENV_BLIND_INDEX_KEY, "").strip()
        if not blind:
            raise KeyringError(f"{ENV_KEYS} is set but {ENV_BLIND_INDEX_KEY} is not; set both")
        keys = parse_env_keys(env[ENV_KEYS])
        return Keyring(keys=keys, blind_index_key=_decode_secret(blind, ENV_BLIND_INDEX_KEY), source="env")
    path = key_file_path(data_dir)
    if not path.exists():
        _write_private(
            path, {"format": 1, "keys": [_new_entry()], "blind_index_key": new_secret()}, replace=False
        )
    return _keyring_from_document(_read_key_file(path), source=str(path))


def add_key_to_file(data_dir: Path | None = None, *, kid: str | None = None) -> Key:
    """Append a new random key to the key file and make it active (``mallops keys generate``)."""
    path = key_file_path(data_dir)
    load_keyring(environ={}, data_dir=data_dir)  # creates the file when absent
    document = _read_key_file(path)
    entries = document["keys"]
    assert isinstance(entries, list)
    entry = _new_entry(kid)
    if any(existing["id"] == entry["id"] for existing in entries):
        raise KeyringError(f"key id {entry['id']!r} already exists")
    entries.append(entry)
    _keyring_from_document(document, source=str(path))  # validate before writing
    _write_private(path, document, replace=True)
    return Key(entry["id"], base64.b64decode(entry["key"]))


# other users of the key ring (the audit chain's MAC keys) say why a key must stay: kid -> reason or None
_retire_guards: list[Callable[[str], str | None]] = []


def register_retire_guard(guard: Callable[[str], str | None]) -> None:
    """``guard(kid)`` returns why ``kid`` cannot be retired (e.g. audit events chained with it), or None."""
    if guard not in _retire_guards:
        _retire_guards.append(guard)


def retire_blocker(kid: str) -> str | None:
    """Why another user of the key ring needs ``kid`` kept (the first registered guard that objects)."""
    for guard in _retire_guards:
        reason = guard(kid)
        if reason:
            return reason
    return None


def remove_key_from_file(kid: str, data_dir: Path | None = None) -> None:
    """Drop a retired key; the caller checks first that no value still uses it (``retire_blocker``)."""
    path = key_file_path(data_dir)
    document = _read_key_file(path)
    entries = document["keys"]
    assert isinstance(entries, list)
    if not any(entry["id"] == kid for entry in entries):
        raise KeyringError(f"no key {kid!r} in {path}")
    if entries[-1]["id"] == kid:
        raise KeyringError(f"{kid!r} is the active key; generate a new key and rotate first")
    document["keys"] = [entry for entry in entries if entry["id"] != kid]
    _write_private(path, document, replace=True)


# --- process-wide keyring --------------------------------------------------------------------------------

_lock = threading.Lock()
_cached: Keyring | None = None


def get_keyring() -> Keyring:
    global _cached
    with _lock:
        if _cached is None:
            _cached = load_keyring()
        return _cached


def reset_keyring() -> None:
    """Forget the cached keyring (tests, and after this process changed the key file)."""
    global _cached
    with _lock:
        _cached = None


def encrypt(plaintext: str, *, associated_data: str = "") -> str:
    return get_keyring().encrypt(plaintext, associated_data=associated_data)


def decrypt(token: str, *, associated_data: str = "") -> str:
    """Decrypt with the key the token names; reloads the keyring once for a kid it has not seen.

    The reload is what keeps running web workers readable while ``mallops keys generate`` + ``rotate``
    in another process write values under a key those workers did not load at start-up.
    """
    keyring = get_keyring()
    kid = token_kid(token)
    if kid is not None and keyring.get(kid) is None:
        reset_keyring()
        keyring = get_keyring()
    return keyring.decrypt(token, associated_data=associated_data)


def blind_index(value: str, *, namespace: str) -> str:
    return get_keyring().blind_index(value, namespace=namespace)
