package dev.amalgam.evolve.strategy;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** CMA-ES's eigen-decomposition checked by its defining identities: A v = lambda v and V orthonormal. */
class SymmetricEigenTest {
    @Test
    void decomposesRandomSymmetricMatrices() {
        Random r = new Random(5);
        for (int n : new int[]{1, 2, 7, 30}) {
            double[][] a = new double[n][n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j <= i; j++) {
                    a[i][j] = a[j][i] = r.nextGaussian();
                }
            }
            double[][] v = new double[n][n];
            double[] lambda = new double[n];
            SymmetricEigen.decompose(a, v, lambda);
            for (int k = 0; k < n; k++) {
                for (int i = 0; i < n; i++) {
                    double av = 0;
                    for (int j = 0; j < n; j++) {
                        av += a[i][j] * v[j][k];
                    }
                    assertEquals(lambda[k] * v[i][k], av, 1e-9, "n=" + n + " A v = lambda v, eigenpair " + k);
                }
                for (int l = 0; l < n; l++) {
                    double dot = 0;
                    for (int i = 0; i < n; i++) {
                        dot += v[i][k] * v[i][l];
                    }
                    assertEquals(k == l ? 1 : 0, dot, 1e-9, "orthonormal columns");
                }
            }
        }
    }
}
