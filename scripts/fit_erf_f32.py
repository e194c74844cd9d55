#!/usr/bin/env python3
"""The f32 polynomials of texgrad's error functions (runtime/src/math/erf.rs), fitted with mpmath.

- `erfc(y) e^{y^2} = w P(v)` for y in [0.46875, 10.1] (below, erfc is 1 - erf; above, 0 in f32),
  with `w = 1/(1 + y)` and `v = (w - mid)/half` in [-1, 1], P of degree 11;
- `erf(t) = t Q(t^2)` for |t| <= 0.46875, Q of degree 5.

Chebyshev fits (near-minimax) at 40 digits, printed as Rust constants highest degree first.

    pip install mpmath==1.3.0 && python3 scripts/fit_erf_f32.py
"""
from mpmath import mp, mpf, erfc, erf, exp, sqrt, pi, chebyfit

mp.dps = 40
LOW, HIGH, SHIFT = mpf("0.46875"), mpf("10.1"), mpf(1)


def main():
    a, b = 1 / (HIGH + SHIFT), 1 / (LOW + SHIFT)
    mid, half = (a + b) / 2, (b - a) / 2
    scaled = lambda v: erfc(1 / (v * half + mid) - SHIFT) * exp((1 / (v * half + mid) - SHIFT) ** 2) / (v * half + mid)
    tail = chebyfit(scaled, [-1, 1], 12)
    small = chebyfit(lambda s: erf(sqrt(s)) / sqrt(s) if s > 0 else 2 / sqrt(pi), [0, LOW**2], 6)
    print(f"const TAIL_SCALE: f32 = {float(1 / half)!r};")
    print(f"const TAIL_OFFSET: f32 = {float(-mid / half)!r};")
    print("const TAIL: [f32; 12] = [" + ", ".join(repr(float(c)) for c in tail) + "];")
    print("const SMALL: [f32; 6] = [" + ", ".join(repr(float(c)) for c in small) + "];")


if __name__ == "__main__":
    main()
