# The pre-training FASTA of the family demonstration: a UniProt FASTA without the family split's held-out proteins.
#   awk -f exclude_heldout.awk HELDOUT.ids HELDOUT.seqs UNIPROT.fasta > pretrain.fasta
# HELDOUT.ids: one accession a line (the valid and test proteins); HELDOUT.seqs: one sequence a line (theirs). A record
# is dropped when its accession (sp|ACCESSION|NAME) is held out, and also when its sequence equals a held-out one
# under another accession, so that no valid or test sequence reaches masked-LM pre-training. Counts go to stderr.
FILENAME == ARGV[1] { heldId[$1] = 1; next }
FILENAME == ARGV[2] { heldSeq[$1] = 1; next }
function flush(  f) {
  if (header == "") return
  split(substr(header, 2), f, "|")
  if (f[2] in heldId) byId++
  else if (seq in heldSeq) bySeq++
  else { print header; print seq; kept++ }
}
/^>/ { flush(); header = $0; seq = ""; next }
{ seq = seq $0 }
END {
  flush()
  printf "pre-training sequences: kept %d; dropped %d held-out accessions and %d other records with a held-out " \
    "sequence\n", kept, byId, bySeq > "/dev/stderr"
}
