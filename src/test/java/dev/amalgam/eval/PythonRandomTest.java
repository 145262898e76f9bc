package dev.amalgam.eval;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Expected values printed by CPython 3: {@code random.Random(1234)}. */
class PythonRandomTest {
    private static List<Integer> range(int n) {
        return IntStream.range(0, n).boxed().toList();
    }

    @Test
    void sampleMatchesCpythonForSmallPopulations() {
        // r = random.Random(1234); r.sample(range(100), 5); r.sample(range(10), 3)
        PythonRandom r = new PythonRandom(1234);
        assertEquals(List.of(99, 56, 14, 0, 11), r.sample(range(100), 5));
        assertEquals(List.of(9, 0, 1), r.sample(range(10), 3));
    }

    @Test
    void sampleMatchesCpythonForTheSetBasedBranch() {
        // random.Random(1234).sample(range(1000), 25): n > setsize, so CPython picks with a "selected" set
        assertEquals(List.of(989, 796, 451, 119, 7, 92, 932, 965, 961, 826, 596, 35, 687, 709, 85, 100, 784, 363, 242, 17, 31, 807, 16, 354, 663),
                new PythonRandom(1234).sample(range(1000), 25));
    }
}
