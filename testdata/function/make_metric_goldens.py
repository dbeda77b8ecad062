#!/usr/bin/python3
"""Writes a random multi-label benchmark and its metrics, computed independently of esm2j, for MetricGoldensTest.

Run with Debian's python3-sklearn and python3-numpy (python3-scipy for the correlations, numpy otherwise):
    /usr/bin/python3 testdata/function/make_metric_goldens.py
Outputs go to testdata/function/metrics/ (committed, so the Java tests need no Python):
  truth.tsv, predictions.tsv, training.tsv   protein<TAB>term[<TAB>score] tables, the evaluate command's inputs
  ontology.tsv                              term<TAB>namespace<TAB>parents (comma-separated, empty for a root)
  bins.tsv                                  protein<TAB>bin (an identity bin per benchmark protein)
  thresholds.tsv                            term<TAB>threshold (per-term decision thresholds)
  expected.json                             the metrics below, and single-label / regression cases with theirs

Sources of the expected values:
  * scikit-learn: average_precision_score (micro, per term, samples), roc_auc_score (micro, per term),
    precision_recall_fscore_support (per-term F1 at thresholds), accuracy_score, matthews_corrcoef;
  * scipy.stats pearsonr / spearmanr (numpy corrcoef of values / of average ranks without scipy);
  * F-max and S-min written here from CAFA's definitions (Radivojac et al. 2013; Jiang et al. 2016), with plain
    Python sets, sharing no code with the Java implementation.
The benchmark has ties, scores exactly on thresholds (0.3, 0.5), explicit zero scores, benchmark proteins without
predictions, predictions for proteins outside the benchmark, and terms only predicted.
"""
import json
import math
import os
import random

import numpy as np
from sklearn.metrics import (accuracy_score, average_precision_score, matthews_corrcoef,
                             precision_recall_fscore_support, roc_auc_score)

try:
    from scipy.stats import pearsonr, spearmanr
except ImportError:  # numpy fallback, same definitions
    pearsonr = spearmanr = None

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "metrics")
rng = random.Random(20261207)

# --- ontology: a random DAG per namespace, term i's parents drawn among earlier terms of its namespace
NAMESPACES = ["MF", "BP", "CC"]
terms = []
namespace = {}
parents = {}
for ns in NAMESPACES:
    ns_terms = []
    for i in range(14):
        t = "GO:%s%05d" % ({"MF": "1", "BP": "2", "CC": "3"}[ns], i)
        parents[t] = [] if i == 0 else sorted(set(rng.sample(ns_terms, min(len(ns_terms), rng.choice([1, 1, 2])))))
        namespace[t] = ns
        ns_terms.append(t)
        terms.append(t)


def ancestors(t):
    seen = {t}
    stack = [t]
    while stack:
        for p in parents[stack.pop()]:
            if p not in seen:
                seen.add(p)
                stack.append(p)
    return seen


def propagate(ts):
    out = set()
    for t in ts:
        out |= ancestors(t)
    return out


# skewed term popularity, so some terms are rare
weights = {t: rng.random() ** 2 for t in terms}


def random_annotation():
    leaves = set()
    for _ in range(rng.randint(1, 3)):
        leaves.add(rng.choices(terms, weights=[weights[t] for t in terms])[0])
    return propagate(leaves)


truth = {"B%03d" % i: random_annotation() for i in range(60)}
training = {"R%03d" % i: random_annotation() for i in range(150)}
extra_terms = ["GO:9000001", "GO:9000002"]  # only ever predicted, in no ontology namespace


def score_for(is_true):
    # coarse grids make ties; true terms score higher on average
    s = rng.betavariate(3, 2) if is_true else rng.betavariate(1.3, 3)
    return round(s, rng.choice([1, 2, 2, 3]))


predictions = {}
for p, ts in truth.items():
    if rng.random() < 0.08:
        continue  # a benchmark protein without predictions
    row = {}
    for t in terms + extra_terms:
        if t in ts and rng.random() < 0.85 or t not in ts and rng.random() < 0.35:
            row[t] = score_for(t in ts)
    for t in rng.sample(terms, 2):
        row[t] = rng.choice([0.3, 0.5, 0.0, row.get(t, 0.0)])  # scores exactly on thresholds, explicit zeros
    predictions[p] = row
for i in range(5):  # proteins outside the benchmark: ignored, with their terms
    predictions["X%03d" % i] = {"GO:9000003": 0.9, rng.choice(terms): round(rng.random(), 2)}

bins = {p: rng.choice(["<30%", "30-50%", ">50%"]) for p in truth}
thresholds = {t: round(rng.uniform(0.05, 0.95), 2) for t in terms + extra_terms}


