package org.esm2j;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * The version of the running esm2j: the Maven project version, filtered into {@code esm2j-version.properties} at build
 * time; "unknown" when run from classes the build did not filter (an IDE). Recorded in files esm2j writes (canonical
 * weights, embeddings, predictors) and shown by {@code esm2j --version}.
 */
public final class Esm2jVersion {
    private static final String UNKNOWN = "unknown";
    private static final String VERSION = read();

    private Esm2jVersion() {
    }

    public static String get() {
        return VERSION;
    }

    private static String read() {
        try (InputStream in = Esm2jVersion.class.getResourceAsStream("esm2j-version.properties")) {
            if (in == null) {
                return UNKNOWN;
            }
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", UNKNOWN);
            return v.startsWith("${") ? UNKNOWN : v;
        } catch (IOException e) {
            return UNKNOWN;
        }
    }
}
