"""``mallops keys ...``: encryption keys for personal data (runs after Django setup).

    mallops keys status               key ids, the active key, stored values per key (JSON)
    mallops keys generate             add a random key to the key file and make it active
    mallops keys rotate [--batch N]   re-encrypt every encrypted field to the active key (JSON counts)
    mallops keys retire KID           drop an old key once no stored value uses it

Zero-downtime rotation: ``generate``, then ``rotate`` while the site runs (web workers load the new key
the first time they read a value written under it), then ``status`` until the old key shows 0, then
``retire``. With keys from ``MALLOPS_ENCRYPTION_KEYS`` the operator appends the new key to the variable
and restarts instead of ``generate``, and removes the old one instead of ``retire``.

Exit codes: 0 done, 1 could not (key source, undecryptable values), 2 bad arguments.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from mallops.core.cli_parser import OneLineParser
from mallops.privacy import keys


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _parser() -> OneLineParser:
    parser = OneLineParser(prog="mallops keys")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    sub.add_parser("status", help="key ids and stored values per key")
    sub.add_parser("generate", help="add a new active key to the key file")
    rotate = sub.add_parser("rotate", help="re-encrypt every encrypted field to the active key")
    rotate.add_argument("--batch", type=_positive, default=500, help="rows per transaction (default 500)")
    retire = sub.add_parser("retire", help="remove a key no stored value uses any more")
    retire.add_argument("kid")
    return parser


def _print(document: dict[str, Any]) -> None:
    print(json.dumps(document, ensure_ascii=False, sort_keys=True))


def _fail(message: str) -> int:
    sys.stderr.write(f"mallops keys: {message}\n")
    return 1


def _status() -> int:
    from mallops.privacy.rotation import encrypted_columns, key_usage

    keyring = keys.get_keyring()
    usage = key_usage(encrypted_columns(), keyring)
    _print(
        {
            "source": "env" if keyring.source == "env" else "file",
            "active_key": keyring.active.kid,
            "keys": [
                {"id": key.kid, "active": key is keyring.active, "values": usage["by_key"].get(key.kid, 0)}
                for key in keyring.keys
            ],
            "plaintext_values": usage["by_key"].get("plaintext", 0),
            "unknown_key_values": usage["by_key"].get("unknown_key", 0),
            "columns": usage["columns"],
        }
    )
    return 0


def _generate() -> int:
    if keys.get_keyring().source == "env":
        return _fail(f"keys come from {keys.ENV_KEYS}; append the new key there and restart")
    key = keys.add_key_to_file()
    keys.reset_keyring()
    _print({"generated": key.kid, "active_key": keys.get_keyring().active.kid})
    return 0


def _rotate(batch: int) -> int:
    from mallops.privacy.rotation import encrypted_columns, rotate

    report = rotate(columns=encrypted_columns(), batch_size=batch).as_dict()
    _print(report)
    return 1 if report["failed"] else 0


def _retire(kid: str) -> int:
    from mallops.privacy.rotation import encrypted_columns, key_usage

    keyring = keys.get_keyring()
    if keyring.source == "env":
        return _fail(f"keys come from {keys.ENV_KEYS}; remove the key there and restart")
    if keyring.get(kid) is None:
        return _fail(f"no key {kid!r}")
    in_use = key_usage(encrypted_columns(), keyring)["by_key"].get(kid, 0)
    if in_use:
        return _fail(f"{in_use} stored values still use {kid!r}; run `mallops keys rotate` first")
    blocker = keys.retire_blocker(kid)
    if blocker:
        return _fail(blocker)
    keys.remove_key_from_file(kid)
    keys.reset_keyring()
    _print({"retired": kid, "active_key": keys.get_keyring().active.kid})
    return 0


def main(argv: Sequence[str]) -> int:
    try:
        args = _parser().parse_args(list(argv))
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        if args.command == "status":
            return _status()
        if args.command == "generate":
            return _generate()
        if args.command == "rotate":
            return _rotate(args.batch)
        return _retire(args.kid)
    except keys.KeyringError as exc:
        return _fail(str(exc))
