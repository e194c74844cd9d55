"""50-digit references for the engine's 256-bit oracle (`tests/oracle.rs`): every function of the
function table, and formulas whose forms cancel or overflow, at exact f64 inputs.

Writes `tests/references/oracle.tsv`: the formula in texgrad's language, the input x as f64 bits
in hexadecimal, and the value to 50 significant digits (`inf`, `-inf` where it overflows, `none`
where the function has no real value there). The oracle must agree to 30 digits.

    python3 scripts/references_oracle.py > tests/references/oracle.tsv
"""
import struct

from mpmath import mp, mpf, exp, expm1, log, log1p, sin, cos, tan, sinh, cosh, tanh, atan, asin, acos
from mpmath import erf, erfc, sqrt, nstr, inf

mp.dps = 120


def bits(x):
    return f"{struct.unpack('<Q', struct.pack('<d', x))[0]:016x}"


def sigmoid(x):
    return 1 / (1 + exp(-x))


def softplus(x):
    return log1p(exp(x)) if x < 0 else x + log1p(exp(-x))


def phi(x):
    return erfc(-x / sqrt(2)) / 2


def sign(x):
    return mpf(0) if x == 0 else mpf(1 if x > 0 else -1)


def real(f, low=None, high=None, open_low=False):
    def checked(x):
        if low is not None and (x < low or (open_low and x == low)):
            return None
        if high is not None and x > high:
            return None
        return f(x)
    return checked


WIDE = [0.0, 1e-300, -1e-300, 1e-20, -1e-20, 1e-8, -1e-8, 0.1, -0.1, 0.5, -0.5, 1.0, -1.0, 2.5, -2.5, 10.0, -10.0,
        30.0, -30.0, 100.0, -100.0, 700.0, -700.0, 745.0, -745.0, 1e10, -1e10]
UNIT = [0.0, 1e-300, -1e-300, 1e-8, -1e-8, 0.1, -0.1, 0.5, -0.5, 0.9999, -0.9999, 1.0, -1.0]

FUNCTIONS = [
    (r"e^{x}", exp, WIDE),
    (r"\exp(x) - 1", expm1, WIDE),
    (r"\ln x", real(log, 0, open_low=True), [1e-300, 1e-20, 0.1, 0.5, 1.0, 1.0000001, 2.5, 10.0, 1e10, 1e300]),
    (r"\ln(1 + x)", real(log1p, -1, open_low=True), [1e-300, -1e-300, 1e-20, -1e-8, 0.1, -0.5, -0.9999, 2.5, 1e300]),
    (r"\sin x", sin, WIDE + [3.141592653589793, 1e15]),
    (r"\cos x", cos, WIDE + [1.5707963267948966, 1e15]),
    (r"\tan x", tan, [0.0, 1e-300, 1e-8, 0.5, -0.5, 1.5707963267948966, -1.5, 10.0]),
    (r"\sinh x", sinh, WIDE),
    (r"\cosh x", cosh, WIDE),
    (r"\tanh x", tanh, WIDE),
    (r"\arctan x", atan, WIDE + [1e300]),
    (r"\arcsin x", real(asin, -1, 1), UNIT),
    (r"\arccos x", real(acos, -1, 1), UNIT),
    (r"\operatorname{erf}(x)", erf, WIDE + [0.46875, 4.0, 5.9, 27.0]),
    (r"\operatorname{erfc}(x)", erfc, WIDE + [0.46875, 4.0, 5.9, 26.5, 27.2]),
    (r"\Phi(x)", phi, WIDE + [-37.5, -38.4, 5.6568]),
    (r"\sigma(x)", sigmoid, WIDE),
    (r"\operatorname{softplus}(x)", softplus, WIDE),
    (r"\operatorname{sign}(x)", sign, [0.0, 1e-300, -1e-300, 2.5, -2.5]),
    (r"|x|", abs, [0.0, 1e-300, -1e-300, 2.5, -2.5]),
    (r"\sqrt{x}", real(sqrt, 0), [0.0, 1e-300, 0.1, 2.0, 1e300]),
    (r"x^{1.5}", real(lambda x: x ** mpf(1.5), 0), [0.0, 1e-100, 0.1, 2.0, 1e100]),
    (r"2^{x}", lambda x: mpf(2) ** x, [0.0, 0.5, -0.5, 10.5, -1000.5]),
    # Forms that cancel or overflow when evaluated in floating point.
    (r"\sqrt{x+1} - \sqrt{x}", real(lambda x: sqrt(x + 1) - sqrt(x), 0), [0.0, 1.0, 1e8, 1e15, 1e30]),
    (r"x + \frac{1 - \cos x}{4}", lambda x: x + (1 - cos(x)) / 4, [-1e-12, 1e-12, 1e-5, 0.5]),
    (r"\frac{\cosh x - 1}{2} + x", lambda x: (cosh(x) - 1) / 2 + x, [-1e-12, 1e-12, 1e-5, 0.5]),
    (r"\frac{2x}{(1+x^4)^{3/2}}", lambda x: 2 * x / (1 + x ** 4) ** mpf(1.5), [1e3, 1e8, -1e8, 0.5]),
    (r"\log(e^{x} + e^{2x})", lambda x: log(exp(x) + exp(2 * x)), [800.0, -800.0, 0.0, 1e-10]),
    (r"x \Phi(x)", lambda x: x * phi(x), [-10.0, -37.0, 3.0]),
    (r"x - \tanh x", lambda x: x - tanh(x), [1e-6, 0.1, 3.0]),
]


def main():
    print("formula\tx\tvalue")
    for formula, f, points in FUNCTIONS:
        for x in points:
            value = f(mpf(x))
            if value is not None and value not in (inf, -inf) and value != 0 and abs(mp.log10(abs(value))) > 1e6:
                # e^{-10^20}: far beyond any floating-point type, and beyond the oracle's exponents.
                continue
            if value is None:
                text = "none"
            elif value == inf:
                text = "inf"
            elif value == -inf:
                text = "-inf"
            else:
                text = nstr(value, 50, min_fixed=1, max_fixed=0)
            print(f"{formula}\t{bits(x)}\t{text}")


main()
