package org.esm2j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.esm2j.io.Json;
import org.esm2j.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code esm2j evaluate} end to end: the JSON contract, the per-term table, the charts, and bad input. */
class EvaluateCommandTest {
    private static final double TOL = 1e-12;

    @TempDir
    Path dir;

    private static Path goldens() {
        return Fixtures.root().resolveSibling("function").resolve("metrics");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Object o) {
        return (Map<String, Object>) o;
    }

    private static double number(Map<String, Object> json, String key) {
        assertNotNull(json.get(key), key + " in " + json);
        return ((Number) json.get(key)).doubleValue();
    }

    @Test
    void randomBenchmarkMatchesTheIndependentComputation() throws IOException {
        // The benchmark and expected values of testdata/function/make_metric_goldens.py (scikit-learn and a
        // plain-Python CAFA F-max/S-min); its predictions include proteins outside the truth, which must be ignored.
        Path out = dir.resolve("m.json");
        Cli.Result r = Cli.run("evaluate", "--predictions", goldens().resolve("predictions.tsv"), "--truth",
                goldens().resolve("truth.tsv"), "--ic-from", goldens().resolve("training.tsv"), "--bins",
                goldens().resolve("bins.tsv"), "--out", out);
        assertEquals(0, r.exitCode(), r.toString());
        Map<String, Object> json = Json.parseObject(Files.readString(out));
        Map<String, Object> expected = Json.parseObject(Files.readString(goldens().resolve("expected.json")));
        Map<String, Object> overall = object(expected.get("overall"));
        for (String key : List.of("fmax", "coverage", "aupr_micro", "aupr_macro", "smin", "map", "auroc_micro",
                "auroc_macro")) {
            assertEquals(number(overall, key), number(json, key), TOL, key);
        }
        assertEquals(number(overall, "fmax_threshold"), number(json, "fmax_threshold"));
        assertEquals(5L, object(json.get("inputs")).get("ignored_proteins"));
        object(expected.get("per_bin")).forEach((bin, values) -> assertEquals(number(object(values), "fmax"),
                number(object(object(json.get("bins")).get(bin)), "fmax"), TOL, "fmax of bin " + bin));

        List<String> terms = Files.readAllLines(dir.resolve("m.terms.tsv"));
        assertEquals("term\tname\tnamespace\tpositives\taupr\tauroc\tthreshold\tpredicted\ttrue_positives\t"
                + "precision\trecall\tf1", terms.get(0));
        assertEquals(1 + ((Number) json.get("terms")).intValue(), terms.size());

        BufferedImage png = ImageIO.read(dir.resolve("m.pr.png").toFile());
        assertEquals(PrecisionRecallChart.WIDTH, png.getWidth());
        assertEquals(PrecisionRecallChart.HEIGHT, png.getHeight());
        org.w3c.dom.Element svg = parseXml(dir.resolve("m.pr.svg"));
        assertEquals("svg", svg.getTagName());
        assertEquals(PrecisionRecallChart.WIDTH, Double.parseDouble(svg.getAttribute("width")));
        assertTrue(svg.getTextContent().contains("Precision"), "axis label in the SVG");
    }

