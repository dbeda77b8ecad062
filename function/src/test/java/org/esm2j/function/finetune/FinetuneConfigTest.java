package org.esm2j.function.finetune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.esm2j.InvalidInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FinetuneConfigTest {
    @TempDir
    Path dir;

    @Test
    void jsonAndPropertiesGiveTheSameSettingsAndFlagsOverrideThem() throws IOException {
        Path json = Files.writeString(dir.resolve("a.json"), "{\"mode\": \"MLP\", \"hidden\": 64, \"dropout\": 0.1, "
                + "\"fasta\": \"data/x.fasta\", \"baselines\": true}");
        Path properties = Files.writeString(dir.resolve("a.properties"), "# the same\nmode = MLP\nhidden=64\n"
                + "dropout: 0.1\nfasta = data/x.fasta\nbaselines = true\n");
        for (Path file : new Path[] {json, properties}) {
            FinetuneConfig c = FinetuneConfig.defaults().withFile(file);
            assertEquals("mlp", c.choice("mode"), file.toString());
            assertEquals(64, c.integer("hidden"));
            assertEquals(0.1, c.number("dropout"));
            assertTrue(c.flag("baselines"));
            assertEquals(dir.resolve("data/x.fasta").toAbsolutePath(), c.path("fasta"), "relative to the file");
            assertEquals(32, c.integer("batch_size"), "defaults stay");
            FinetuneConfig overridden = c.with("hidden", "16", "flag --hidden").with("fasta", "y.fasta", "flag");
            assertEquals(16, overridden.integer("hidden"));
            assertEquals(Path.of("y.fasta"), overridden.path("fasta"), "flags resolve against the working directory");
            assertEquals(64, c.integer("hidden"), "configs are immutable");
        }
    }

    @Test
    void errorsNameTheKeyTheValueAndTheSource() throws IOException {
        Path file = Files.writeString(dir.resolve("b.json"), "{\"patience\": 2.5}");
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> FinetuneConfig.defaults().withFile(file));
        assertEquals("config key 'patience' (from config file " + file + "): expected a whole number, got '2.5'",
                e.getMessage());

        e = assertThrows(InvalidInputException.class, () -> FinetuneConfig.defaults().with("metric", "manhattan",
                "flag --metric"));
        assertEquals("config key 'metric' (from flag --metric): expected one of cosine, euclidean, got 'manhattan'",
                e.getMessage());

        e = assertThrows(InvalidInputException.class, () -> FinetuneConfig.defaults().with("baselines", "yes", "x"));
        assertTrue(e.getMessage().contains("config key 'baselines'") && e.getMessage().contains("true or false"),
                e.getMessage());

        Path unknown = Files.writeString(dir.resolve("c.properties"), "learning-rate = 0.1\n");
        e = assertThrows(InvalidInputException.class, () -> FinetuneConfig.defaults().withFile(unknown));
        assertTrue(e.getMessage().startsWith("unknown config key 'learning-rate' in config file " + unknown
                + " (did you mean 'learning_rate'?)"), e.getMessage());

        e = assertThrows(InvalidInputException.class, () -> FinetuneConfig.defaults().text("model"));
        assertTrue(e.getMessage().contains("config key 'model' is required"), e.getMessage());

        Path nested = Files.writeString(dir.resolve("d.json"), "{\"k\": [1, 2]}");
        e = assertThrows(InvalidInputException.class, () -> FinetuneConfig.defaults().withFile(nested));
        assertTrue(e.getMessage().contains("config key 'k'") && e.getMessage().contains("a single value"),
                e.getMessage());

        Path malformed = Files.writeString(dir.resolve("e.json"), "{\"k\": ");
        e = assertThrows(InvalidInputException.class, () -> FinetuneConfig.defaults().withFile(malformed));
        assertTrue(e.getMessage().contains(malformed.toString()) && e.getMessage().contains("malformed JSON"),
                e.getMessage());
    }

    @Test
    void effectiveSettingsListEveryKeyWithAValue() {
        FinetuneConfig c = FinetuneConfig.defaults().with("model", "m.pt", "flag");
        assertEquals("m.pt", c.effective().get("model"));
        assertEquals("logreg", c.effective().get("mode"));
        assertFalse(c.effective().containsKey("labels"));
        assertFalse(c.isSet("learning_rate"), "no default: it depends on the mode");
    }
}
