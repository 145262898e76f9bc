package dev.amalgam.recipe;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ParameterValueTest {
    /** Independent reference: place the n stops at k/(n-1) and interpolate between the two around t. */
    private static double piecewiseLinear(double[] stops, double t) {
        int n = stops.length;
        if (n == 1) {
            return stops[0];
        }
        for (int k = 0; k < n - 1; k++) {
            double x0 = (double) k / (n - 1);
            double x1 = (double) (k + 1) / (n - 1);
            if (t <= x1) {
                return stops[k] + (stops[k + 1] - stops[k]) * (t - x0) / (x1 - x0);
            }
        }
        return stops[n - 1];
    }

    @Test
    void gradientInterpolatesLinearlyBetweenEvenlySpacedStops() {
        double[] stops = {0.2, 0.6, 1.0};
        ParameterValue g = ParameterValue.Gradient.of(stops);
        assertEquals(0.2, (double) g.evaluate("x", 0.0), 1e-12);
        assertEquals(0.4, (double) g.evaluate("x", 0.25), 1e-12);
        assertEquals(0.6, (double) g.evaluate("x", 0.5), 1e-12);
        assertEquals(1.0, (double) g.evaluate("x", 1.0), 1e-12);
        double[][] cases = {{0.9, 0.5}, {0.0, 1.0, 0.0, 1.0}, {3.0}, {-1, 2, 7, 0.5, 4}};
        for (double[] c : cases) {
            ParameterValue v = ParameterValue.Gradient.of(c);
            for (int i = 0; i <= 20; i++) {
                double t = i / 20.0;
                assertEquals(piecewiseLinear(c, t), (double) v.evaluate("x", t), 1e-12, Arrays.toString(c) + " at t=" + t);
            }
        }
    }

    @Test
    void gradientOverSliceLayersUsesLayerPosition() {
        // a two-stop gradient over a 5-layer slice: layer 1 is t = 0.25
        ParameterValue g = ParameterValue.Gradient.of(0.0, 0.5);
        assertEquals(0.125, (double) g.evaluate("model.layers.1.mlp.up_proj.weight", LayerPosition.t(1, 5)), 1e-12);
        assertEquals(1.0, LayerPosition.t(0, 1));
        assertEquals(0.0, LayerPosition.t(0, 16));
        assertEquals(1.0, LayerPosition.t(15, 16));
        assertThrows(IllegalArgumentException.class, () -> LayerPosition.t(5, 5));
    }

    @Test
    void listOfNonNumbersPicksByFloor() {
        ParameterValue v = new ParameterValue.ListValue(List.of(true, false, "x"));
        assertEquals(true, v.evaluate("a", 0.49));
        assertEquals(false, v.evaluate("a", 0.5));
        assertEquals(false, v.evaluate("a", 0.99));
        assertEquals("x", v.evaluate("a", 1.0));
    }

    @Test
    void filterListFirstMatchWinsAndNoMatchIsNull() {
        ParameterValue f = new ParameterValue.Filtered(List.of(
                new ParameterValue.FilterEntry("self_attn", ParameterValue.of(0.8)),
                new ParameterValue.FilterEntry("q_proj", ParameterValue.of(0.1)),   // shadowed by self_attn
                new ParameterValue.FilterEntry("mlp", ParameterValue.Gradient.of(0.0, 1.0))));
        assertEquals(0.8, f.evaluate("model.layers.3.self_attn.q_proj.weight", 0.3));
        assertEquals(0.25, f.evaluate("model.layers.3.mlp.up_proj.weight", 0.25));
        assertNull(f.evaluate("model.norm.weight", 1.0));

        ParameterValue withDefault = new ParameterValue.Filtered(List.of(
                new ParameterValue.FilterEntry("mlp", ParameterValue.of(0.7)),
                new ParameterValue.FilterEntry("*", ParameterValue.of(0.2)),
                new ParameterValue.FilterEntry(null, ParameterValue.of(0.3))));
        assertEquals(0.7, withDefault.evaluate("model.layers.0.mlp.down_proj.weight", 0));
        assertEquals(0.2, withDefault.evaluate("lm_head.weight", 0));
        assertEquals(List.of(0.7, 0.2, 0.3), withDefault.leaves());
    }

    @Test
    void invalidConstructionsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new ParameterValue.Scalar(3));
        assertThrows(IllegalArgumentException.class, () -> new ParameterValue.Gradient(List.of()));
        assertThrows(IllegalArgumentException.class, () -> new ParameterValue.ListValue(List.of(1.0)));
        ParameterValue nested = new ParameterValue.Filtered(List.of(new ParameterValue.FilterEntry(null, ParameterValue.of(1.0))));
        assertThrows(IllegalArgumentException.class, () -> new ParameterValue.FilterEntry("x", nested));
    }
}
