"""The smallest eigenvalue of a small symmetric matrix, in plain Python.

`validate` checks that a file's correlations can hold together (their matrix is positive
semi-definite) without importing numpy, which would cost ~100 ms of a command that reads a file
and projects nothing. The matrices are small: one row per input named in a correlation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

# sweeps of rotations: each squares the off-diagonal part's size, so a handful suffice; this is
# a bound that ends the loop whatever the input
MOST_SWEEPS = 64


def smallest_eigenvalue(matrix: Sequence[Sequence[float]]) -> float:
    """The smallest eigenvalue of the symmetric `matrix` (only its upper triangle is read),
    by cyclic Jacobi rotations (Golub and Van Loan, Matrix Computations, 8.5): each rotation
    zeroes one off-diagonal element, and the sweeps go on until the off-diagonal part is
    below rounding next to the diagonal. Accurate to rounding of the matrix's largest element,
    as numpy.linalg.eigvalsh is.

    >>> round(smallest_eigenvalue([[1.0, 0.9], [0.9, 1.0]]), 12)  # 1 - 0.9
    0.1
    """
    n = len(matrix)
    a = [[float(matrix[min(i, j)][max(i, j)]) for j in range(n)] for i in range(n)]
    diagonalize(a)
    return min((a[i][i] for i in range(n)), default=math.nan)


def diagonalize(a: list[list[float]]) -> int:
    """Rotate the symmetric `a` in place until its off-diagonal part is below rounding next to
    its largest element; its diagonal then holds the eigenvalues. Returns the sweeps made."""
    n = len(a)
    scale = max((abs(x) for row in a for x in row), default=0.0)
    for sweep in range(MOST_SWEEPS):
        off = math.fsum(a[p][q] ** 2 for p in range(n) for q in range(p + 1, n))
        if off <= (1e-17 * scale) ** 2:
            return sweep
        for p in range(n - 1):
            for q in range(p + 1, n):
                if a[p][q] != 0.0:
                    _rotate(a, p, q)
    return MOST_SWEEPS


def _rotate(a: list[list[float]], p: int, q: int) -> None:
    """a <- J^T a J for the rotation J in the (p, q) plane that makes a[p][q] zero (set to
    exactly 0, as Golub and Van Loan do: what rounding leaves there would otherwise keep a
    matrix with repeated eigenvalues from ever passing the test of `diagonalize`)."""
    tau = (a[q][q] - a[p][p]) / (2.0 * a[p][q])
    t = math.copysign(1.0, tau) / (abs(tau) + math.hypot(tau, 1.0))
    c = 1.0 / math.hypot(t, 1.0)
    s = t * c
    for row in a:  # columns p and q
        x, y = row[p], row[q]
        row[p], row[q] = c * x - s * y, s * x + c * y
    rows_p, rows_q = a[p], a[q]
    for k in range(len(a)):  # rows p and q
        x, y = rows_p[k], rows_q[k]
        rows_p[k], rows_q[k] = c * x - s * y, s * x + c * y
    a[p][q] = a[q][p] = 0.0
