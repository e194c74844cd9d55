#!/usr/bin/env python3
"""50-digit references for texgrad's elementary functions (`texgrad_runtime::math`).

For each function and type (f32, f64), the inputs cover the whole range the function meets:
both signs at log-spaced magnitudes from the smallest subnormal to the largest finite number,
evenly spaced points over the range where the result is neither 0, ±1 nor infinite, and the
edges (overflow and underflow thresholds and the inputs around them, subnormal results, the
switch points between the approximations' intervals). Each row: function, type, the input's
bits, and the value as a double-double `hi lo` (`inf 0.0` where it overflows).

    pip install mpmath==1.3.0 && python3 scripts/references_elementary.py > tests/references/elementary.tsv
"""
import math
import struct

from mpmath import mp, mpf, exp, expm1, log, log1p, tanh, cosh, sinh, erf, erfc, sqrt, inf

from reference_common import bits, f32, pair, sig, softplus

mp.dps = 60


def sech2(x):
    # 4e/(1+e)^2 with e = e^{-2|x|}: 1/cosh^2 without overflowing cosh at 60 digits' range.
    e = exp(-2 * abs(x))
    return 4 * e / (1 + e) ** 2


def erfc_any(x):
    # mpmath's erfc gives up beyond 1e10 or so; there the value is 0 or 2 in every type.
    if abs(x) > 1e6:
        return mpf(0) if x > 0 else mpf(2)
    return erfc(x)


def phi_any(x):
    return erfc_any(-x / sqrt(2)) / 2


def log_checked(x):
    return log(x) if x > 0 else (mpf("-inf") if x == 0 else None)


def log1p_checked(x):
    return log1p(x) if x > -1 else (mpf("-inf") if x == -1 else None)


# name: (function, where its value is interesting as (low, high), edges in f32, edges in f64)
FUNCTIONS = {
    "exp": (exp, (-104, 90), (-103.97, -103.28, -87.34, -87.33, 88.72, 88.73), (-745.14, -745.13, -708.4, -708.39, 709.78, 709.79)),
    "exp_m1": (expm1, (-20, 90), (-1e-7, 1e-7, 0.3465, -0.3466, 88.72, 88.73, 16.6, 17.0), (-1e-17, 1e-17, 0.3465, -0.3466, 709.78, 709.79, 36.7, 37.0)),
    "ln": (log_checked, (0, 100), (1 - 2**-24, 1 + 2**-23, 0.7071, 1.4142, 2**-126, 2**-149, 3.4e38), (1 - 2**-53, 1 + 2**-52, 0.7071, 1.4142, 2**-1022, 2**-1074, 1.7e308)),
    "ln_1p": (log1p_checked, (-1, 100), (-1 + 2**-24, -0.2929, 0.4142, 2**-24, 1.0, 2.0, 3.0, 2**24, 2**25), (-1 + 2**-53, -0.2929, 0.4142, 2**-53, 1.0, 2.0, 3.0, 2**53, 2**54)),
    "sigmoid": (sig, (-110, 30), (-87.3, -88.0, -103.5, 16.6, 17.4), (-708.0, -709.0, -745.0, 36.7, 37.5)),
    "sigmoid_derivative": (lambda x: sig(x) * sig(-x), (-110, 110), (-87.3, -103.5, 103.5), (-708.0, -745.0, 745.0)),
    "softplus": (softplus, (-110, 30), (-87.3, -103.5, 16.6, 17.4), (-708.0, -745.0, 36.7, 37.5)),
    "tanh": (tanh, (-10, 10), (1e-4, 0.55, 9.01, 8.66), (1e-8, 0.55, 19.06, 18.7)),
    "sech2": (sech2, (-60, 60), (43.6, 44.4, 51.6, 52.0), (354.0, 354.9, 372.5, 373.0)),
    "sinh": (sinh, (-90, 90), (1e-4, 0.999, 1.0, 88.72, 89.41, 89.42), (1e-8, 0.999, 1.0, 709.78, 710.47, 710.48)),
    "cosh": (cosh, (-90, 90), (0.0, 1e-4, 88.72, 89.41, 89.42), (0.0, 1e-8, 709.78, 710.47, 710.48)),
    "erf": (erf, (-5, 5), (0.46875, 0.46876, 4.0, 4.0001, 3.9, 1e-30), (0.46875, 0.46876, 4.0, 4.0001, 5.9, 1e-300)),
    "erfc": (erfc_any, (-5, 11), (0.46875, 0.46876, 4.0, 4.0001, 9.19, 10.05, 10.06, 30.1), (0.46875, 0.46876, 4.0, 4.0001, 26.54, 27.2, 27.3, 30.1)),
    "phi": (phi_any, (-15, 6), (-13.0, -14.2, -14.3, -0.66291, 5.6568), (-37.5, -38.4, -38.5, -0.66291, 5.6568)),
}


def rounded(x, single):
    return f32(x) if single else float(x)


def points(low, high, edges, single):
    tiny = 2.0**-149 if single else 2.0**-1074
    largest = 3.4028234663852886e38 if single else 1.7976931348623157e308
    values = set()
    for position in range(161):
        exponent = math.log10(tiny) + (math.log10(largest) - math.log10(tiny)) * position / 160
        magnitude = min(float(mpf(10) ** exponent), largest)
        for sign in (1.0, -1.0):
            values.add(rounded(sign * magnitude, single))
    count = 400
    for position in range(count + 1):
        values.add(rounded(low + (high - low) * position / count, single))
    for magnitude in (1e-30 if single else 1e-300, 1e-20, 1e-10, 1e-5, 1e-3, 0.1, 0.5, 1.0, 2.0, 10.0):
        values.add(rounded(magnitude, single))
        values.add(rounded(-magnitude, single))
    for edge in edges:
        base = rounded(edge, single)
        values.add(base)
        values.add(-base)
        # The neighbours of each edge, a few units in the last place apart.
        for steps in (1, 2, 5):
            for direction in (1, -1):
                values.add(neighbour(base, steps * direction, single))
    values.add(0.0)
    values.add(largest)
    values.add(-largest)
    return sorted(value for value in values if math.isfinite(value))


def neighbour(value, steps, single):
    if single:
        integer = struct.unpack("<i", struct.pack("<f", value))[0]
        moved = integer + steps if value >= 0 else integer - steps
        return struct.unpack("<f", struct.pack("<i", moved))[0]
    integer = struct.unpack("<q", struct.pack("<d", value))[0]
    moved = integer + steps if value >= 0 else integer - steps
    return struct.unpack("<d", struct.pack("<q", moved))[0]


def main():
    print("function\ttype\tx\tvalue")
    for name, (function, (low, high), single_edges, double_edges) in FUNCTIONS.items():
        for single in (True, False):
            for x in points(low, high, single_edges if single else double_edges, single):
                value = function(mpf(x))
                if value is None:
                    continue
                print(f"{name}\t{'f32' if single else 'f64'}\t{bits(x, single)}\t{pair(value, ' ')}")


if __name__ == "__main__":
    main()
