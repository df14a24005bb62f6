#!/usr/bin/env python3
"""Which of a running server's code is resident, by crate.

Usage (as root, after the load): python3 bench/resident_code.py PID [TOP]

Reads /proc/PID/maps and /proc/PID/pagemap for the pages of the server's own
binary that are mapped into it, then attributes each resident page to the
crates whose symbols (`nm -S -C`) lie on it. This tells code that runs (or sits
next to code that runs: the kernel maps up to 64 KiB around each fault) from
code that is only linked in.
"""
import bisect
import collections
import os
import re
import struct
import subprocess
import sys

PAGE = 4096


def binary_mappings(pid):
    exe = os.readlink(f"/proc/{pid}/exe")
    maps = []
    with open(f"/proc/{pid}/maps") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 6 and parts[5] == exe:
                lo, hi = (int(x, 16) for x in parts[0].split("-"))
                maps.append((lo, hi, parts[1], int(parts[2], 16)))
    return exe, maps


def resident_pages(pid, maps):
    """Yields (mapping, list of resident page addresses) per mapping."""
    with open(f"/proc/{pid}/pagemap", "rb") as pm:
        for m in maps:
            lo, hi = m[0], m[1]
            n = (hi - lo) // PAGE
            pm.seek(lo // PAGE * 8)
            data = pm.read(n * 8)
            pages = [lo + i * PAGE for i in range(n) if struct.unpack_from("<Q", data, i * 8)[0] >> 63]
            yield m, pages


def crate_of(symbol):
    name = symbol.lstrip("<&*").replace("dyn ", "").replace("mut ", "")
    m = re.match(r"[A-Za-z_][A-Za-z0-9_]*", name)
    return m.group(0) if m else "?"


def main():
    pid = int(sys.argv[1])
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    exe, maps = binary_mappings(pid)
    bias = min(lo - off for lo, _, _, off in maps)
    code = []
    for (lo, hi, perm, _), pages in resident_pages(pid, maps):
        print(f"{perm}  {(hi - lo) // 1024:>6} KiB mapped, {len(pages) * PAGE // 1024:>6} KiB resident")
        if "x" in perm:
            code += [p - bias for p in pages]
    out = subprocess.run(["nm", "-S", "-C", "--defined-only", exe], capture_output=True, text=True, check=True).stdout
    syms = []
    for line in out.splitlines():
        p = line.split(" ", 3)
        if len(p) == 4 and p[2] in "tT":
            syms.append((int(p[0], 16), int(p[1], 16), crate_of(p[3])))
    syms.sort()
    starts = [s[0] for s in syms]
    size = collections.Counter()
    for _, n, c in syms:
        size[c] += n
    resident = collections.Counter()
    for page in code:
        crates = set()
        i = bisect.bisect_left(starts, page + PAGE) - 1
        while i >= 0 and starts[i] + syms[i][1] > page - (1 << 20):
            if starts[i] + syms[i][1] > page:
                crates.add(syms[i][2])
            i -= 1
        for c in crates:
            resident[c] += PAGE / len(crates)
    print(f"\nresident code by crate (pages shared by several crates are split between them):")
    for c, v in resident.most_common(top):
        print(f"  {c:28} {v / 1024:6.0f} KiB resident of {size[c] / 1024:6.0f} KiB")


if __name__ == "__main__":
    main()
