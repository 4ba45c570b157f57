"""core.eigen: the smallest eigenvalue, worked by hand and against numpy's eigvalsh."""

from __future__ import annotations

import math

import numpy as np
import pytest

from commitcast.core.eigen import diagonalize, smallest_eigenvalue


@pytest.mark.parametrize("rho", [0.9, -0.9, 0.3, 1.0, -1.0, 0.0])
def test_two_inputs(rho):
    # [[1, rho], [rho, 1]] has eigenvalues 1 + rho and 1 - rho
    assert smallest_eigenvalue([[1.0, rho], [rho, 1.0]]) == pytest.approx(1 - abs(rho), abs=1e-12)


def test_three_correlations_that_contradict_each_other():
    # rho(A, B) = 0.9, rho(A, C) = 0.9, rho(B, C) = -0.9. The off-diagonal part R has
    # det(R - x I) = -(x^3 - 2.43 x - 2 (0.9)(0.9)(-0.9)) = -(x^3 - 2.43 x + 1.458)
    # = -(x - 0.9)(x^2 + 0.9 x - 1.62): x = 0.9, 0.9, -1.8; the matrix I + R: 1.9, 1.9, -0.8
    matrix = [[1.0, 0.9, 0.9], [0.9, 1.0, -0.9], [0.9, -0.9, 1.0]]
    assert smallest_eigenvalue(matrix) == pytest.approx(-0.8, abs=1e-12)


def test_reads_only_the_upper_triangle():
    # the lower triangle is taken from the upper: [[2, 1], [1, 2]] -> 1 and 3
    assert smallest_eigenvalue([[2.0, 1.0], [99.0, 2.0]]) == pytest.approx(1.0, abs=1e-12)


def test_one_and_none():
    assert smallest_eigenvalue([[0.25]]) == 0.25
    assert math.isnan(smallest_eigenvalue([]))


def test_agrees_with_numpy_on_random_correlation_matrices():
    rng = np.random.default_rng(2026)
    for _ in range(200):
        n = int(rng.integers(2, 16))
        matrix = np.eye(n)
        for _ in range(int(rng.integers(1, n * (n - 1) // 2 + 1))):
            i, j = rng.choice(n, 2, replace=False)
            matrix[i, j] = matrix[j, i] = rng.uniform(-1, 1)
        expected = float(np.linalg.eigvalsh(matrix).min())
        assert smallest_eigenvalue(matrix.tolist()) == pytest.approx(expected, abs=1e-9)
    # dense and positive definite: sample correlations of 40 inputs
    matrix = np.corrcoef(rng.standard_normal((40, 80)))
    expected = float(np.linalg.eigvalsh(matrix).min())
    assert smallest_eigenvalue(matrix.tolist()) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize(
    ("n", "rho", "expected"), [(5, -0.3, -0.2), (60, 0.5, 0.5), (40, 0.9, 0.1)]
)
def test_inputs_all_correlated_alike(n, rho, expected):
    # n inputs, every pair rho: eigenvalues 1 + (n - 1) rho (once) and 1 - rho (n - 1 times):
    # 5 at -0.3 -> 1 - 1.2 = -0.2 and 1.3; 60 at 0.5 -> 30.5 and 0.5; 40 at 0.9 -> 36.1 and 0.1
    matrix = [[1.0 if i == j else rho for j in range(n)] for i in range(n)]
    assert smallest_eigenvalue(matrix) == pytest.approx(expected, abs=1e-12)
    # a repeated eigenvalue still ends in a few sweeps (what rounding leaves off the diagonal
    # once kept every sweep going to the bound of 64)
    assert diagonalize([row[:] for row in matrix]) <= 10
