package org.esm2j.train.run;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.esm2j.io.AtomicFiles;
import org.esm2j.io.Json;

/**
 * Writes a run's metrics as {@code metrics.csv} (one row per step, validation columns filled where a validation ran)
 * and {@code metrics.json} (the same plus any extra facts, e.g. a baseline), both atomically, at every validation,
 * checkpoint, every {@code flushEvery} steps and at the end. A resumed run keeps the rows up to its checkpoint's step
 * and continues the elapsed time from there.
 */
public final class MetricsLog implements TrainingListener {
    static final String CSV = "metrics.csv";
    static final String JSON = "metrics.json";
    private static final String HEADER = "step,epoch,loss,lr,grad_norm,tokens,tokens_per_s,elapsed_s,rss_mib,"
            + "val_loss,val_perplexity";

    private final Path directory;
    private final int flushEvery;
    private final TreeMap<Long, Map<String, Object>> rows = new TreeMap<>();
    private final Map<String, Object> facts = new LinkedHashMap<>();
    private final double elapsedOffset;

    /**
     * @param resumedStep the step a resumed run starts from (rows after it are dropped), 0 for a fresh run
     */
    public MetricsLog(Path directory, long resumedStep, int flushEvery) {
        this.directory = directory;
        this.flushEvery = flushEvery;
        double offset = 0;
        Path json = directory.resolve(JSON);
        if (resumedStep > 0 && Files.isRegularFile(json)) {
            try {
                Map<String, Object> old = Json.parseObject(Files.readString(json, StandardCharsets.UTF_8));
                @SuppressWarnings("unchecked")
                List<Map<String, Object>> oldRows = (List<Map<String, Object>>) old.get("rows");
                for (Map<String, Object> r : oldRows) {
                    long step = ((Number) r.get("step")).longValue();
                    if (step <= resumedStep) {
                        rows.put(step, new LinkedHashMap<>(r));
                        Object e = r.get("elapsed_s");
                        if (e != null) {
                            offset = Math.max(offset, ((Number) e).doubleValue());
                        }
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + json, e);
            }
        }
        this.elapsedOffset = offset;
    }

    /** A fact recorded at the top level of metrics.json (e.g. the composition baseline). */
    public void put(String key, Object value) {
        facts.put(key, value);
    }

    @Override
    public void onStep(StepMetrics m) {
        Map<String, Object> r = rows.computeIfAbsent(m.step(), k -> new LinkedHashMap<>());
        r.put("step", m.step());
        r.put("epoch", m.epoch());
        r.put("loss", m.loss());
        r.put("lr", m.learningRate());
        r.put("grad_norm", m.gradientNorm());
        r.put("tokens", m.tokens());
        r.put("tokens_per_s", m.tokensPerSecond());
        r.put("elapsed_s", m.elapsedSeconds() + elapsedOffset);
        r.put("rss_mib", m.residentBytes() / (1024.0 * 1024.0));
        if (flushEvery > 0 && m.step() % flushEvery == 0) {
            flush();
        }
    }

    @Override
    public void onValidation(ValidationMetrics v) {
        Map<String, Object> r = rows.computeIfAbsent(v.step(), k -> new LinkedHashMap<>());
        r.put("step", v.step());
        r.putIfAbsent("elapsed_s", v.elapsedSeconds() + elapsedOffset);
        r.put("val_loss", v.loss());
        r.put("val_perplexity", v.perplexity());
        flush();
    }

    @Override
    public void onCheckpoint(long step, Path dir) {
        flush();
    }

    @Override
    public void onFinish(TrainingSummary summary) {
        facts.put("stop_reason", summary.reason().name().toLowerCase(Locale.ROOT));
        facts.put("steps", summary.steps());
        flush();
    }

    /** Rewrites both files. */
    public void flush() {
        StringBuilder csv = new StringBuilder(HEADER).append('\n');
        for (Map<String, Object> r : rows.values()) {
            String[] cols = HEADER.split(",");
            for (int i = 0; i < cols.length; i++) {
                if (i > 0) {
                    csv.append(',');
                }
                Object v = r.get(cols[i]);
                if (v instanceof Double || v instanceof Float) {
                    csv.append(String.format(Locale.ROOT, "%.6g", ((Number) v).doubleValue()));
                } else if (v != null) {
                    csv.append(v);
                }
            }
            csv.append('\n');
        }
        Map<String, Object> json = new LinkedHashMap<>(facts);
        List<Map<String, Object>> finite = new ArrayList<>();
        for (Map<String, Object> r : rows.values()) {
            Map<String, Object> f = new LinkedHashMap<>();
            r.forEach((k, v) -> f.put(k, v instanceof Double && !Double.isFinite((Double) v) ? null : v));
            finite.add(f);
        }
        json.put("rows", finite);
        try {
            AtomicFiles.write(directory.resolve(CSV), out -> out.write(csv.toString().getBytes(StandardCharsets.UTF_8)));
            byte[] text = (Json.write(json) + "\n").getBytes(StandardCharsets.UTF_8);
            AtomicFiles.write(directory.resolve(JSON), out -> out.write(text));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write metrics in " + directory, e);
        }
    }
}
