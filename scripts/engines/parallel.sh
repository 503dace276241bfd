#!/usr/bin/env bash
# The GNU parallel and split + xargs recipes of the README ("Sharded runs
# on an engine"), proved equal to the last bit to the unsharded run on a
# generated 200,000-row table that holds both logits and targets.
#
#   bash scripts/engines/parallel.sh [MLLOSS]     (default: target/release/mlloss)
#
# Run by .ci/run when GNU parallel is installed; prints SKIPPED otherwise.
set -euo pipefail
cd "$(dirname "$0")/../.."
mlloss=$(realpath "${1:-target/release/mlloss}")
if ! command -v parallel > /dev/null; then
    echo "scripts/engines/parallel.sh: SKIPPED (no GNU parallel: apt-get install parallel)"
    exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "scripts/engines/parallel.sh: FAILED: $*" >&2; exit 1; }

# id, 10 logits, 10 targets: 200,000 rows (about 30 MB), seeded.
awk 'BEGIN {
    srand(20261204);
    printf "id"; for (j = 0; j < 10; j++) printf ",p_%d", j; for (j = 0; j < 10; j++) printf ",y_%d", j; print "";
    for (i = 0; i < 200000; i++) {
        printf "r%d", i;
        for (j = 0; j < 10; j++) { x[j] = (rand() - 0.5) * 12; printf ",%.6f", x[j] }
        for (j = 0; j < 10; j++) printf ",%d", (rand() < 1 / (1 + exp(-x[j])) ? 1 : 0);
        print "";
    }
}' > table.csv
cols=(--logits-columns 'p_*' --targets-columns 'y_*')
checked=0

# 1. GNU parallel --pipepart: blocks of the file, each with the header line.
for r in mean sum class; do
    whole=$("$mlloss" loss -r "$r" "${cols[@]}" table.csv)
    sharded=$(parallel --pipepart -a table.csv --header 1 --block 10M \
        "$mlloss loss --partial --logits-columns 'p_*' --targets-columns 'y_*' -" | "$mlloss" merge -r "$r" -)
    [ "$whole" = "$sharded" ] || fail "parallel --pipepart, -r $r: $sharded, unsharded $whole"
    checked=$((checked + 1))
done
# The same with a host list (":" is this machine; list more, one per line,
# for several machines with mlloss on their PATH).
echo ":" > hosts
whole=$("$mlloss" loss -r class "${cols[@]}" table.csv)
sharded=$(parallel --sshloginfile hosts --pipepart -a table.csv --header 1 --block 10M \
    "$mlloss loss --partial --logits-columns 'p_*' --targets-columns 'y_*' -" | "$mlloss" merge -r class -)
[ "$whole" = "$sharded" ] || fail "parallel --sshloginfile: $sharded, unsharded $whole"
checked=$((checked + 1))
# metrics: the streaming ones, and --bins, merge as losses do.
for m in "--metric hamming_loss,subset_accuracy,f1,precision,recall --average micro" \
         "--metric f1,jaccard,lrap,ndcg,label_ranking_loss --average samples" \
         "--metric roc_auc,average_precision --bins 256 --average none"; do
    # shellcheck disable=SC2086
    whole=$("$mlloss" metrics $m --scores-columns 'p_*' --targets-columns 'y_*' table.csv 2> /dev/null)
    sharded=$(parallel --pipepart -a table.csv --header 1 --block 10M \
        "$mlloss metrics --partial $m --scores-columns 'p_*' --targets-columns 'y_*' -" 2> /dev/null | "$mlloss" merge - 2> /dev/null)
    [ "$whole" = "$sharded" ] || fail "parallel metrics $m: $sharded, unsharded $whole"
    checked=$((checked + 1))
done

# 2. split -l + xargs -P, the header repeated in each piece (split --filter).
tail -n +2 table.csv | split -l 60000 -d --filter='{ head -1 table.csv; cat; } > "$FILE"' - piece.
ls piece.* | xargs -P 2 -I{} sh -c "$mlloss loss --partial --logits-columns 'p_*' --targets-columns 'y_*' {} > {}.json"
whole=$("$mlloss" loss -r mean "${cols[@]}" table.csv)
sharded=$(cat piece.*.json | "$mlloss" merge -r mean -)
[ "$whole" = "$sharded" ] || fail "split --filter + xargs: $sharded, unsharded $whole"
checked=$((checked + 1))

# 3. split -l without repeating the header: names are gone from all pieces
# but the first, so selecting columns by name is an error, not a
# misalignment; by position with --input-header no it works (the header
# line dropped before splitting).
split -l 60000 -d table.csv bare.
if "$mlloss" loss --partial "${cols[@]}" bare.01 > /dev/null 2> err.txt; then
    fail "a piece without its header was taken by name"
fi
grep -q "bare.01" err.txt || fail "the error does not name the piece: $(cat err.txt)"
rm -f bare.*
tail -n +2 table.csv | split -l 60000 -d - bare.
ls bare.* | xargs -P 2 -I{} sh -c "$mlloss loss --partial --input-header no --logits-columns 2-11 --targets-columns 12-21 {} > {}.json"
sharded=$(cat bare.*.json | "$mlloss" merge -r mean -)
[ "$whole" = "$sharded" ] || fail "split without header, --input-header no: $sharded, unsharded $whole"
checked=$((checked + 1))

echo "scripts/engines/parallel.sh: $checked recipes equal to the unsharded run, bit for bit"
