#!/usr/bin/env bash
# Issue 9, item 8(b): protein-family predictor on the 20,000 UniProt sequences, end to end with the esm2j commands.
#   examples/function/families_demo.sh MODEL UNIPROT.fasta.gz WORKDIR [SUBSAMPLE]
# MODEL: the base ESM-2 checkpoint whose frozen embeddings the probes read, or the word `pretrain`: then a small ESM-2
# (4 layers, dim 128, 8 heads) is first pre-trained with masked LM (esm2j train-mlm) on UNIPROT without the family
# split's valid and test sequences, for PRETRAIN_TIME (default 22m) or 4,000 steps, into WORKDIR/pretrain/.
# SUBSAMPLE (default 3000): labelled proteins drawn (seed 1); sequences are cropped to their first 256 residues when
# embedded (families.json).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
esm2j="$here/../../esm2j"
model="$1"; [ "$model" = pretrain ] || model="$(realpath "$model")"
uniprot="$(realpath "$2")"; work="$3"; subsample="${4:-3000}"
mkdir -p "$work" && cd "$work"

# 1. Labels from the descriptions (family_rules.tsv), and the subsample.
java "$here/DeriveFamilyLabels.java" "$here/family_rules.tsv" "$uniprot" "$subsample" 1 families
# 2. Whole 30%-identity MMseqs2 clusters to train/valid/test; leakage report of test vs train.
"$esm2j" split --fasta families.fasta --method cluster --identity 0.3 --uniprot-ids --seed 1 --out split.tsv \
  --leakage leakage
# 2b. Masked-LM pre-training on every sequence but the held-out ones: the valid and test proteins of the split and any
# other record with one of their sequences. Settings of the README's train-mlm demonstration, in one run whose learning
# rate decays linearly; train-mlm's own 90/10 split of these sequences validates it.
if [ "$model" = pretrain ]; then
  awk -F'\t' 'NR > 1 && $2 != "train" {print $1}' split.tsv > heldout.ids
  awk 'FNR == NR {held[$1] = 1; next} /^>/ {if (keep) print seq; split(substr($0, 2), f, "|"); keep = (f[2] in held);
       seq = ""; next} {seq = seq $0} END {if (keep) print seq}' heldout.ids families.fasta | sort -u > heldout.seqs
  gzip -cdf "$uniprot" | awk -f "$here/exclude_heldout.awk" heldout.ids heldout.seqs - > pretrain.fasta
  "$esm2j" train-mlm --init-shape layers=4,dim=128,heads=8 --init hf --fasta pretrain.fasta --out pretrain \
    --truncate 128 --batch-size 16 --lr 3e-3 --warmup 50 --schedule linear --steps 4000 --clip-norm 1.0 \
    --validate-every 100 --val-max 300 --checkpoint-every 100 --time-limit "${PRETRAIN_TIME:-22m}" --seed 1 \
    --no-progress
  model="$PWD/pretrain/model.safetensors"
fi
# 3. Probes on frozen embeddings (cached after the first run); baselines with the first.
for mode in logreg mlp knn prototypes; do
  extra=(); [ "$mode" = logreg ] && extra=(--set baselines=true)
  "$esm2j" finetune --config "$here/families.json" --model "$model" --fasta families.fasta \
    --labels families.labels.tsv --set names=families.vocabulary.tsv --split split.tsv --cache cache \
    --mode "$mode" --out "predictor-$mode" --test-out "test-$mode" "${extra[@]}"
done
# 4. Score the test proteins with a saved predictor, as a user would score new sequences.
"$esm2j" predict --predictor predictor-logreg --model "$model" --fasta test-logreg/test.fasta \
  --out predictions-logreg.tsv
# 5. CAFA metrics with bootstrap intervals, overall and per identity bin of the leakage report.
evaluate() { "$esm2j" evaluate --predictions "$1" --truth test-logreg/truth.tsv --bins leakage.tsv --bootstrap 1000 \
  --seed 1 --out "$2"; }
evaluate predictions-logreg.tsv metrics-logreg.json
for mode in mlp knn prototypes; do evaluate "test-$mode/predictions.tsv" "metrics-$mode.json"; done
evaluate test-logreg/naive.tsv metrics-naive.json
evaluate test-logreg/similarity.tsv metrics-similarity.json
