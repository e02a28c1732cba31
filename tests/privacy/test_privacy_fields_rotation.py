from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import FieldError
from django.db import connection
from privacy_testmodels import ISOLATED_APPS, Contact, raw_column

from mallops.privacy import cli, keys
from mallops.privacy.fields import BlindIndexField, EncryptedTextField
from mallops.privacy.rotation import encrypted_columns, key_usage, rotate

TABLE = Contact._meta.db_table
PEOPLE = [
    ("张三", "13812341234", "110101199001011234"),
    ("李四", "13900001111", ""),
    ("王五", None, "11010119900101123X"),
    ("赵六", "+86 137-0000-2222", ""),
    ("孙七", "13600003333", "440301198001010011"),
]


def _create_people() -> list[Contact]:
    return [Contact.objects.create(name=n, phone=p, id_number=i) for n, p, i in PEOPLE]


def _columns() -> list:
    return encrypted_columns(models_=[Contact])


@pytest.mark.req("R6.2.1", "R7.3.1")
def test_plaintext_never_reaches_the_database(contact_table: type[Contact]) -> None:
    # when
    _create_people()
    # then: every stored value is a token under the active key, none contains the plaintext
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT name, phone, id_number FROM {TABLE} ORDER BY id")
        stored = cursor.fetchall()
    active = keys.get_keyring().active.kid
    for (name, phone, id_number), row in zip(PEOPLE, stored, strict=True):
        for plain, raw in zip((name, phone, id_number), row, strict=True):
            if plain is None or plain == "":
                assert raw == plain
            else:
                assert raw.startswith(f"enc1:{active}:")
                assert plain not in raw
                assert plain[-4:] not in raw
    # and reading gives the plaintext back
    assert [(c.name, c.phone, c.id_number) for c in Contact.objects.order_by("id")] == PEOPLE


@pytest.mark.req("R6.2.1")
def test_phone_lookup_through_blind_index(contact_table: type[Contact]) -> None:
    _create_people()
    stored = raw_column(TABLE, "phone_index")
    assert stored[2] is None  # no phone, no index
    assert all(len(digest) == 64 for digest in stored if digest is not None)
    found = Contact.objects.get(phone_index=keys.blind_index("137 0000 2222", namespace="phone"))
    assert found.name == "赵六"


def test_encrypted_field_refuses_equality_lookups(contact_table: type[Contact]) -> None:
    _create_people()
    with pytest.raises(FieldError):
        list(Contact.objects.filter(phone="13812341234"))
    assert Contact.objects.filter(phone__isnull=True).count() == 1


def test_token_copied_to_another_column_does_not_decrypt(contact_table: type[Contact]) -> None:
    _create_people()
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET phone = name")
    with pytest.raises(keys.DecryptionError):
        list(Contact.objects.all())


def test_fields_deconstruct_for_migrations() -> None:
    _, path, args, kwargs = Contact._meta.get_field("phone").deconstruct()
    assert path == "mallops.privacy.fields.EncryptedTextField"
    assert kwargs["associated_data"] == "privacy_test.contact.phone"
    rebuilt = EncryptedTextField(*args, **kwargs)
    assert rebuilt.associated_data == "privacy_test.contact.phone"
    _, path, args, kwargs = Contact._meta.get_field("phone_index").deconstruct()
    assert path == "mallops.privacy.fields.BlindIndexField"
    assert (kwargs["source"], kwargs["namespace"]) == ("phone", "phone")
    assert BlindIndexField(*args, **kwargs).max_length == 64


def test_encrypted_columns_found_by_walking_models() -> None:
    found = {c.label for c in encrypted_columns(app_registry=ISOLATED_APPS)}
    assert found == {"privacy.Contact.name", "privacy.Contact.phone", "privacy.Contact.id_number"}


@pytest.mark.req("R6.2.1", "R7.3.1")
def test_key_rotation_round_trip(contact_table: type[Contact], keyring_dir: Path) -> None:
    # given: values written under the first key
    _create_people()
    old_kid = keys.get_keyring().active.kid
    values = 5 + 4 + 3  # names, non-null phones, non-empty id numbers
    assert key_usage(_columns(), keys.get_keyring())["by_key"][old_kid] == values
    # when: a new key is generated and rotation runs in batches smaller than the table
    new_kid = keys.add_key_to_file(keyring_dir).kid
    keys.reset_keyring()
    readable_before = [(c.name, c.phone, c.id_number) for c in Contact.objects.order_by("id")]
    report = rotate(columns=_columns(), batch_size=2).as_dict()
    # then
    assert report["active_key"] == new_kid
    assert report["reencrypted"] == values
    assert report["failed"] == 0
    assert report["columns"]["privacy.Contact.name"]["reencrypted"] == 5
    usage = key_usage(_columns(), keys.get_keyring())["by_key"]
    assert usage[old_kid] == 0
    assert usage[new_kid] == values
    assert all(raw.startswith(f"enc1:{new_kid}:") for raw in raw_column(TABLE, "name"))
    assert readable_before == PEOPLE
    assert [(c.name, c.phone, c.id_number) for c in Contact.objects.order_by("id")] == PEOPLE
    # and a second run has nothing to do
    assert rotate(columns=_columns(), batch_size=2).as_dict()["reencrypted"] == 0


