package dev.amalgam.evolve.strategy;

/** Cyclic Jacobi eigen-decomposition of a small symmetric matrix (CMA-ES's covariance). */
final class SymmetricEigen {
    private SymmetricEigen() {
    }

    /**
     * @param a       symmetric input [n][n] (not modified)
     * @param vectors receives the eigenvectors as columns [n][n]
     * @param values  receives the eigenvalues [n]
     */
    static void decompose(double[][] a, double[][] vectors, double[] values) {
        int n = a.length;
        double[][] m = new double[n][];
        for (int i = 0; i < n; i++) {
            m[i] = a[i].clone();
            java.util.Arrays.fill(vectors[i], 0);
            vectors[i][i] = 1;
        }
        for (int sweep = 0; sweep < 100; sweep++) {
            double off = 0;
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    off += m[p][q] * m[p][q];
                }
            }
            if (off < 1e-30) {
                break;
            }
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    if (Math.abs(m[p][q]) < 1e-300) {
                        continue;
                    }
                    // Rotation that zeroes m[p][q] (Numerical Recipes' jacobi, without the threshold tricks).
                    double theta = (m[q][q] - m[p][p]) / (2 * m[p][q]);
                    double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    if (theta == 0) {
                        t = 1;
                    }
                    double cos = 1 / Math.sqrt(t * t + 1);
                    double sin = t * cos;
                    for (int k = 0; k < n; k++) {
                        double mkp = m[k][p];
                        double mkq = m[k][q];
                        m[k][p] = cos * mkp - sin * mkq;
                        m[k][q] = sin * mkp + cos * mkq;
                    }
                    for (int k = 0; k < n; k++) {
                        double mpk = m[p][k];
                        double mqk = m[q][k];
                        m[p][k] = cos * mpk - sin * mqk;
                        m[q][k] = sin * mpk + cos * mqk;
                    }
                    for (int k = 0; k < n; k++) {
                        double vkp = vectors[k][p];
                        double vkq = vectors[k][q];
                        vectors[k][p] = cos * vkp - sin * vkq;
                        vectors[k][q] = sin * vkp + cos * vkq;
                    }
                }
            }
        }
        for (int i = 0; i < n; i++) {
            values[i] = m[i][i];
        }
    }
}
