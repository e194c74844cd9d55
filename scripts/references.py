#!/usr/bin/env python3
"""50-digit references for the catalog's scalar activations (SPEC section 4).

For every scalar activation, at every point of the grid (exact f32 and f64 inputs), writes
the value, the first and the second derivative computed with mpmath at 50 digits, each as a
double-double `hi lo` pair, and whether a nonzero zero of the quantity lies within 1e-3 (where
SPEC allows an absolute error instead). Parameters take PyTorch's defaults, as the catalog does.
Kinks follow the catalog's conventions (texgrad::activations docs).

    pip install mpmath==1.3.0 && python3 scripts/references.py > tests/references/scalar.tsv
"""
from mpmath import mpf, exp, expm1, tanh, sqrt, pi, cosh, diff

from reference_common import bits, f32, pair as pair_with, pdf, phi, sig, softplus


def pair(v):
    return pair_with(v, " ")


SELU_L = mpf("1.0507009873554805")
SELU_A = mpf("1.6732632423543772")

# name: (value, first derivative, second derivative, kinks)
# The derivatives are written out by hand (not by texgrad) so the references are independent.
def step(c):
    return mpf(1) if c else mpf(0)

C = mpf("0.044715")
K = sqrt(2 / pi)

def gelu_tanh(x):
    # x/2 (1 + tanh u) = x σ(2u): the same number, without 1 + tanh u cancelling for x ≪ 0.
    u = K * (x + C * x**3)
    return x * sig(2 * u)

def tanhshrink(x):
    # x - tanh x cancels below 1e-3 even at 50 digits (at 1e-30 it needs 61): its series there.
    if abs(x) < mpf("1e-3"):
        return x**3 / 3 - 2 * x**5 / 15 + 17 * x**7 / 315 - 62 * x**9 / 2835 + 1382 * x**11 / 155925
    return x - tanh(x)


FUNCTIONS = {
    # σ(-x) - σ(x) is -tanh(x/2): written as the difference it is 0 at 50 digits below 1e-50.
    "sigmoid": (sig, lambda x: sig(x) * sig(-x), lambda x: -sig(x) * sig(-x) * tanh(x / 2), []),
    "tanh": (tanh, lambda x: 1 / cosh(x) ** 2, lambda x: -2 * tanh(x) / cosh(x) ** 2, []),
    "softsign": (lambda x: x / (1 + abs(x)), lambda x: 1 / (1 + abs(x)) ** 2,
                 lambda x: -2 * (1 if x > 0 else -1 if x < 0 else 0) / (1 + abs(x)) ** 3, [0]),
    "relu": (lambda x: max(mpf(0), x), lambda x: step(x > 0), lambda x: mpf(0), [0]),
    "leaky_relu": (lambda x: x if x >= 0 else mpf("0.01") * x, lambda x: mpf(1) if x >= 0 else mpf("0.01"), lambda x: mpf(0), [0]),
    "prelu": (lambda x: x if x >= 0 else mpf("0.25") * x, lambda x: mpf(1) if x >= 0 else mpf("0.25"), lambda x: mpf(0), [0]),
    "elu": (lambda x: x if x >= 0 else expm1(x), lambda x: mpf(1) if x >= 0 else exp(x), lambda x: mpf(0) if x >= 0 else exp(x), [0]),
    "gelu": (lambda x: x * phi(x), lambda x: phi(x) + x * pdf(x), lambda x: 2 * pdf(x) - x * x * pdf(x), []),
    "gelu_tanh": (gelu_tanh, lambda x: diff(gelu_tanh, x), lambda x: diff(gelu_tanh, x, 2), []),
    "silu": (lambda x: x * sig(x), lambda x: sig(x) + x * sig(x) * sig(-x),
             lambda x: 2 * sig(x) * sig(-x) - x * sig(x) * sig(-x) * tanh(x / 2), []),
    "swish": (lambda x: x * sig(x), lambda x: sig(x) + x * sig(x) * sig(-x),
              lambda x: 2 * sig(x) * sig(-x) - x * sig(x) * sig(-x) * tanh(x / 2), []),
    "mish": (lambda x: x * tanh(softplus(x)), lambda x: diff(lambda t: t * tanh(softplus(t)), x),
             lambda x: diff(lambda t: t * tanh(softplus(t)), x, 2), []),
    "softplus": (softplus, sig, lambda x: sig(x) * sig(-x), []),
    "selu": (lambda x: SELU_L * (x if x > 0 else SELU_A * expm1(x)), lambda x: SELU_L * (1 if x > 0 else SELU_A * exp(x)),
             lambda x: mpf(0) if x > 0 else SELU_L * SELU_A * exp(x), [0]),
    "celu": (lambda x: max(mpf(0), x) + min(mpf(0), expm1(x)), lambda x: step(x > 0) + (exp(x) if x < 0 else mpf(0)),
             lambda x: exp(x) if x < 0 else mpf(0), [0]),
    "relu6": (lambda x: min(mpf(6), max(mpf(0), x)), lambda x: step(0 < x < 6), lambda x: mpf(0), [0, 6]),
    "hardtanh": (lambda x: mpf(-1) if x <= -1 else mpf(1) if x >= 1 else x, lambda x: step(-1 < x < 1), lambda x: mpf(0), [-1, 1]),
    "hardsigmoid": (lambda x: mpf(0) if x <= -3 else mpf(1) if x >= 3 else x / 6 + mpf(1) / 2, lambda x: step(-3 < x < 3) / 6,
                    lambda x: mpf(0), [-3, 3]),
    "hardswish": (lambda x: mpf(0) if x < -3 else x if x > 3 else x * (x + 3) / 6,
                  lambda x: mpf(0) if x < -3 else mpf(1) if x > 3 else (2 * x + 3) / 6,
                  lambda x: mpf(1) / 3 if -3 <= x <= 3 else mpf(0), [-3, 3]),
    "log_sigmoid": (lambda x: -softplus(-x), lambda x: sig(-x), lambda x: -sig(x) * sig(-x), []),
    "tanhshrink": (tanhshrink, lambda x: tanh(x) ** 2, lambda x: 2 * tanh(x) / cosh(x) ** 2, []),
    "softshrink": (lambda x: x - mpf("0.5") if x > mpf("0.5") else x + mpf("0.5") if x < -mpf("0.5") else mpf(0),
                   lambda x: step(abs(x) > mpf("0.5")), lambda x: mpf(0), [-0.5, 0.5]),
    "hardshrink": (lambda x: x if abs(x) > mpf("0.5") else mpf(0), lambda x: step(abs(x) > mpf("0.5")), lambda x: mpf(0), [-0.5, 0.5]),
}


