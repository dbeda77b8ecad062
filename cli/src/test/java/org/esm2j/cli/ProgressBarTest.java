package org.esm2j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ProgressBarTest {
    @Test
    void rendersCountsRateAndTimeLeft() {
        ProgressBar bar = new ProgressBar(new PrintWriter(new StringWriter()), "embed", 10, 1000);
        String line = bar.render(5, 500, 2.0);
        assertEquals("embed [############............] 5/10 seqs, 500/1000 tokens, 250 tok/s, ETA 0m02s", line);
        assertTrue(bar.render(10, 1000, 4.0).endsWith("ETA -"), "nothing left to wait for");
        assertEquals("1h01m", ProgressBar.duration(3690));
    }

    @Test
    void redrawsInPlaceAndEndsTheLine() {
        StringWriter out = new StringWriter();
        ProgressBar bar = new ProgressBar(new PrintWriter(out), "contacts", 1, 10);
        bar.update(1, 10); // complete: always drawn
        bar.finish();
        String text = out.toString();
        assertTrue(text.startsWith("\rcontacts ["), text);
        assertTrue(text.endsWith(System.lineSeparator()), text);
    }

    @Test
    void formatFollowsTheOutputExtension() {
        assertEquals(Optional.of(OutputFormat.NPZ), OutputFormat.forExtension(Path.of("a/b.NPZ")));
        assertEquals(Optional.of(OutputFormat.TSV), OutputFormat.forExtension(Path.of("c.tsv")));
        assertEquals(Optional.of(OutputFormat.NPY), OutputFormat.forExtension(Path.of("means.npy")));
        assertEquals(Optional.of(OutputFormat.ARROW), OutputFormat.forExtension(Path.of("t.feather")));
        assertEquals(Optional.empty(), OutputFormat.forExtension(Path.of("emb.out")));
    }
}
