package org.esm2j;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class Esm2jVersionTest {
    @Test
    void theBuildFiltersTheProjectVersionIntoTheResource() {
        String version = Esm2jVersion.get();
        assertTrue(version.matches("\\d+\\.\\d+(\\.\\d+)?(-SNAPSHOT)?"), "not a Maven project version: " + version);
    }
}
