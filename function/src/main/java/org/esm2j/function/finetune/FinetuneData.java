package org.esm2j.function.finetune;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.esm2j.InvalidInputException;
import org.esm2j.data.FastaReader;
import org.esm2j.data.FastaRecord;
import org.esm2j.function.labels.EvidenceFilter;
import org.esm2j.function.labels.GoAnnotation;
import org.esm2j.function.labels.GoLabeler;
import org.esm2j.function.labels.LabelTableReader;
import org.esm2j.function.labels.LabelVocabulary;
import org.esm2j.function.labels.ProteinLabels;
import org.esm2j.function.labels.UniProtEntry;
import org.esm2j.function.labels.UniProtFlatFileReader;
import org.esm2j.function.labels.UniProtIds;
import org.esm2j.function.ontology.GeneOntology;
import org.esm2j.function.ontology.GoNamespace;
import org.esm2j.function.ontology.GoTerm;
import org.esm2j.function.predictor.LabelMatrices;
import org.esm2j.function.split.IterativeStratifier;
import org.esm2j.function.split.RandomSplitter;
import org.esm2j.function.split.SplitAssignment;
import org.esm2j.function.split.SplitFractions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inputs of a fine-tuning run, read and joined: sequences from the FASTA, labels (a TSV, or the GO lines of a
 * UniProt flat file, propagated over the ontology when one is given), the split into parts, and the label vocabulary.
 *
 * <p>A protein takes part when it has a sequence, at least one label of the vocabulary, and a part; the others are
 * counted and left out (a benchmark protein without labels cannot be scored by CAFA's protein-centric metrics, and one
 * without a sequence or part cannot be used). The vocabulary is the labels carried by at least {@code min_count}
 * training proteins (counted on training only, so the test part does not shape it), in label order.
 */
public final class FinetuneData {
    private static final Logger LOG = LoggerFactory.getLogger(FinetuneData.class);

    /**
     * The proteins of one part, in the order of the FASTA.
     *
     * @param labels {@code labels[i][t]}: protein i carries vocabulary label t
     */
    public record Part(String name, List<String> ids, List<String> sequences, boolean[][] labels) {
        public int size() {
            return ids.size();
        }

        /** The proteins as FASTA records (id and sequence), e.g. for a sequence search. */
        public List<FastaRecord> records() {
            List<FastaRecord> out = new ArrayList<>(ids.size());
            for (int i = 0; i < ids.size(); i++) {
                out.add(new FastaRecord(ids.get(i), "", sequences.get(i)));
            }
            return out;
        }

        /** protein -> its labels, the truth form of the metrics package. */
        public Map<String, List<String>> truth(LabelVocabulary vocabulary) {
            Map<String, List<String>> out = new LinkedHashMap<>();
            for (int i = 0; i < ids.size(); i++) {
                List<String> terms = new ArrayList<>();
                for (int t = 0; t < labels[i].length; t++) {
                    if (labels[i][t]) {
                        terms.add(vocabulary.label(t));
                    }
                }
                out.put(ids.get(i), terms);
            }
            return out;
        }
    }

    private final LabelVocabulary vocabulary;
    private final Part train;
    private final Part valid;
    private final Part test;
    private final Map<String, String> inputDigests;

    private FinetuneData(LabelVocabulary vocabulary, Part train, Part valid, Part test,
            Map<String, String> inputDigests) {
        this.vocabulary = vocabulary;
        this.train = train;
        this.valid = valid;
        this.test = test;
        this.inputDigests = inputDigests;
    }

    public LabelVocabulary vocabulary() {
        return vocabulary;
    }

    public Part train() {
        return train;
    }

    /** The validation part; empty when the split has none. */
    public Part valid() {
        return valid;
    }

    /** The test part; empty when the split has none. */
    public Part test() {
        return test;
    }

    /** Role (fasta, labels, uniprot, obo, names, split) to the SHA-256 of each input file. */
    public Map<String, String> inputDigests() {
        return inputDigests;
    }

