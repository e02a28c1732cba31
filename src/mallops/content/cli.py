"""``mallops content verify-draw ID``: recompute a drawn lucky draw's winners from its revealed seed.

Checks that SHA-256(seed) is the commitment published at the start, reruns ``draw.winners`` over the
sorted entrant codes and prints one line per winner (``rank prize entrant``). Exit codes: 0 the recorded
winners match, 1 they do not (or the seed does not match the commitment), 2 bad arguments or a draw that
is not drawn."""

from __future__ import annotations

import argparse

from mallops.core.cli_parser import OneLineParser


def _parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="mallops content", description="Content calendar and lucky draws.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    verify = commands.add_parser("verify-draw", help="recompute a lucky draw's winners from its seed")
    verify.add_argument("draw_id", type=int)
    return parser


def main(argv: list[str]) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2
    from mallops.content.verification import verify_draw

    result = verify_draw(draw_id=args.draw_id)
    if result is None:
        print(f"lucky draw {args.draw_id}: not found or not drawn")
        return 2
    print(f"commitment {result.commitment} seed {result.seed} seed_matches {result.seed_matches}")
    for award in result.recomputed:
        print(f"{award.rank} {award.prize_id} {award.entrant}")
    print("MATCH" if result.matches else "MISMATCH")
    return 0 if result.matches else 1
