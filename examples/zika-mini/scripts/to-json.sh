#!/bin/sh
# Turns the per-country TSV into a small JSON document for a viewer.
set -eu
awk -F '\t' 'NR > 1 { printf "%s{\"country\": \"%s\", \"sequences\": %s}", (n++ ? ", " : ""), $1, $2 } END { print "" }' "$1" \
    | { IFS= read -r items; printf '{"build": "zika-mini", "counts": [%s]}\n' "$items"; }