@pytest.mark.req("R6.2.1")
def test_rotation_encrypts_legacy_plaintext(contact_table: type[Contact]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {TABLE} (name, phone, id_number, note) VALUES ('周八', NULL, '', '')")
    assert Contact.objects.get().name == "周八"
    assert key_usage(_columns(), keys.get_keyring())["by_key"]["plaintext"] == 1
    report = rotate(columns=_columns()).as_dict()
    assert report["encrypted_plaintext"] == 1
    assert raw_column(TABLE, "name")[0].startswith("enc1:")
    assert Contact.objects.get().name == "周八"


def test_rotation_reports_unreadable_values_without_content(
    contact_table: type[Contact], keyring_dir: Path
) -> None:
    people = _create_people()
    foreign = keys.Keyring(keys=(keys.Key("lost", b"\x07" * 32),), blind_index_key=b"\x08" * 32)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET name = %s WHERE id = %s", [foreign.encrypt("x"), people[0].pk])
    keys.add_key_to_file(keyring_dir)
    keys.reset_keyring()
    report = rotate(columns=_columns(), batch_size=10).as_dict()
    assert report["failed"] == 1
    assert report["failed_rows"] == [f"privacy.Contact:{people[0].pk}:name"]
    assert report["reencrypted"] == 5 + 4 + 3 - 1
    assert key_usage(_columns(), keys.get_keyring())["by_key"]["unknown_key"] == 1


# --- CLI ---------------------------------------------------------------------------------------------------


@pytest.fixture
def cli_columns(monkeypatch: pytest.MonkeyPatch, contact_table: type[Contact]) -> None:
    monkeypatch.setattr("mallops.privacy.rotation.encrypted_columns", lambda *a, **k: _columns())


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else {}), err


@pytest.mark.req("R6.2.1")
def test_cli_generate_rotate_status_retire(cli_columns: None, capsys: pytest.CaptureFixture[str]) -> None:
    _create_people()
    code, status, _ = _run(capsys, "status")
    old_kid = status["active_key"]
    assert code == 0
    assert status["source"] == "file"
    assert status["keys"] == [{"id": old_kid, "active": True, "values": 12}]

    code, generated, _ = _run(capsys, "generate")
    new_kid = generated["generated"]
    assert (code, generated["active_key"]) == (0, new_kid)

    code, _, err = _run(capsys, "retire", old_kid)
    assert code == 1
    assert "12 stored values still use" in err

    code, report, _ = _run(capsys, "rotate", "--batch", "3")
    assert (code, report["reencrypted"], report["failed"]) == (0, 12, 0)

    code, status, _ = _run(capsys, "status")
    assert status["keys"] == [
        {"id": old_kid, "active": False, "values": 0},
        {"id": new_kid, "active": True, "values": 12},
    ]
    code, retired, _ = _run(capsys, "retire", old_kid)
    assert (code, retired) == (0, {"retired": old_kid, "active_key": new_kid})
    assert [(c.name, c.phone, c.id_number) for c in Contact.objects.order_by("id")] == PEOPLE


def test_cli_generate_refuses_env_keys(keyring_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv(keys.ENV_KEYS, "a:" + "A" * 43 + "=")
    monkeypatch.setenv(keys.ENV_BLIND_INDEX_KEY, "B" * 43 + "=")
    keys.reset_keyring()
    code, out, err = _run(capsys, "generate")
    assert code == 1
    assert out == {}
    assert keys.ENV_KEYS in err


@pytest.mark.parametrize(
    "argv", [[], ["frob"], ["rotate", "--batch", "0"], ["rotate", "--batch", "x"], ["retire"]]
)
def test_cli_bad_arguments_exit_2_with_one_line(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.strip().splitlines()) == 1


def test_mallops_keys_command_is_wired(tmp_path: Path) -> None:
    env = {**os.environ, "MALLOPS_DATA_DIR": str(tmp_path)}
    env.pop(keys.ENV_KEYS, None)
    result = subprocess.run(
        [sys.executable, "-m", "mallops", "keys", "rotate", "--batch", "0"],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip().startswith("mallops keys rotate: error:")
