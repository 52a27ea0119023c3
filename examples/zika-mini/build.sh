#!/bin/sh
# The zika-mini workflow without Snakemake, for `--exec ./build.sh`:
# reads data/, writes results/ and auspice/, says what it does on the way.
set -eu
mkdir -p results auspice
echo "Counting $(grep -c '^>' data/sequences.fasta) sequences"
scripts/count-by-country.sh data/metadata.tsv > results/counts.tsv
scripts/to-json.sh results/counts.tsv > auspice/zika-mini.json
echo "Wrote results/counts.tsv and auspice/zika-mini.json"