    public static FinetuneData load(FinetuneConfig config) {
        Map<String, String> digests = new LinkedHashMap<>();
        Path fasta = config.path("fasta");
        digests.put("fasta", FileDigests.sha256(fasta));
        Map<String, String> sequences = readSequences(fasta, config.flag("uniprot_ids"));

        GeneOntology ontology = null;
        if (config.isSet("obo")) {
            digests.put("obo", FileDigests.sha256(config.path("obo")));
            ontology = GeneOntology.read(config.path("obo"));
        }
        ProteinLabels labels = readLabels(config, ontology, digests);
        Function<String, String> names = names(config, ontology, digests);

        List<String> usable = new ArrayList<>();
        int withoutLabels = 0;
        for (String id : sequences.keySet()) {
            if (labels.labels(id).isEmpty()) {
                withoutLabels++;
            } else {
                usable.add(id);
            }
        }
        long withoutSequence = labels.proteins().stream().filter(p -> !sequences.containsKey(p)).count();
        SplitAssignment split = split(config, usable, labels, digests);
        Map<String, List<String>> byPart = new HashMap<>();
        int withoutPart = 0;
        for (String id : usable) {
            String part = split.splitOf(id);
            if (part == null) {
                withoutPart++;
            } else {
                byPart.computeIfAbsent(part, k -> new ArrayList<>()).add(id);
            }
        }
        String trainName = config.text("train_part");
        List<String> trainIds = byPart.getOrDefault(trainName, List.of());
        if (trainIds.isEmpty()) {
            throw new InvalidInputException("no labelled protein with a sequence is in the training part '"
                    + trainName + "' (config key train_part; parts found: " + byPart.keySet() + ")");
        }
        LabelVocabulary vocabulary = vocabulary(trainIds, labels, config.integer("min_count"), names);
        Map<String, Integer> dropped = new LinkedHashMap<>();
        Part train = part(trainName, trainIds, sequences, labels, vocabulary, dropped);
        Part valid = part(config.text("valid_part"), byPart.getOrDefault(config.text("valid_part"), List.of()),
                sequences, labels, vocabulary, dropped);
        Part test = part(config.text("test_part"), byPart.getOrDefault(config.text("test_part"), List.of()),
                sequences, labels, vocabulary, dropped);
        LOG.info("fine-tuning data: {} labels; train {}, valid {}, test {} proteins; left out: {} without labels, {} "
                + "labelled without a sequence, {} without a part, {} without a label of the vocabulary {}",
                vocabulary.size(), train.size(), valid.size(), test.size(), withoutLabels, withoutSequence,
                withoutPart, dropped.values().stream().mapToInt(Integer::intValue).sum(), dropped);
        return new FinetuneData(vocabulary, train, valid, test, digests);
    }

    private static Map<String, String> readSequences(Path fasta, boolean uniprotIds) {
        Map<String, String> byId = new LinkedHashMap<>();
        for (FastaRecord r : FastaReader.read(fasta)) {
            String id = uniprotIds ? UniProtIds.accessionOf(r.id()) : r.id();
            if (byId.put(id, r.sequence()) != null) {
                throw new InvalidInputException(fasta + ": two records have the id " + id);
            }
        }
        return byId;
    }

    private static ProteinLabels readLabels(FinetuneConfig config, GeneOntology ontology,
            Map<String, String> digests) {
        boolean tsv = config.isSet("labels");
        boolean uniprot = config.isSet("uniprot");
        if (tsv == uniprot) {
            throw new InvalidInputException("give exactly one of the config keys 'labels' (a TSV) and 'uniprot' (a "
                    + "flat file)" + (tsv ? ", not both" : ""));
        }
        if (uniprot) {
            if (ontology == null) {
                throw new InvalidInputException("config key 'uniprot' needs 'obo': UniProt's GO labels are "
                        + "propagated over the ontology");
            }
            Path file = config.path("uniprot");
            digests.put("uniprot", FileDigests.sha256(file));
            List<GoAnnotation> annotations = new ArrayList<>();
            for (UniProtEntry entry : UniProtFlatFileReader.read(file)) {
                annotations.addAll(entry.goAnnotations());
            }
            return goLabels(ontology, annotations, evidence(config));
        }
        Path file = config.path("labels");
        digests.put("labels", FileDigests.sha256(file));
        LabelTableReader.Result table = LabelTableReader.read(file, false);
        if (ontology == null) {
            return table.labels();
        }
        List<GoAnnotation> annotations = new ArrayList<>();
        for (LabelTableReader.Row row : table.rows()) {
            annotations.add(new GoAnnotation(row.protein(), row.label(), "", row.origin()));
        }
        return goLabels(ontology, annotations, EvidenceFilter.ALL);
    }

