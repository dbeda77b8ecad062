package org.esm2j.backend;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.ServiceLoader;
import org.esm2j.Esm2jException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Chooses a {@link Backend}: {@code -Desm2j.backend=auto|cpu|cuda|...}, auto meaning the best available. */
public final class Backends {
    public static final String PROPERTY = "esm2j.backend";
    private static final Logger LOG = LoggerFactory.getLogger(Backends.class);
    private static volatile boolean autoChoiceLogged;

    private Backends() {
    }

    public static List<Backend> all() {
        List<Backend> list = new ArrayList<>();
        ServiceLoader.load(Backend.class, Backends.class.getClassLoader()).forEach(list::add);
        list.sort(Comparator.comparingInt(Backend::priority).reversed());
        return list;
    }

    /** The backend named by the system property, or auto. */
    public static Backend select() {
        return select(System.getProperty(PROPERTY, "auto"));
    }

    /** "auto" picks the highest-priority available backend and logs the choice once; a name must be available. */
    public static Backend select(String name) {
        String wanted = name.trim().toLowerCase(Locale.ROOT);
        List<Backend> backends = all();
        if (wanted.equals("auto")) {
            StringBuilder skipped = new StringBuilder();
            for (Backend b : backends) {
                Optional<String> reason = b.unavailableReason();
                if (reason.isEmpty()) {
                    if (!autoChoiceLogged) {
                        autoChoiceLogged = true;
                        LOG.info("esm2j backend: {}{}", b.name(),
                                skipped.length() == 0 ? "" : " (" + skipped + ")");
                    }
                    return b;
                }
                skipped.append(b.name()).append(" unavailable: ").append(reason.get()).append("; ");
            }
            throw new Esm2jException("no usable esm2j backend: " + skipped);
        }
        for (Backend b : backends) {
            if (b.name().equals(wanted)) {
                Optional<String> reason = b.unavailableReason();
                if (reason.isPresent()) {
                    throw new Esm2jException("backend '" + wanted + "' is not usable here: " + reason.get());
                }
                return b;
            }
        }
        List<String> names = new ArrayList<>();
        backends.forEach(b -> names.add(b.name()));
        throw new Esm2jException("unknown backend '" + name + "'; available: auto, " + String.join(", ", names));
    }
}
