package org.esm2j.train.run;

import java.nio.file.Path;

/**
 * The child process of {@link TrainingRunKillTest}: runs (or resumes) {@link TinyRuns#builder} to {@code steps}
 * steps in {@code dir}, sleeping {@code pauseMillis} after each step so the parent can kill it part-way.
 * Arguments: dir steps pauseMillis.
 */
public final class KilledRunChild {
    private KilledRunChild() {
    }

    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        long steps = Long.parseLong(args[1]);
        long pause = Long.parseLong(args[2]);
        TinyRuns.builder(dir, steps).listener(new TrainingListener() {
            @Override
            public void onStep(StepMetrics metrics) {
                try {
                    Thread.sleep(pause);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }).build().run();
    }
}
