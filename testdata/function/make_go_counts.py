#!/usr/bin/env python3
"""Independent reference for the GO label pipeline (demonstration 8a).

Parses go-basic-2022-07-01.obo.gz and uniprot_sprot_100.dat with nothing but the Python standard library, applies the
CAFA labelling rules (evidence filter; alt_id -> primary term; obsolete -> single replaced_by, else dropped; closure
over is_a and part_of, roots included) and writes, next to this script:

  go_counts_expected.tsv            per evidence filter and namespace: stated and propagated (protein, term) pairs,
                                    proteins with at least one term, and the mapping counts
  go_labels_experimental_expected.tsv  the propagated pairs with experimental evidence, sorted, header protein<TAB>term

Run from anywhere: python3 testdata/function/make_go_counts.py
"""
import gzip
import os
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
EXPERIMENTAL = {"EXP", "IDA", "IPI", "IMP", "IGI", "IEP", "TAS", "IC"}
NAMESPACES = {"molecular_function": "MF", "biological_process": "BP", "cellular_component": "CC"}


def read_obo(path):
    terms = {}  # id -> dict(namespace, obsolete, replaced_by, parents)
    alt = {}
    current = None
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for raw in f:
            line = raw.rstrip("\n")
            if line.startswith("["):
                current = {"parents": [], "replaced_by": [], "obsolete": False, "alt": []} if line == "[Term]" else None
                continue
            if current is None or ": " not in line:
                continue
            tag, value = line.split(": ", 1)
            if tag == "id":
                terms[value.strip()] = current
            elif tag == "namespace":
                current["namespace"] = NAMESPACES[value.strip()]
            elif tag == "alt_id":
                current["alt"].append(value.strip())
            elif tag == "is_a":
                current["parents"].append(value.split()[0])
            elif tag == "relationship":
                rel, target = value.split()[:2]
                if rel == "part_of":
                    current["parents"].append(target)
            elif tag == "is_obsolete":
                current["obsolete"] = value.strip() == "true"
            elif tag == "replaced_by":
                current["replaced_by"].append(value.split()[0])
    for tid, t in terms.items():
        for a in t["alt"]:
            alt[a] = tid
    return terms, alt


def closure(terms, tid, memo):
    if tid in memo:
        return memo[tid]
    result = {tid}
    for p in terms[tid]["parents"]:
        result |= closure(terms, p, memo)
    memo[tid] = frozenset(result)
    return memo[tid]


def read_swissprot(path):
    """(accession, GO id, evidence code) for every DR GO line, accession = first AC of the entry."""
    annotations = []
    accession = None
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("ID   "):
                accession = None
            elif line.startswith("AC   ") and accession is None:
                accession = line[5:].split(";")[0].strip()
            elif line.startswith("DR   GO; "):
                parts = [p.strip() for p in line[5:].rstrip().rstrip(".").split(";")]
                annotations.append((accession, parts[1], parts[-1].split(":")[0]))
    return annotations


def main():
    terms, alt = read_obo(os.path.join(HERE, "go-basic-2022-07-01.obo.gz"))
    annotations = read_swissprot(os.path.join(HERE, "uniprot_sprot_100.dat"))
    memo = {}
    rows = []
    for name, accept in (("experimental", lambda c: c in EXPERIMENTAL), ("all", lambda c: True)):
        stated = defaultdict(set)
        counts = defaultdict(int)
        for acc, tid, code in annotations:
            if not accept(code):
                counts["dropped_by_evidence"] += 1
                continue
            if tid in alt:
                tid = alt[tid]
                counts["alt_ids_mapped"] += 1
            if tid not in terms:
                counts["unknown"] += 1
                continue
            if terms[tid]["obsolete"]:
                if len(terms[tid]["replaced_by"]) == 1:
                    tid = terms[tid]["replaced_by"][0]
                    counts["obsolete_replaced"] += 1
                else:
                    counts["obsolete_dropped"] += 1
                    continue
            stated[acc].add(tid)
        propagated = {acc: set().union(*(closure(terms, t, memo) for t in ts)) for acc, ts in stated.items()}
        for ns in ("MF", "BP", "CC"):
            s = sum(1 for acc, ts in stated.items() for t in ts if terms[t]["namespace"] == ns)
            p = sum(1 for acc, ts in propagated.items() for t in ts if terms[t]["namespace"] == ns)
            proteins = sum(1 for ts in stated.values() if any(terms[t]["namespace"] == ns for t in ts))
            rows.append((name, ns, s, p, proteins, counts["dropped_by_evidence"], counts["alt_ids_mapped"],
                         counts["obsolete_dropped"], counts["obsolete_replaced"], counts["unknown"]))
        if name == "experimental":
            with open(os.path.join(HERE, "go_labels_experimental_expected.tsv"), "w", encoding="utf-8") as out:
                out.write("protein\tterm\n")
                for acc in sorted(propagated):
                    for t in sorted(propagated[acc]):
                        out.write(f"{acc}\t{t}\n")
    with open(os.path.join(HERE, "go_counts_expected.tsv"), "w", encoding="utf-8") as out:
        out.write("evidence\tnamespace\tstated_pairs\tpropagated_pairs\tproteins\tdropped_by_evidence\t"
                  "alt_ids_mapped\tobsolete_dropped\tobsolete_replaced\tunknown\n")
        for r in rows:
            out.write("\t".join(str(x) for x in r) + "\n")


if __name__ == "__main__":
    main()