    private static EvidenceFilter evidence(FinetuneConfig config) {
        try {
            return EvidenceFilter.parse(config.text("evidence"));
        } catch (InvalidInputException e) {
            throw config.invalid("evidence", "experimental, all or evidence codes (" + e.getMessage() + ")", e);
        }
    }

    private static ProteinLabels goLabels(GeneOntology ontology, Collection<GoAnnotation> annotations,
            EvidenceFilter evidence) {
        GoLabeler labeler = new GoLabeler(ontology, new GoLabeler.Options(evidence,
                EnumSet.allOf(GoNamespace.class), false));
        return labeler.label(annotations).propagated();
    }

    private static Function<String, String> names(FinetuneConfig config, GeneOntology ontology,
            Map<String, String> digests) {
        if (config.isSet("names")) {
            Path file = config.path("names");
            digests.put("names", FileDigests.sha256(file));
            LabelVocabulary named = LabelVocabulary.read(file);
            Map<String, String> byLabel = new HashMap<>();
            for (int i = 0; i < named.size(); i++) {
                byLabel.put(named.label(i), named.name(i));
            }
            return label -> byLabel.getOrDefault(label, label);
        }
        if (ontology != null) {
            GeneOntology go = ontology;
            return label -> go.term(label).map(GoTerm::name).orElse(label);
        }
        return label -> label;
    }

    private static SplitAssignment split(FinetuneConfig config, List<String> proteins, ProteinLabels labels,
            Map<String, String> digests) {
        if (config.isSet("split")) {
            digests.put("split", FileDigests.sha256(config.path("split")));
            return SplitAssignment.read(config.path("split"));
        }
        SplitFractions fractions;
        try {
            fractions = SplitFractions.parse(config.text("split_fractions"));
        } catch (InvalidInputException e) {
            throw config.invalid("split_fractions", "NAME=F,... (" + e.getMessage() + ")", e);
        }
        long seed = config.integer("seed");
        return config.choice("split_method").equals("stratified")
                ? IterativeStratifier.split(proteins, labels, fractions, seed)
                : RandomSplitter.split(proteins, fractions, seed);
    }

    private static LabelVocabulary vocabulary(List<String> trainIds, ProteinLabels labels, int minCount,
            Function<String, String> names) {
        if (minCount < 1) {
            throw new InvalidInputException("config key 'min_count' must be at least 1, got " + minCount);
        }
        Map<String, Integer> counts = new TreeMap<>();
        for (String id : trainIds) {
            for (String label : labels.labels(id)) {
                counts.merge(label, 1, Integer::sum);
            }
        }
        List<String> kept = new ArrayList<>();
        counts.forEach((label, n) -> {
            if (n >= minCount) {
                kept.add(label);
            }
        });
        if (kept.isEmpty()) {
            throw new InvalidInputException("no label is carried by at least " + minCount + " training proteins "
                    + "(config key min_count)");
        }
        return LabelVocabulary.of(kept, names);
    }

    private static Part part(String name, List<String> ids, Map<String, String> sequences, ProteinLabels labels,
            LabelVocabulary vocabulary, Map<String, Integer> dropped) {
        boolean[][] matrix = LabelMatrices.of(ids, labels, vocabulary);
        List<String> keptIds = new ArrayList<>();
        List<String> keptSequences = new ArrayList<>();
        List<boolean[]> keptRows = new ArrayList<>();
        for (int i = 0; i < ids.size(); i++) {
            boolean any = false;
            for (boolean b : matrix[i]) {
                any |= b;
            }
            if (any) {
                keptIds.add(ids.get(i));
                keptSequences.add(sequences.get(ids.get(i)));
                keptRows.add(matrix[i]);
            }
        }
        dropped.put(name, ids.size() - keptIds.size());
        return new Part(name, List.copyOf(keptIds), List.copyOf(keptSequences), keptRows.toArray(boolean[][]::new));
    }
}