# --- independent metrics
def benchmark(truth_sub, preds):
    """Benchmark proteins (with >= 1 true term), vocabulary (their true and predicted terms), Y and S matrices."""
    proteins = [p for p in truth_sub if truth_sub[p]]
    vocab = []
    for p in proteins:
        for t in sorted(truth_sub[p]) + sorted(preds.get(p, {})):
            if t not in vocab:
                vocab.append(t)
    y = np.array([[1 if t in truth_sub[p] else 0 for t in vocab] for p in proteins])
    s = np.array([[preds.get(p, {}).get(t, 0.0) for t in vocab] for p in proteins])
    return proteins, vocab, y, s


def cafa(truth_sub, preds, ic=None):
    proteins = [p for p in truth_sub if truth_sub[p]]
    n = len(proteins)
    best_f, best_t, best_cov = 0.0, None, 0.0
    best_s, best_st = None, None
    for k in range(1, 101):
        t = k / 100
        precisions, recall_sum, ru, mi = [], 0.0, 0.0, 0.0
        for p in proteins:
            predicted = {term for term, sc in preds.get(p, {}).items() if sc >= t}
            true = truth_sub[p]
            if predicted:
                precisions.append(len(predicted & true) / len(predicted))
            recall_sum += len(predicted & true) / len(true)
            if ic is not None:
                ru += sum(ic.get(f, 0.0) for f in true - predicted)
                mi += sum(ic.get(f, 0.0) for f in predicted - true)
        if precisions:
            pr = sum(precisions) / len(precisions)
            rc = recall_sum / n
            f = 2 * pr * rc / (pr + rc) if pr + rc > 0 else 0.0
            if best_t is None or f > best_f:
                best_f, best_t, best_cov = f, t, len(precisions) / n
        if ic is not None:
            s = math.sqrt((ru / n) ** 2 + (mi / n) ** 2)
            if best_s is None or s < best_s:
                best_s, best_st = s, t
    out = {"fmax": best_f, "fmax_threshold": best_t, "coverage": best_cov}
    if ic is not None:
        out.update({"smin": best_s, "smin_threshold": best_st})
    return out


def ranking(truth_sub, preds):
    proteins, vocab, y, s = benchmark(truth_sub, preds)
    per_term_ap = {}
    per_term_auc = {}
    for j, t in enumerate(vocab):
        if y[:, j].sum() > 0:
            per_term_ap[t] = float(average_precision_score(y[:, j], s[:, j]))
            if y[:, j].sum() < len(proteins):
                per_term_auc[t] = float(roc_auc_score(y[:, j], s[:, j]))
    return {
        "proteins": len(proteins),
        "terms": len(vocab),
        "aupr_micro": float(average_precision_score(y, s, average="micro")),
        "aupr_macro": float(np.mean(list(per_term_ap.values()))),
        "map": float(average_precision_score(y, s, average="samples")),
        "auroc_micro": float(roc_auc_score(y.ravel(), s.ravel())),
        "auroc_macro": float(np.mean(list(per_term_auc.values()))),
    }, per_term_ap, per_term_auc


def frequency_ic(train):
    n = sum(1 for ts in train.values() if ts)
    counts = {}
    for ts in train.values():
        for t in ts:
            counts[t] = counts.get(t, 0) + 1
    return {t: -math.log2(c / n) for t, c in counts.items()}


def cafa_ic(train):
    """ic(f) = -log2 P(f | Pa(f)) over propagated annotations; 0 for roots and for terms never annotated."""
    prop = [propagate(ts) for ts in train.values()]
    ic = {}
    for f in terms:
        with_f = sum(1 for ts in prop if f in ts)
        if not parents[f] or with_f == 0:
            continue
        with_parents = sum(1 for ts in prop if all(p in ts for p in parents[f]))
        with_both = sum(1 for ts in prop if f in ts and all(p in ts for p in parents[f]))
        ic[f] = -math.log2(with_both / with_parents)
    return ic


def summary(truth_sub, preds, ic=None):
    headline, ap, auc = ranking(truth_sub, preds)
    headline.update(cafa(truth_sub, preds, ic))
    return headline, ap, auc


bench_preds = {p: predictions[p] for p in predictions}  # outside proteins stay in: the metrics must ignore them
ic_freq = frequency_ic(training)
ic_cafa = cafa_ic(training)
overall, ap_per_term, auc_per_term = summary(truth, bench_preds, ic_freq)
overall_cafa_smin = cafa(truth, bench_preds, ic_cafa)

