#!/usr/bin/env python3
"""Picks a small, homolog-rich subset of real UniProt sequences for the split tests.

Usage: python3 make_uniprot_subset.py UNIPROT_20K.fasta.gz   (needs mmseqs on the PATH; Debian package mmseqs2)

Clusters the 20,000 sequences of Debian mmseqs2-examples' DB.fasta.gz with
`mmseqs easy-cluster --min-seq-id 0.5 -c 0.8`, then keeps, in file order, the first 40 clusters with at least three
members (up to four members each) and the first 140 singletons, and writes them with their original headers to
uniprot_homologs.fasta next to this script. Homolog groups make leakage visible: a random split puts family members
on both sides, a cluster split does not.
"""
import gzip
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
FAMILIES, MEMBERS, SINGLETONS = 40, 4, 140


def read_fasta(path):
    records, header, seq = {}, None, []
    with gzip.open(path, "rt") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith(">"):
                if header:
                    records[accession(header)] = (header, "".join(seq))
                header, seq = line[1:], []
            else:
                seq.append(line.strip())
    if header:
        records[accession(header)] = (header, "".join(seq))
    return records


def accession(header):
    first = header.split()[0]
    return first.split("|")[1] if first.startswith(("sp|", "tr|")) else first


def main():
    source = sys.argv[1]
    records = read_fasta(source)
    with tempfile.TemporaryDirectory() as work:
        subprocess.run(["mmseqs", "easy-cluster", source, os.path.join(work, "c"), os.path.join(work, "tmp"),
                        "--min-seq-id", "0.5", "-c", "0.8", "--threads", "2", "-v", "1"], check=True)
        clusters = {}
        with open(os.path.join(work, "c_cluster.tsv")) as f:
            for line in f:
                rep, member = line.split()
                clusters.setdefault(rep, []).append(member)
    families = [m for m in clusters.values() if len(m) >= 3][:FAMILIES]
    singletons = [m for m in clusters.values() if len(m) == 1][:SINGLETONS]
    chosen = [a for m in families for a in m[:MEMBERS]] + [m[0] for m in singletons]
    with open(os.path.join(HERE, "uniprot_homologs.fasta"), "w") as out:
        for acc in chosen:
            header, seq = records[acc]
            out.write(f">{header}\n{seq}\n")
    print(f"{len(families)} families, {len(singletons)} singletons, {len(chosen)} sequences")


if __name__ == "__main__":
    main()
