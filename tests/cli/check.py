"""Assertions on the JSON that `mcp-serve list|call|read|prompt` printed, for scripts/cli-interop.sh.

Usage: python3 check.py FILE EXPR...

FILE holds the command's stdout. Each EXPR is a Python expression evaluated with `r` bound
to the parsed JSON and these helpers:

    names(items, key="name")  the `key` of every item of a list (missing lists give [])
    text(r)                   the text of the first content block of a tool result
    texts(r)                  the texts of every text content block, joined by newlines
    era(r)                    "modern" when the result carries `resultType` (2026-07-28 results
                              do, legacy ones don't), else "legacy"

Prints nothing and exits 0 when every EXPR is true; otherwise prints `FAIL: <expr> ...` with
what was found (one line, for the script's report) and exits 1.
"""

import json
import sys


def names(items, key="name"):
    return [i.get(key) for i in (items or []) if isinstance(i, dict)]


def texts(r):
    return "\n".join(b.get("text", "") for b in r.get("content", []) if b.get("type") == "text")


def text(r):
    blocks = r.get("content") or []
    return blocks[0].get("text") if blocks else None


def era(r):
    return "modern" if "resultType" in r else "legacy"


def short(value, limit=300):
    s = json.dumps(value, sort_keys=True) if not isinstance(value, str) else value
    return s if len(s) <= limit else s[:limit] + "..."


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    path, exprs = sys.argv[1], sys.argv[2:]
    raw = open(path, encoding="utf-8").read()
    try:
        r = json.loads(raw)
    except ValueError as e:
        print(f"FAIL: stdout is not JSON ({e}): {short(raw)!r}")
        sys.exit(1)
    env = {"r": r, "names": names, "text": text, "texts": texts, "era": era}
    for expr in exprs:
        try:
            ok = eval(expr, env)  # noqa: S307 - the expressions are the script's own
        except Exception as e:  # a missing key is a failed expectation, not a crash
            print(f"FAIL: {expr} raised {type(e).__name__}: {e}; got {short(r)}")
            sys.exit(1)
        if not ok:
            print(f"FAIL: expected {expr}; got {short(r)}")
            sys.exit(1)


if __name__ == "__main__":
    main()
