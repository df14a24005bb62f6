#!/usr/bin/env bash
# See it work: the quickstart server in a web inspector (see scripts/official-inspector.sh).
exec bash "$(dirname "${BASH_SOURCE[0]}")/official-inspector.sh" "$@"
