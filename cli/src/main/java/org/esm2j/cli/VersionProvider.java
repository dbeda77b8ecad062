package org.esm2j.cli;

import org.esm2j.Esm2jVersion;
import picocli.CommandLine.IVersionProvider;

/** {@code esm2j --version}: the esm2j version ({@link Esm2jVersion}) and the Java running it. */
public final class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() {
        return new String[] {"esm2j " + Esm2jVersion.get(), "Java " + System.getProperty("java.version") + " ("
                + System.getProperty("java.vm.name") + ")"};
    }
}