    /**
     * The golden benchmark's ontology (ontology.tsv) written as OBO: per-namespace F-max, AUPR and S-min with CAFA's
     * information content from the ontology, against the script's values.
     */
    @Test
    void namespacesAndCafaSminMatchTheIndependentComputation() throws IOException {
        Map<String, String> oboNamespace = Map.of("MF", "molecular_function", "BP", "biological_process", "CC",
                "cellular_component");
        StringBuilder obo = new StringBuilder("format-version: 1.2\n\n");
        List<String> rows = Files.readAllLines(goldens().resolve("ontology.tsv"));
        for (String row : rows.subList(1, rows.size())) {
            String[] f = row.split("\t", -1);
            obo.append("[Term]\nid: ").append(f[0]).append("\nname: term ").append(f[0]).append("\nnamespace: ")
                    .append(oboNamespace.get(f[1])).append('\n');
            for (String parent : f[2].isEmpty() ? new String[0] : f[2].split(",")) {
                obo.append("is_a: ").append(parent).append('\n');
            }
            obo.append('\n');
        }
        Path oboFile = dir.resolve("golden.obo");
        Files.writeString(oboFile, obo);
        Path out = dir.resolve("ns.json");
        Cli.Result r = Cli.run("evaluate", "--predictions", goldens().resolve("predictions.tsv"), "--truth",
                goldens().resolve("truth.tsv"), "--ic-from", goldens().resolve("training.tsv"), "--obo", oboFile,
                "--no-charts", "--out", out);
        assertEquals(0, r.exitCode(), r.toString());
        Map<String, Object> json = Json.parseObject(Files.readString(out));
        Map<String, Object> expected = Json.parseObject(Files.readString(goldens().resolve("expected.json")));
        assertEquals(number(expected, "smin_cafa_ic"), number(json, "smin"), TOL, "overall S-min, CAFA IC");
        Map<String, Object> namespaces = object(json.get("namespaces"));
        object(expected.get("per_namespace")).forEach((ns, values) -> {
            for (String key : List.of("fmax", "coverage", "aupr_micro", "aupr_macro", "smin")) {
                assertEquals(number(object(values), key), number(object(namespaces.get(ns)), key), TOL,
                        ns + " " + key);
            }
        });
        assertEquals(2L, json.get("terms_outside_ontology"), "the two terms only ever predicted");
        assertFalse(Files.exists(dir.resolve("ns.pr.png")), "--no-charts");
    }

    private static org.w3c.dom.Element parseXml(Path file) throws IOException {
        try {
            javax.xml.parsers.DocumentBuilderFactory factory = javax.xml.parsers.DocumentBuilderFactory.newInstance();
            // The SVG names the W3C DTD; the parse must not go to the network for it.
            factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
            return factory.newDocumentBuilder().parse(file.toFile()).getDocumentElement();
        } catch (javax.xml.parsers.ParserConfigurationException | org.xml.sax.SAXException e) {
            throw new AssertionError(file + " is not well-formed XML", e);
        }
    }

