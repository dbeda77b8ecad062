package org.esm2j.function.predictor;

import java.util.LinkedHashMap;
import java.util.Map;
import org.esm2j.Esm2jVersion;

/**
 * Where a trained predictor came from, saved with it so a result can be traced and repeated: the esm2j version that
 * trained it, the seed, when, and the SHA-256 of each input file (FASTA, labels, split), by role.
 *
 * @param esm2jVersion the project version that trained it
 * @param seed the training seed
 * @param createdUtc ISO-8601 instant of training
 * @param inputs role (e.g. {@code train_fasta}, {@code labels}) to the input's SHA-256, in insertion order
 */
public record Provenance(String esm2jVersion, long seed, String createdUtc, Map<String, String> inputs) {
    public Provenance {
        inputs = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(inputs));
    }

    /** Provenance for a predictor trained now by this esm2j. */
    public static Provenance now(long seed, Map<String, String> inputs) {
        return new Provenance(Esm2jVersion.get(), seed, java.time.Instant.now().toString(), inputs);
    }

    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("esm2j_version", esm2jVersion);
        m.put("seed", seed);
        m.put("created_utc", createdUtc);
        m.put("inputs", new LinkedHashMap<>(inputs));
        return m;
    }

    @SuppressWarnings("unchecked")
    static Provenance fromMap(Map<String, Object> m) {
        Map<String, String> inputs = new LinkedHashMap<>();
        ((Map<String, Object>) m.get("inputs")).forEach((k, v) -> inputs.put(k, (String) v));
        return new Provenance((String) m.get("esm2j_version"), ((Number) m.get("seed")).longValue(),
                (String) m.get("created_utc"), inputs);
    }
}
