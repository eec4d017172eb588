#!/bin/sh
# Rebuilds data/train.tsv, the labelled narratives the statistical model is trained on,
# from the labelled sets in tests/data, each row tagged with the set it came from.
# fresh7.tsv is left out on purpose: it is the blind set the model is judged on.
# Run from crates/classify: `sh data/assemble.sh`. A test checks that the file is current.
set -eu
out=data/train.tsv
printf 'text\ttop\tdispute_class\tdispute_subclass\tset\n' > "$out"
for set in held_out fresh fresh2 fresh3 fresh4 fresh5 fresh6; do
    tail -n +2 "tests/data/$set.tsv" | awk -F'\t' -v set="$set" \
        'BEGIN { OFS = "\t" } NF > 0 && $1 != "" { print $1, $2, $3, $4, set }' >> "$out"
done
