package dev.amalgam.report;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class GeneNameTest {
    @Test
    void splitsParameterModelGroupAndFilter() {
        assertEquals(new GeneName("density/ft-b/g1/mlp", "density", "ft-b", "g1", "mlp"),
                GeneName.parse("density/ft-b/g1/mlp"));
        assertEquals("density [mlp]", GeneName.parse("density/ft-b/g1/mlp").panel());
        assertEquals(new GeneName("weight/ft-a/g0", "weight", "ft-a", "g0", ""), GeneName.parse("weight/ft-a/g0"));
        assertEquals("weight", GeneName.parse("weight/ft-a/g0").panel());
        assertEquals("weight [other tensors]", GeneName.parse("weight/ft-a/g0/*").panel());
        assertEquals(new GeneName("t", "t", "all", "all", ""), GeneName.parse("t"));
        assertEquals(new GeneName("weight/ft-a", "weight", "ft-a", "all", ""), GeneName.parse("weight/ft-a"));
    }

    @Test
    void layerGroupsSortInLayerOrder() {
        List<String> groups = new ArrayList<>(List.of("g10", "g2", "all", "g0", "g1"));
        groups.sort(GeneChart.LAYER_ORDER);
        assertEquals(List.of("all", "g0", "g1", "g2", "g10"), groups);
    }
}
