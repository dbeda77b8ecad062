package org.esm2j.function;

import java.nio.file.Path;
import org.esm2j.testing.Fixtures;

/** The function module's test inputs under testdata/function (provenance in that folder's README). */
public final class FunctionTestData {
    private FunctionTestData() {
    }

    public static Path dir() {
        return Fixtures.root().resolveSibling("function");
    }

    /** The real Gene Ontology, go-basic release 2022-07-01. */
    public static Path goBasic() {
        return dir().resolve("go-basic-2022-07-01.obo.gz");
    }

    /** 100 real UniProtKB/Swiss-Prot entries in the flat-file format. */
    public static Path swissProt100() {
        return dir().resolve("uniprot_sprot_100.dat");
    }
}
