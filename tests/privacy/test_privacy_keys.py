from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import pytest

from mallops.privacy import keys
from mallops.privacy.keys import DecryptionError, Key, Keyring, KeyringError

pytestmark = pytest.mark.req("R6.2.1")


def _secret(fill: int) -> bytes:
    return bytes([fill]) * 32


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _ring(*kids: str) -> Keyring:
    return Keyring(
        keys=tuple(Key(kid, _secret(i + 1)) for i, kid in enumerate(kids)), blind_index_key=_secret(99)
    )


def test_token_names_active_key_and_round_trips() -> None:
    ring = _ring("k1", "k2")
    token = ring.encrypt("13812341234")
    assert token.startswith("enc1:k2:")
    assert "13812341234" not in token
    assert ring.decrypt(token) == "13812341234"
    assert ring.encrypt("13812341234") != token  # fresh nonce every time


def test_old_tokens_stay_readable_after_a_new_key() -> None:
    old = _ring("k1")
    token = old.encrypt("张三")
    newer = _ring("k1", "k2")
    assert newer.decrypt(token) == "张三"
    assert newer.encrypt("张三").startswith("enc1:k2:")


def test_associated_data_binds_token_to_its_column() -> None:
    ring = _ring("k1")
    token = ring.encrypt("110101199001011234", associated_data="accounts.user.id_number")
    assert ring.decrypt(token, associated_data="accounts.user.id_number") == "110101199001011234"
    with pytest.raises(DecryptionError):
        ring.decrypt(token, associated_data="accounts.user.note")


@pytest.mark.parametrize("mangle", ["kid", "payload", "truncate", "garbage"])
def test_tampered_tokens_fail_closed(mangle: str) -> None:
    ring = _ring("k1", "k2")
    token = ring.encrypt("secret", associated_data="x")
    version, kid, payload = token.split(":")
    raw = bytearray(base64.b64decode(payload))
    raw[-1] ^= 1
    bad = {
        "kid": f"{version}:k1:{payload}",
        "payload": f"{version}:{kid}:{_b64(bytes(raw))}",
        "truncate": f"{version}:{kid}:{_b64(bytes(raw[:20]))}",
        "garbage": f"{version}:{kid}:not base64!",
    }[mangle]
    with pytest.raises(DecryptionError):
        ring.decrypt(bad, associated_data="x")


def test_unknown_kid_is_refused() -> None:
    token = _ring("k1", "k9").encrypt("x")
    with pytest.raises(DecryptionError, match="k9"):
        _ring("k1").decrypt(token)


def test_env_keys_last_is_active() -> None:
    environ = {
        keys.ENV_KEYS: f"a:{_b64(_secret(1))}, b:{_b64(_secret(2))}",
        keys.ENV_BLIND_INDEX_KEY: _b64(_secret(3)),
    }
    ring = keys.load_keyring(environ=environ, data_dir=Path("/nonexistent"))
    assert [k.kid for k in ring.keys] == ["a", "b"]
    assert ring.active.kid == "b"
    assert ring.source == "env"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("a:" + _b64(b"short"), "32 bytes"),
        ("a" + _b64(_secret(1)), "kid:base64"),
        ("a:%%%", "base64"),
        (f"bad kid:{_b64(_secret(1))}", "bad key id"),
        (f"a:{_b64(_secret(1))},a:{_b64(_secret(2))}", "duplicate"),
    ],
)
def test_bad_env_keys_are_rejected(value: str, message: str) -> None:
    with pytest.raises(KeyringError, match=message):
        keys.load_keyring(environ={keys.ENV_KEYS: value, keys.ENV_BLIND_INDEX_KEY: _b64(_secret(3))})


def test_env_keys_without_blind_index_key_fail_at_load() -> None:
    with pytest.raises(KeyringError, match=keys.ENV_BLIND_INDEX_KEY):
        keys.load_keyring(environ={keys.ENV_KEYS: f"a:{_b64(_secret(1))}"})


def test_key_file_created_once_with_mode_600(tmp_path: Path) -> None:
    first = keys.load_keyring(environ={}, data_dir=tmp_path)
    path = tmp_path / keys.KEY_FILE_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    second = keys.load_keyring(environ={}, data_dir=tmp_path)
    assert first == second
    assert len(first.keys) == 1
    assert first.blind_index_key not in {k.secret for k in first.keys}


def test_generate_adds_active_key_and_keeps_old(tmp_path: Path) -> None:
    before = keys.load_keyring(environ={}, data_dir=tmp_path)
    token = before.encrypt("13812341234")
    added = keys.add_key_to_file(tmp_path)
    after = keys.load_keyring(environ={}, data_dir=tmp_path)
    assert after.active == added
    assert [k.kid for k in after.keys] == [before.active.kid, added.kid]
    assert after.decrypt(token) == "13812341234"
    assert after.blind_index_key == before.blind_index_key
    assert stat.S_IMODE((tmp_path / keys.KEY_FILE_NAME).stat().st_mode) == 0o600


def test_retire_refuses_the_active_key(tmp_path: Path) -> None:
    ring = keys.load_keyring(environ={}, data_dir=tmp_path)
    with pytest.raises(KeyringError, match="active"):
        keys.remove_key_from_file(ring.active.kid, tmp_path)
    added = keys.add_key_to_file(tmp_path)
    keys.remove_key_from_file(ring.active.kid, tmp_path)
    document = json.loads((tmp_path / keys.KEY_FILE_NAME).read_text())
    assert [entry["id"] for entry in document["keys"]] == [added.kid]


def test_blind_index_normalises_phones_and_separates_namespaces() -> None:
    ring = _ring("k1")
    digest = ring.blind_index("13812341234", namespace="phone")
    assert len(digest) == 64
    assert int(digest, 16) >= 0
    for variant in [" 138 1234 1234 ", "+86 138-1234-1234", "８６１３８１２３４１２３４"]:
        assert ring.blind_index(variant, namespace="phone") == digest
    assert ring.blind_index("13812341234", namespace="id_number") != digest
    assert ring.blind_index("13812341235", namespace="phone") != digest
    other_key = Keyring(keys=ring.keys, blind_index_key=_secret(98))
    assert other_key.blind_index("13812341234", namespace="phone") != digest


def test_blind_index_is_not_touched_by_a_new_encryption_key() -> None:
    assert _ring("k1").blind_index("a@b.cn", namespace="email") == _ring("k1", "k2").blind_index(
        "A@B.CN ", namespace="email"
    )


def test_process_keyring_reloads_for_a_key_it_has_not_seen(keyring_dir: Path) -> None:
    # a web worker loaded the keyring before `keys generate` ran in another process
    stale = keys.get_keyring()
    keys.add_key_to_file(keyring_dir)
    token = keys.load_keyring(environ={}, data_dir=keyring_dir).encrypt("13812341234")
    assert keys.get_keyring() is stale
    assert keys.decrypt(token) == "13812341234"
    assert keys.get_keyring().active.kid == keys.token_kid(token)