def grid(single):
    points = {0.0, 1e-30, -1e-30, 1e-10, -1e-10, 1e-6, -1e-6}
    if not single:
        points |= {1e-300, -1e-300}
    for k in range(-8, 4):
        for m in (1.0, 2.5, 5.0):
            v = m * 10.0**k
            if v <= 1000:
                points |= {v, -v}
    points |= {x / 4 for x in range(-40, 41)}
    points |= {-1000.0, 1000.0, 88.5, -88.5, 103.0, -103.0, 709.0, -709.0, 745.0, -745.0, 20.0, -20.0, 40.0, -40.0}
    for kink in (0.5, 1.0, 3.0, 6.0):
        for d in (0.0, 1e-7, -1e-7):
            points |= {kink + d, -kink + d}
    if single:
        points = {f32(p) for p in points if abs(p) < 3.4e38}
    return sorted(points)



def cancels(f, x):
    """Whether a zero x0 != 0 of f lies within 1e-3 of x: there SPEC allows an absolute error."""
    h = mpf("1e-3")
    a, b, c = f(x - h), f(x), f(x + h)
    if a * b > 0 and b * c > 0:
        return 0
    if abs(x) <= h and f(mpf(0)) == 0:
        return 0
    return 1


print("name\ttype\tx\tvalue_hi value_lo\tfirst_hi first_lo\tsecond_hi second_lo\tvalue_cancels\tfirst_cancels")
for name, (value, first, second, kinks) in FUNCTIONS.items():
    for single in (True, False):
        for x in grid(single):
            mx = mpf(x)
            v, d1, d2 = value(mx), first(mx), second(mx)
            xs = bits(x, single)
            vc = cancels(value, mx)
            dc = cancels(first, mx)
            print(f"{name}\t{'f32' if single else 'f64'}\t{xs}\t{pair(v)}\t{pair(d1)}\t{pair(d2)}\t{vc}\t{dc}")