per_namespace = {}
for ns in NAMESPACES:
    sub_truth = {p: {t for t in ts if namespace[t] == ns} for p, ts in truth.items()}
    sub_preds = {p: {t: s for t, s in row.items() if namespace.get(t) == ns} for p, row in bench_preds.items()}
    per_namespace[ns] = summary(sub_truth, sub_preds, ic_cafa)[0]

per_bin = {}
for b in sorted(set(bins.values())):
    sub_truth = {p: ts for p, ts in truth.items() if bins[p] == b}
    per_bin[b] = summary(sub_truth, bench_preds)[0]

proteins, vocab, y, s = benchmark(truth, bench_preds)
per_term_f1 = {}
for j, t in enumerate(vocab):
    decided = (s[:, j] >= thresholds[t]).astype(int)
    pr, rc, f1, _ = precision_recall_fscore_support(y[:, j], decided, average="binary", zero_division=0)
    per_term_f1[t] = {"threshold": thresholds[t], "predicted": int(decided.sum()), "positives": int(y[:, j].sum()),
                      "true_positives": int((decided & y[:, j]).sum()), "f1": float(f1)}

# --- single-label classification and regression
classes_true = [rng.randrange(4) for _ in range(80)]
classes_pred = [c if rng.random() < 0.6 else rng.randrange(4) for c in classes_true]
x = [round(rng.gauss(0, 1), 1) for _ in range(50)]  # rounded: ties for Spearman's average ranks
yv = [round(v * 0.7 + rng.gauss(0, 0.7), 1) for v in x]
if pearsonr is not None:
    pearson = float(pearsonr(x, yv)[0])
    spearman = float(spearmanr(x, yv)[0])
else:
    def avg_ranks(v):
        order = sorted(range(len(v)), key=lambda i: v[i])
        ranks = [0.0] * len(v)
        i = 0
        while i < len(order):
            j = i
            while j + 1 < len(order) and v[order[j + 1]] == v[order[i]]:
                j += 1
            for k in range(i, j + 1):
                ranks[order[k]] = (i + j) / 2 + 1
            i = j + 1
        return ranks
    pearson = float(np.corrcoef(x, yv)[0, 1])
    spearman = float(np.corrcoef(avg_ranks(x), avg_ranks(yv))[0, 1])

# --- write
os.makedirs(OUT, exist_ok=True)


def write_pairs(name, table, header="protein\tterm"):
    with open(os.path.join(OUT, name), "w") as f:
        f.write(header + "\n")
        for p, ts in table.items():
            for t in sorted(ts):
                f.write("%s\t%s\n" % (p, t))


write_pairs("truth.tsv", truth)
write_pairs("training.tsv", training)
with open(os.path.join(OUT, "predictions.tsv"), "w") as f:
    f.write("protein\tterm\tscore\n")
    for p, row in predictions.items():
        for t, sc in row.items():
            f.write("%s\t%s\t%r\n" % (p, t, sc))
with open(os.path.join(OUT, "ontology.tsv"), "w") as f:
    f.write("term\tnamespace\tparents\n")
    for t in terms:
        f.write("%s\t%s\t%s\n" % (t, namespace[t], ",".join(parents[t])))
with open(os.path.join(OUT, "bins.tsv"), "w") as f:
    f.write("protein\tbin\n")
    for p, b in bins.items():
        f.write("%s\t%s\n" % (p, b))
with open(os.path.join(OUT, "thresholds.tsv"), "w") as f:
    f.write("term\tthreshold\n")
    for t, v in thresholds.items():
        f.write("%s\t%r\n" % (t, v))
expected = {
    "overall": overall,
    "smin_cafa_ic": overall_cafa_smin["smin"],
    "smin_cafa_ic_threshold": overall_cafa_smin["smin_threshold"],
    "ic_frequency": ic_freq,
    "ic_cafa": ic_cafa,
    "per_namespace": per_namespace,
    "per_bin": per_bin,
    "per_term_ap": ap_per_term,
    "per_term_auroc": auc_per_term,
    "per_term_f1": per_term_f1,
    "single_label": {"truth": classes_true, "predicted": classes_pred,
                     "accuracy": float(accuracy_score(classes_true, classes_pred)),
                     "mcc": float(matthews_corrcoef(classes_true, classes_pred))},
    "regression": {"x": x, "y": yv, "pearson": pearson, "spearman": spearman},
}
with open(os.path.join(OUT, "expected.json"), "w") as f:
    json.dump(expected, f, indent=1, sort_keys=True)
print("wrote", OUT, "overall:", {k: round(v, 4) for k, v in overall.items()})
