#!/usr/bin/env python3
"""Derives the minimax polynomials of include/ropekit/detail/sincos.hpp used
when cos and sin are rounded to float afterwards.

On |r| <= pi/4 + 2^-20 (z = r^2), with relative error minimized by the Remez
exchange algorithm in 60-digit arithmetic:
  sin r ~= r * S(z), S of degree 4 in z  (sin of degree 9)
  cos r ~= C(z),     C of degree 4 in z  (cos of degree 8)
Prints the coefficients (rounded to double, highest degree first) and the
maximum relative error of the rounded polynomials, measured on a fine grid.

Run: python3 tests/tools/derive_sincos_polynomials.py
"""
import mpmath

mpmath.mp.dps = 60
Z = (mpmath.pi / 4 + mpmath.mpf(2) ** -20) ** 2


def remez(f, degree, iterations=30):
    n = degree + 2
    # Chebyshev points on [0, Z] to start.
    pts = [Z / 2 * (1 - mpmath.cos(mpmath.pi * i / (n - 1))) for i in range(n)]
    coeffs = None
    for _ in range(iterations):
        # Solve sum_j c_j z_i^j - f(z_i) = (-1)^i E f(z_i) for c and E.
        rows = []
        rhs = []
        for i, z in enumerate(pts):
            rows.append([z ** j for j in range(degree + 1)] + [-((-1) ** i) * f(z)])
            rhs.append(f(z))
        sol = mpmath.lu_solve(mpmath.matrix(rows), mpmath.matrix(rhs))
        coeffs = [sol[j] for j in range(degree + 1)]

        def err(z):
            p = sum(c * z ** j for j, c in enumerate(coeffs))
            return p / f(z) - 1

        # New alternation points: the extrema of err between sign changes.
        grid = [Z * i / 4000 for i in range(4001)]
        vals = [err(z) for z in grid]
        segments = [[0]]
        for i in range(1, len(grid)):
            if (vals[i] >= 0) == (vals[segments[-1][0]] >= 0):
                segments[-1].append(i)
            else:
                segments.append([i])
        extrema = [max(seg, key=lambda i: abs(vals[i])) for seg in segments]
        if len(extrema) < n:
            break
        # Keep n of them with the largest errors, in order, alternating.
        while len(extrema) > n:
            drop = min(range(len(extrema)), key=lambda k: abs(vals[extrema[k]]))
            extrema.pop(drop)
        pts = [grid[i] for i in extrema]
    return coeffs


def report(name, f, coeffs):
    doubles = [float(c) for c in coeffs]
    worst = 0
    for i in range(20001):
        z = Z * i / 20000
        p = sum(mpmath.mpf(c) * z ** j for j, c in enumerate(doubles))
        worst = max(worst, abs(p / f(z) - 1))
    print(f"// {name}: max relative error {mpmath.nstr(worst, 3)} (2^{mpmath.nstr(mpmath.log(worst, 2), 4)})")
    for c in reversed(doubles):
        print(f"  {c.hex()},  // {c!r}")


def S(z):
    if z == 0:
        return mpmath.mpf(1)
    r = mpmath.sqrt(z)
    return mpmath.sin(r) / r


def C(z):
    return mpmath.cos(mpmath.sqrt(z))


report("sin r = r S(r^2)", S, remez(S, 4))
report("cos r = C(r^2)", C, remez(C, 4))
