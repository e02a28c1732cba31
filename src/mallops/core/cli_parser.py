"""The argument parser every ``mallops`` command uses (pure Python: engine commands import it too)."""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn


class OneLineParser(argparse.ArgumentParser):
    """Reports a usage error as one line on stderr (``prog: error: message``) and exits with status 2."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(2)
