import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * Derives multi-label protein-family labels from the descriptions in a UniProt FASTA (issue 9, item 8(b)) and draws a
 * seeded subsample of the labelled proteins for a demonstration that fits a small machine.
 *
 * <p>Run with the JDK's source launcher (no build needed):
 * <pre>
 * java examples/function/DeriveFamilyLabels.java RULES.tsv UNIPROT.fasta.gz SUBSAMPLE SEED OUT_PREFIX
 * </pre>
 * RULES.tsv has rows {@code label<TAB>name<TAB>pattern} (lines starting with # are comments); a protein gets every
 * label whose pattern (Java regex, case-insensitive) occurs in its description, the header text between the id and
 * {@code " OS="}. Proteins keyed by their accession ({@code sp|P12345|NAME -> P12345}). Writes:
 * <ul>
 *   <li>OUT_PREFIX.labels.tsv: {@code protein<TAB>term} for the subsample (esm2j's labels TSV);</li>
 *   <li>OUT_PREFIX.vocabulary.tsv: {@code index<TAB>label<TAB>name} (esm2j's label vocabulary, for names);</li>
 *   <li>OUT_PREFIX.counts.tsv: per label, proteins carrying it among all sequences and in the subsample;</li>
 *   <li>OUT_PREFIX.fasta: the subsample's records, headers and sequences unchanged.</li>
 * </ul>
 * SUBSAMPLE proteins are drawn uniformly without replacement (seeded) from those with at least one label; 0 keeps all.
 */
public final class DeriveFamilyLabels {
    private record Rule(String label, String name, Pattern pattern) {
    }

    private record Entry(String accession, String header, String sequence, List<String> labels) {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 5) {
            System.err.println("usage: java DeriveFamilyLabels.java RULES.tsv UNIPROT.fasta[.gz] SUBSAMPLE SEED "
                    + "OUT_PREFIX");
            System.exit(2);
        }
        List<Rule> rules = readRules(Path.of(args[0]));
        List<Entry> all = readFasta(Path.of(args[1]), rules);
        int subsample = Integer.parseInt(args[2]);
        long seed = Long.parseLong(args[3]);
        String prefix = args[4];

        List<Entry> labelled = new ArrayList<>();
        for (Entry e : all) {
            if (!e.labels().isEmpty()) {
                labelled.add(e);
            }
        }
        List<Entry> chosen = new ArrayList<>(labelled);
        if (subsample > 0 && subsample < chosen.size()) {
            Collections.shuffle(chosen, new Random(seed));
            chosen = new ArrayList<>(chosen.subList(0, subsample));
            // Keep the input order, so the outputs read like the source file.
            List<Entry> inOrder = new ArrayList<>();
            java.util.Set<Entry> picked = new java.util.HashSet<>(chosen);
            for (Entry e : labelled) {
                if (picked.contains(e)) {
                    inOrder.add(e);
                }
            }
            chosen = inOrder;
        }
        Map<String, int[]> counts = new LinkedHashMap<>();
        for (Rule r : rules) {
            counts.put(r.label(), new int[2]);
        }
        for (Entry e : all) {
            e.labels().forEach(l -> counts.get(l)[0]++);
        }
        for (Entry e : chosen) {
            e.labels().forEach(l -> counts.get(l)[1]++);
        }
        try (PrintWriter w = writer(prefix + ".labels.tsv")) {
            w.print("protein\tterm\n");
            for (Entry e : chosen) {
                e.labels().forEach(l -> w.print(e.accession() + "\t" + l + "\n"));
            }
        }
        try (PrintWriter w = writer(prefix + ".vocabulary.tsv")) {
            w.print("index\tlabel\tname\n");
            for (int i = 0; i < rules.size(); i++) {
                w.print(i + "\t" + rules.get(i).label() + "\t" + rules.get(i).name() + "\n");
            }
        }
        try (PrintWriter w = writer(prefix + ".counts.tsv")) {
            w.print("label\tname\tall_sequences\tsubsample\n");
            for (Rule r : rules) {
                int[] c = counts.get(r.label());
                w.print(r.label() + "\t" + r.name() + "\t" + c[0] + "\t" + c[1] + "\n");
            }
        }
        try (PrintWriter w = writer(prefix + ".fasta")) {
            for (Entry e : chosen) {
                w.print(">" + e.header() + "\n");
                for (int i = 0; i < e.sequence().length(); i += 60) {
                    w.print(e.sequence().substring(i, Math.min(e.sequence().length(), i + 60)) + "\n");
                }
            }
        }
        long pairs = chosen.stream().mapToLong(e -> e.labels().size()).sum();
        System.out.printf("%d sequences, %d with at least one label; subsample %d proteins (seed %d), %d labels, "
                + "%d protein-label pairs (%.2f per protein)%n", all.size(), labelled.size(), chosen.size(), seed,
                rules.size(), pairs, (double) pairs / chosen.size());
        System.out.printf("%-24s %8s %10s%n", "label", "all", "subsample");
        counts.forEach((label, c) -> System.out.printf("%-24s %8d %10d%n", label, c[0], c[1]));
    }

    private static List<Rule> readRules(Path file) throws IOException {
        List<Rule> rules = new ArrayList<>();
        int lineNumber = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            lineNumber++;
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] cells = line.split("\t", -1);
            if (cells.length != 3) {
                throw new IllegalArgumentException(file + ":" + lineNumber + ": expected label<TAB>name<TAB>pattern");
            }
            rules.add(new Rule(cells[0], cells[1], Pattern.compile(cells[2], Pattern.CASE_INSENSITIVE)));
        }
        return rules;
    }

    private static List<Entry> readFasta(Path file, List<Rule> rules) throws IOException {
        List<Entry> entries = new ArrayList<>();
        InputStream raw = Files.newInputStream(file);
        InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String header = null;
            StringBuilder sequence = new StringBuilder();
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith(">")) {
                    if (header != null) {
                        entries.add(entry(header, sequence.toString(), rules));
                    }
                    header = line.substring(1).strip();
                    sequence.setLength(0);
                } else {
                    sequence.append(line.strip());
                }
            }
            if (header != null) {
                entries.add(entry(header, sequence.toString(), rules));
            }
        }
        return entries;
    }

    private static Entry entry(String header, String sequence, List<Rule> rules) {
        int space = header.indexOf(' ');
        String id = space < 0 ? header : header.substring(0, space);
        String[] parts = id.split("\\|");
        String accession = parts.length >= 3 ? parts[1] : id;
        String description = space < 0 ? "" : header.substring(space + 1);
        int os = description.indexOf(" OS=");
        if (os >= 0) {
            description = description.substring(0, os);
        }
        List<String> labels = new ArrayList<>();
        for (Rule rule : rules) {
            if (rule.pattern().matcher(description).find()) {
                labels.add(rule.label());
            }
        }
        return new Entry(accession, header, sequence, labels);
    }

    private static PrintWriter writer(String file) throws IOException {
        return new PrintWriter(Files.newBufferedWriter(Path.of(file), StandardCharsets.UTF_8));
    }
}
