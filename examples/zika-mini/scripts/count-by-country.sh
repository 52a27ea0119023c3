#!/bin/sh
# Sequences per country: metadata TSV in, two-column TSV out.
set -eu
metadata="$1"
awk -F '\t' 'NR > 1 { n[$3]++ } END { print "country\tsequences"; for (c in n) print c "\t" n[c] }' "$metadata" \
    | { IFS= read -r header; echo "$header"; sort; }
