package dev.amalgam.merge;

import dev.amalgam.merge.MergeMethod.BaseRequirement;
import dev.amalgam.merge.MergeMethod.EmbeddingRectification;
import dev.amalgam.merge.ParameterSpec.Scope;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The compact constructor's checks on a method's declared signature. */
class MethodSignatureTest {
    private static MethodSignature signature(String name, int min, int max, List<ParameterSpec> parameters) {
        return new MethodSignature(name, BaseRequirement.NONE, min, max, parameters,
                EmbeddingRectification.NONE, false);
    }

    @Test
    void keepsAnImmutableCopyOfTheParameters() {
        List<ParameterSpec> parameters = new ArrayList<>(List.of(ParameterSpec.modelWeight()));
        MethodSignature s = signature("m", 0, 0, parameters);
        parameters.add(ParameterSpec.flag("normalize", true));
        assertEquals(List.of(ParameterSpec.modelWeight()), s.parameters());
        assertThrows(UnsupportedOperationException.class, () -> s.parameters().add(ParameterSpec.modelWeight()));
    }

    @Test
    void rejectsABlankName() {
        assertThrows(IllegalArgumentException.class, () -> signature(" ", 1, 1, List.of()));
        assertThrows(IllegalArgumentException.class, () -> signature(null, 1, 1, List.of()));
    }

    @Test
    void rejectsAModelRangeOutside0ToMax() {
        assertThrows(IllegalArgumentException.class, () -> signature("m", -1, 1, List.of()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> signature("m", 3, 2, List.of()));
        assertTrue(e.getMessage().contains("3..2"), e.getMessage());
    }

    @Test
    void rejectsAParameterNameDeclaredTwice() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> signature("m", 1, 1,
                List.of(ParameterSpec.number("t", Scope.GLOBAL, 0.5), ParameterSpec.number("t", Scope.PER_MODEL, 0.5))));
        assertTrue(e.getMessage().contains("'t'"), e.getMessage());
    }
}