    /**
     * A hand-worked benchmark over a two-namespace ontology (MF root, kinase activity; BP root, signaling) and one
     * label outside it (an EC number).
     * <pre>
     * truth  A: MFroot kinase     B: BProot signaling     C: MFroot BProot
     * preds  A: MFroot 1, kinase .8, signaling .6, EC .9
     *        B: signaling .4, BProot 1
     *        C: MFroot 1, kinase .5
     * </pre>
     * All terms, t = .61..80: A {MFroot kinase EC} P 2/3 R 1; B {BProot} P 1 R 1/2; C {MFroot} P 1 R 1/2:
     * precision 8/9, recall 2/3, F = 16/21, the best (t <= .40 and .51..60 give 20/27, .81.. give 5/8 and 2/3).
     * MF (A, C): t = .51..80: A P 1 R 1, C {MFroot} P 1 R 1: F-max 1 at .51.
     * BP (B, C; A's signaling ignored, A has no BP annotation): t <= .40: B P 1 R 1, C nothing: precision 1 over one
     * protein, recall 1/2, F 2/3 at .01 with coverage 1/2; above .40 B keeps only the root: P 1, R 1/4, F 0.4.
     */
    @Test
    void namespacesFromTheOntology() throws IOException {
        Path obo = dir.resolve("go.obo");
        Files.writeString(obo, String.join("\n", "format-version: 1.2", "data-version: test/1", "",
                "[Term]", "id: GO:0003674", "name: molecular_function", "namespace: molecular_function", "",
                "[Term]", "id: GO:0000010", "name: kinase activity", "namespace: molecular_function",
                "is_a: GO:0003674", "",
                "[Term]", "id: GO:0008150", "name: biological_process", "namespace: biological_process", "",
                "[Term]", "id: GO:0000020", "name: signaling", "namespace: biological_process", "is_a: GO:0008150",
                ""));
        Path truth = dir.resolve("truth.tsv");
        Files.writeString(truth, "protein\tterm\nA\tGO:0003674\nA\tGO:0000010\nB\tGO:0008150\nB\tGO:0000020\n"
                + "C\tGO:0003674\nC\tGO:0008150\n");
        Path predictions = dir.resolve("predictions.tsv");
        Files.writeString(predictions, "protein\tterm\tscore\nA\tGO:0003674\t1\nA\tGO:0000010\t0.8\n"
                + "A\tGO:0000020\t0.6\nA\tEC:1.1.1.1\t0.9\nB\tGO:0000020\t0.4\nB\tGO:0008150\t1.0\n"
                + "C\tGO:0003674\t1\nC\tGO:0000010\t0.5\n");
        Path thresholds = dir.resolve("thresholds.tsv");
        Files.writeString(thresholds, "term\tthreshold\nGO:0000010\t0.6\n");
        Path out = dir.resolve("m.json");
        Cli.Result r = Cli.run("evaluate", "--predictions", predictions, "--truth", truth, "--obo", obo,
                "--thresholds", thresholds, "--bootstrap", 50, "--seed", 3, "--out", out);
        assertEquals(0, r.exitCode(), r.toString());
        Map<String, Object> json = Json.parseObject(Files.readString(out));
        assertEquals(16.0 / 21, number(json, "fmax"), TOL);
        assertEquals(0.61, number(json, "fmax_threshold"));
        assertEquals(1L, json.get("terms_outside_ontology"));
        Map<String, Object> ns = object(json.get("namespaces"));
        assertEquals(1.0, number(object(ns.get("MF")), "fmax"), TOL);
        assertEquals(0.51, number(object(ns.get("MF")), "fmax_threshold"));
        assertEquals(2.0 / 3, number(object(ns.get("BP")), "fmax"), TOL);
        assertEquals(0.01, number(object(ns.get("BP")), "fmax_threshold"));
        assertEquals(0.5, number(object(ns.get("BP")), "coverage"), TOL);
        assertEquals(0L, object(ns.get("CC")).get("proteins"));
        List<?> ci = (List<?>) object(json.get("ci")).get("fmax");
        double lower = ((Number) ci.get(0)).doubleValue();
        double upper = ((Number) ci.get(1)).doubleValue();
        assertTrue(lower <= 16.0 / 21 && 16.0 / 21 <= upper, ci.toString());
        assertFalse(json.containsKey("smin"), "no S-min without --ic-from");
        // Kinase at its own threshold .6: A (.8, true) predicted, C (.5, false) not: all 1. Its ranking (A .8+, C .5-,
        // B 0-) is perfect: AUPR and AUROC 1. Signaling has no threshold given: the F-max threshold .61 predicts no
        // protein (A .6 and B .4 fall below), so precision is undefined (empty) and recall and F1 are 0.
        List<String> table = Files.readAllLines(dir.resolve("m.terms.tsv"));
        assertTrue(table.contains("GO:0000010\tkinase activity\tMF\t1\t1.000000\t1.000000\t0.600000\t1\t1\t"
                + "1.000000\t1.000000\t1.000000"), table.toString());
        assertTrue(table.stream().anyMatch(l -> l.startsWith("GO:0000020\tsignaling\tBP\t1\t")
                && l.endsWith("\t0.610000\t0\t0\t\t0.000000\t0.000000")), table.toString());
    }

    @Test
    void badRowsNameFileAndLineAndLeaveNoOutput() throws IOException {
        Path truth = dir.resolve("truth.tsv");
        Files.writeString(truth, "protein\tterm\nA\tGO:1\n");
        Path predictions = dir.resolve("predictions.tsv");
        Files.writeString(predictions, "protein\tterm\tscore\nA\tGO:1\t0.5\nA\tGO:2\tlots\n");
        Path out = dir.resolve("m.json");
        Cli.Result r = Cli.run("evaluate", "--predictions", predictions, "--truth", truth, "--out", out);
        assertEquals(ErrorReporter.INVALID_INPUT, r.exitCode(), r.toString());
        assertTrue(r.err().startsWith("esm2j: error: " + predictions + ", line 3: score 'lots' is not a number"),
                r.err());
        assertFalse(Files.exists(out));
        assertFalse(Files.exists(dir.resolve("m.pr.png")));
    }

    @Test
    void siblingNamesReplaceTheExtension() {
        assertEquals(Path.of("/x/run.pr.png"), EvaluateCommand.sibling(Path.of("/x/run.json"), ".pr.png"));
        assertEquals(Path.of("run.terms.tsv"), EvaluateCommand.sibling(Path.of("run"), ".terms.tsv"));
    }
}
