package org.esm2j.function.labels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.esm2j.InvalidInputException;
import org.junit.jupiter.api.Test;

class EcNumberTest {
    @Test
    void completeNumberGivesOneLabelPerLevel() {
        EcNumber ec = EcNumber.parse("1.1.1.49");
        assertEquals(4, ec.depth());
        assertEquals(List.of("EC:1.-.-.-", "EC:1.1.-.-", "EC:1.1.1.-", "EC:1.1.1.49"), ec.levelLabels());
    }

    @Test
    void partialAndPreliminaryNumbers() {
        EcNumber partial = EcNumber.parse("EC 3.4.-.-");
        assertEquals(2, partial.depth());
        assertEquals("3.4.-.-", partial.toString());
        assertEquals(List.of("EC:3.-.-.-", "EC:3.4.-.-"), partial.levelLabels());
        assertEquals(partial, EcNumber.parse("EC:3.4.-.-"));
        assertEquals("EC:3.5.1.n3", EcNumber.parse("3.5.1.n3").label());
    }

    @Test
    void malformedNumbersAreRejected() {
        for (String bad : List.of("1.1.1", "1.-.1.1", "-.-.-.-", "a.1.1.1", "1.1.1.1.1", "1.n1.1.1")) {
            assertThrows(InvalidInputException.class, () -> EcNumber.parse(bad), bad);
        }
    }
}
