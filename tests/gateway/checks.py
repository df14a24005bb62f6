"""What the Python interop clients of scripts/gateway-interop.sh share: a check that fails with
a reason, the texts of a result, and running the checks with one PASS/FAIL line at the end."""

from __future__ import annotations

import argparse
import sys
from typing import Any, Awaitable, Callable

import anyio


class CheckFailed(Exception):
    pass


def check(cond: bool, msg: str) -> None:
    if not cond:
        raise CheckFailed(msg)


def texts(result: Any) -> list[str]:
    return [c.text for c in (result.content or []) if getattr(c, "type", None) == "text"]


def run_checks(name: str, run: Callable[[argparse.Namespace], Awaitable[None]], args: argparse.Namespace) -> int:
    """Runs `run(args)`: 0 when every check passed, 1 (reason on stderr) on the first failure."""
    try:
        anyio.run(run, args)
    except BaseException as e:  # noqa: BLE001 - any failure is reported with its type
        while isinstance(e, BaseExceptionGroup) and len(e.exceptions) == 1:
            e = e.exceptions[0]
        print(f"[{name}] FAIL: {type(e).__name__}: {e}", file=sys.stderr, flush=True)
        return 1
    print(f"[{name}] all checks passed", flush=True)
    return 0
