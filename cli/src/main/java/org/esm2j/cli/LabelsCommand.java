package org.esm2j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.esm2j.function.labels.EvidenceFilter;
import org.esm2j.function.labels.GoAnnotation;
import org.esm2j.function.labels.GoLabeler;
import org.esm2j.function.labels.LabelTableReader;
import org.esm2j.function.labels.LabelVocabulary;
import org.esm2j.function.labels.ProteinLabels;
import org.esm2j.function.labels.UniProtEntry;
import org.esm2j.function.labels.UniProtFlatFileReader;
import org.esm2j.function.ontology.GeneOntology;
import org.esm2j.function.ontology.GoNamespace;
import org.esm2j.function.ontology.GoTerm;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code esm2j labels}: GO annotations (UniProt flat file or labels TSV) to propagated (protein, term) pairs, the
 * ground-truth format of {@code esm2j evaluate} and of CAFA-style benchmarks.
 */
@Command(name = "labels", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Write GO labels propagated over is_a and part_of (roots included) as TSV 'protein<TAB>term'. "
                + "alt_ids are mapped to their term; obsolete terms are replaced by their single replaced_by term or "
                + "dropped, and counted.")
public final class LabelsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = "--uniprot", paramLabel = "F.dat", required = true,
                description = "UniProtKB flat file (plain or gzip); protein = the entry's primary accession.")
        Path uniprot;

        @Option(names = "--labels", paramLabel = "F.tsv", required = true,
                description = "Labels TSV with header 'protein<TAB>term' (several terms may be joined with ';').")
        Path labels;
    }

    @Option(names = "--obo", paramLabel = "go.obo[.gz]", required = true, description = "The Gene Ontology in OBO.")
    Path obo;

    @Option(names = "--evidence", paramLabel = "experimental|all|CODES",
            description = "Evidence codes kept from --uniprot (default experimental: EXP IDA IPI IMP IGI IEP TAS IC).")
    String evidence;

    @Option(names = "--namespace", paramLabel = "mf,bp,cc", split = ",", converter = NamespaceConverter.class,
            description = "Sub-ontologies to keep (default all three).")
    List<GoNamespace> namespaces;

    @Option(names = "--min-count", paramLabel = "N", defaultValue = "1",
            description = "Keep terms that at least N proteins carry after propagation (default ${DEFAULT-VALUE}).")
    int minCount;

    @Option(names = "--skip-unknown", description = "Skip (and count) GO ids the ontology lacks instead of failing; "
            + "with --labels also skip bad rows.")
    boolean skipUnknown;

    @Option(names = "--vocabulary", paramLabel = "V.tsv",
            description = "Also write the label vocabulary (index, term, name) of the output.")
    Path vocabulary;

    @Option(names = "--out", paramLabel = "L.tsv", required = true, description = "The TSV to write (atomically).")
    Path out;

    @Override
    public Integer call() {
        if (evidence != null && input.labels != null) {
            throw new ParameterException(spec.commandLine(),
                    "--evidence applies to --uniprot only: a labels TSV carries no evidence codes");
        }
        if (minCount < 1) {
            throw new ParameterException(spec.commandLine(), "--min-count must be at least 1, got " + minCount);
        }
        GeneOntology ontology = GeneOntology.read(obo);
        Set<GoNamespace> kept = namespaces == null || namespaces.isEmpty() ? EnumSet.allOf(GoNamespace.class)
                : EnumSet.copyOf(namespaces);
        EvidenceFilter filter = evidence == null ? EvidenceFilter.EXPERIMENTAL : EvidenceFilter.parse(evidence);
        GoLabeler labeler = new GoLabeler(ontology, new GoLabeler.Options(filter, kept, skipUnknown));
        GoLabeler.Result result = labeler.label(readAnnotations());
        ProteinLabels labels = result.propagated().withMinimumCount(minCount);
        labels.writeTsv(out);
        if (vocabulary != null) {
            LabelVocabulary.of(labels.labelCounts().keySet(),
                    id -> ontology.term(id).map(GoTerm::name).orElse(id)).write(vocabulary);
        }
        report(result.counts(), labeler.pairsByNamespace(labels));
        return 0;
    }

    private List<GoAnnotation> readAnnotations() {
        List<GoAnnotation> annotations = new ArrayList<>();
        if (input.uniprot != null) {
            for (UniProtEntry entry : UniProtFlatFileReader.read(input.uniprot)) {
                annotations.addAll(entry.goAnnotations());
            }
        } else {
            for (LabelTableReader.Row row : LabelTableReader.read(input.labels, skipUnknown).rows()) {
                annotations.add(new GoAnnotation(row.protein(), row.label(), "", row.origin()));
            }
        }
        return annotations;
    }

    private void report(GoLabeler.Counts c, Map<GoNamespace, Integer> written) {
        PrintWriter w = spec.commandLine().getOut();
        w.printf("annotations %d: dropped by evidence %d, alt_ids mapped %d, obsolete replaced %d, obsolete dropped "
                + "%d, unknown skipped %d, outside namespaces %d%n", c.annotations(), c.droppedByEvidence(),
                c.altIdsMapped(), c.obsoleteReplaced(), c.obsoleteDropped(), c.unknownSkipped(),
                c.outsideNamespaces());
        for (GoNamespace ns : GoNamespace.values()) {
            w.printf("%s: %d stated pairs -> %d propagated -> %d written%n", ns, c.statedPairs().get(ns),
                    c.propagatedPairs().get(ns), written.get(ns));
        }
        w.println("wrote " + out);
        w.flush();
    }

    /** {@code --namespace}: a bad name is a usage error. */
    static final class NamespaceConverter implements ITypeConverter<GoNamespace> {
        @Override
        public GoNamespace convert(String value) {
            try {
                return GoNamespace.parse(value);
            } catch (RuntimeException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
