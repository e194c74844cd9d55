#!/usr/bin/env python3
"""50-digit references for the catalog's gates, vector activations and losses (SPEC section 4).

Test vectors include ties, zeros, logits of +-1e4 and the two-index batch form. For each case:
the inputs (exact f32 or f64 values, as bits), the outputs (a gate's value and derivatives, a
vector activation's output and vector-Jacobian product with the cotangent `dy`, a loss's value
and gradient with respect to each input), each a double-double `hi lo`, computed with mpmath
from formulas written out by hand.

    pip install mpmath==1.3.0 && python3 scripts/references_vectors.py > tests/references/vectors.tsv
"""
from mpmath import mpf, exp, log, cosh, tanh

from reference_common import bits, f32, pair as pair_with, pdf, phi, sig, softplus


def pair(v):
    return pair_with(v, ":")


def lse(z):
    m = max(z)
    return m + log(sum(exp(v - m) for v in z))


def xlogy(y, x):
    return mpf(0) if y == 0 else y * log(x)


# Gates: value, d/da, d/db.
GATES = {
    "swiglu": lambda a, b: (a * sig(a) * b, b * (sig(a) + a * sig(a) * sig(-a)), a * sig(a)),
    "glu": lambda a, b: (a * sig(b), sig(b), a * sig(b) * sig(-b)),
    "geglu": lambda a, b: (a * phi(a) * b, b * (phi(a) + a * pdf(a)), a * phi(a)),
    "reglu": lambda a, b: (max(mpf(0), a) * b, b if a > 0 else mpf(0), max(mpf(0), a)),
}


def softmax(z):
    l = lse(z)
    return [exp(v - l) for v in z]


def softmin(z):
    return softmax([-v for v in z])


def softmax_vjp(z, dy):
    s = softmax(z)
    dot = sum(d * p for d, p in zip(dy, s))
    return [p * (d - dot) for p, d in zip(s, dy)]


VECTORS = {
    "softmax": (softmax, softmax_vjp),
    "log_softmax": (lambda z: [v - lse(z) for v in z], lambda z, dy: [d - p * sum(dy) for d, p in zip(dy, softmax(z))]),
    "softmin": (softmin, lambda z, dy: [-v for v in softmax_vjp([-w for w in z], dy)]),
}

# Losses: value, then the gradient with respect to each input, in order.
def n_of(v):
    return mpf(len(v))


def huber_grad(yh, y, d=mpf(1)):
    return [((a - b) if abs(b - a) <= d else d * (1 if a > b else -1)) / n_of(y) for a, b in zip(yh, y)]


LOSSES = {
    "mse": lambda yh, y: (sum((b - a) ** 2 for a, b in zip(yh, y)) / n_of(y),
                          [2 * (a - b) / n_of(y) for a, b in zip(yh, y)], [2 * (b - a) / n_of(y) for a, b in zip(yh, y)]),
    "l1": lambda yh, y: (sum(abs(b - a) for a, b in zip(yh, y)) / n_of(y),
                         [(1 if a > b else -1 if a < b else 0) / n_of(y) for a, b in zip(yh, y)],
                         [(1 if b > a else -1 if b < a else 0) / n_of(y) for a, b in zip(yh, y)]),
    "l2": lambda yh, y: (sum((b - a) ** 2 for a, b in zip(yh, y)), [2 * (a - b) for a, b in zip(yh, y)], [2 * (b - a) for a, b in zip(yh, y)]),
    "cross_entropy": lambda yh, y: (-sum(xlogy(b, a) for a, b in zip(yh, y)),
                                    [(-b / a if b != 0 else mpf(0)) for a, b in zip(yh, y)], [-log(a) for a, b in zip(yh, y)]),
    "kl_div": lambda p, q: (sum(xlogy(a, a) - xlogy(a, b) for a, b in zip(p, q)),
                            [(log(a) + 1 - log(b)) if a != 0 else mpf("-inf") for a, b in zip(p, q)], [-a / b for a, b in zip(p, q)]),
    "cross_entropy_logits": lambda z, y: (sum(b * (lse(z) - a) for a, b in zip(z, y)),
                                          [p * sum(y) - b for p, b in zip(softmax(z), y)], [lse(z) - a for a in z]),
    "bce": lambda yh, y: (-sum(b * log(a) + (1 - b) * log(1 - a) for a, b in zip(yh, y)) / n_of(y),
                          [(-b / a + (1 - b) / (1 - a)) / n_of(y) for a, b in zip(yh, y)],
                          [(-log(a) + log(1 - a)) / n_of(y) for a, b in zip(yh, y)]),
    "bce_logits": lambda z, y: (sum((1 - b) * a + softplus(-a) for a, b in zip(z, y)) / n_of(y),
                                [(sig(a) - b) / n_of(y) for a, b in zip(z, y)], [-a / n_of(y) for a in z]),
    "huber": lambda yh, y: (sum((b - a) ** 2 / 2 if abs(b - a) <= 1 else abs(b - a) - mpf(1) / 2 for a, b in zip(yh, y)) / n_of(y),
                            huber_grad(yh, y), [-g for g in huber_grad(yh, y)]),
    "smooth_l1": lambda yh, y: (sum((a - b) ** 2 / 2 if abs(a - b) < 1 else abs(a - b) - mpf(1) / 2 for a, b in zip(yh, y)) / n_of(y),
                                [((a - b) if abs(a - b) < 1 else (1 if a > b else -1)) / n_of(y) for a, b in zip(yh, y)],
                                [-((a - b) if abs(a - b) < 1 else (1 if a > b else -1)) / n_of(y) for a, b in zip(yh, y)]),
    "log_cosh": lambda yh, y: (sum(log(cosh(a - b)) for a, b in zip(yh, y)) / n_of(y),
                               [tanh(a - b) / n_of(y) for a, b in zip(yh, y)], [-tanh(a - b) / n_of(y) for a, b in zip(yh, y)]),
    "poisson_nll": lambda yh, y: (sum(exp(a) - b * a for a, b in zip(yh, y)) / n_of(y),
                                  [(exp(a) - b) / n_of(y) for a, b in zip(yh, y)], [-a / n_of(y) for a in yh]),
    "hinge": lambda yh, y: (sum(max(mpf(0), 1 - a * b) for a, b in zip(yh, y)) / n_of(y),
                            [(-b if 1 - a * b > 0 else mpf(0)) / n_of(y) for a, b in zip(yh, y)],
                            [(-a if 1 - a * b > 0 else mpf(0)) / n_of(y) for a, b in zip(yh, y)]),
    "soft_margin": lambda yh, y: (sum(softplus(-a * b) for a, b in zip(yh, y)) / n_of(y),
                                  [-b * sig(-a * b) / n_of(y) for a, b in zip(yh, y)], [-a * sig(-a * b) / n_of(y) for a, b in zip(yh, y)]),
}

# Small residuals too: where a loss's terms cancel (log-cosh of 1e-8 is 5e-17, not what is left of
# |r| - ln 2 + ln(1 + e^{-2|r|})).
REGRESSION = [([0.2, 0.9, -1.5, 3.0], [0.0, 1.0, -1.0, 0.5]), ([1.0, -2.0, 0.0], [0.0, -2.0, 0.0]), ([1e3, -1e3], [0.0, 1.0]),
              ([1e-8, 1e-8], [0.0, 0.0]), ([1e-3, -1e-20, 2e-5, 0.5], [0.0, 0.0, 0.0, 0.5 + 1e-6])]
PROBABILITIES = [([0.2, 0.5, 0.3], [0.0, 1.0, 0.0]), ([0.25, 0.75], [0.5, 0.5]), ([1e-30, 1.0 - 1e-16], [0.0, 1.0])]
LOGITS = [([1.0, -2.0, 0.5, 3.0], [0.0, 0.0, 0.0, 1.0]), ([1e4, 0.0, -1e4], [0.0, 1.0, 0.0]), ([0.5, 0.5, 0.5], [0.2, 0.3, 0.5]),
          ([-1e4, -1e4], [1.0, 0.0])]
SIGNS = [([0.3, -2.0, 1.0, 0.0], [1.0, 1.0, -1.0, 1.0]), ([50.0, -50.0], [-1.0, -1.0])]
CASES = {
    "mse": REGRESSION, "l1": REGRESSION, "l2": REGRESSION, "huber": REGRESSION, "smooth_l1": REGRESSION,
    "log_cosh": REGRESSION, "poisson_nll": [([0.5, -1.0, 2.0], [1.0, 0.0, 3.0])],
    "cross_entropy": PROBABILITIES, "kl_div": [([0.2, 0.5, 0.3], [0.3, 0.3, 0.4]), ([0.5, 0.5], [0.5, 0.5])],
    "bce": [([0.2, 0.9, 0.5], [0.0, 1.0, 1.0])],
    "cross_entropy_logits": LOGITS, "bce_logits": [([1.0, -2.0, 30.0, -30.0], [1.0, 0.0, 1.0, 0.0]), ([1e4, -1e4], [1.0, 0.0])],
    "hinge": SIGNS, "soft_margin": SIGNS,
}


def emit(name, single, inputs, outputs):
    rounded = [[f32(v) if single else float(v) for v in vector] for vector in inputs]
    columns = [",".join(bits(v, single) for v in vector) for vector in rounded]
    values = [";".join(pair(v) for v in (output if isinstance(output, list) else [output])) for output in outputs]
    print("\t".join([name, "f32" if single else "f64", "|".join(columns), "|".join(values)]))
    return rounded


print("name\ttype\tinputs (bits, | between inputs)\toutputs (hi:lo, ; between elements, | between outputs)")
for single in (True, False):
    for name, gate in GATES.items():
        for a in (-30.0, -3.0, -0.5, 0.0, 1e-20, 0.7, 2.0, 30.0):
            for b in (-1.5, 0.0, 2.0):
                av, bv = (f32(a), f32(b)) if single else (a, b)
                v, da, db = gate(mpf(av), mpf(bv))
                emit(name, single, [[av], [bv]], [v, da, db])
    for name, (function, vjp) in VECTORS.items():
        for z, dy in [([1.0, -2.0, 0.5, 3.0], [0.3, -1.0, 2.0, 0.1]), ([1e4, 0.0, -1e4], [1.0, 2.0, 3.0]),
                      ([0.5, 0.5, 0.5], [1.0, 0.0, -1.0]), ([0.0], [1.0]), ([-1e4, -1e4 + 1.0], [1.0, -1.0])]:
            zr = [f32(v) if single else v for v in z]
            dyr = [f32(v) if single else v for v in dy]
            zm, dym = [mpf(v) for v in zr], [mpf(v) for v in dyr]
            emit(name, single, [zr, dyr], [function(zm), vjp(zm, dym)])
    for name, loss in LOSSES.items():
        for first, second in CASES[name]:
            fr = [f32(v) if single else v for v in first]
            sr = [f32(v) if single else v for v in second]
            value, g1, g2 = loss([mpf(v) for v in fr], [mpf(v) for v in sr])
            emit(name, single, [fr, sr], [value, g1, g2])
    # The two-index batch form: 2 rows of 3.
    yh = [0.2, 0.5, 0.3, 0.1, 0.1, 0.8]
    y = [0.0, 1.0, 0.0, 0.0, 0.0, 1.0]
    yhr = [f32(v) if single else v for v in yh]
    value = -sum(xlogy(mpf(b), mpf(a)) for a, b in zip(yhr, y)) / 2
    gradient = [(-mpf(b) / mpf(a) / 2 if b != 0 else mpf(0)) for a, b in zip(yhr, y)]
    emit("cross_entropy_batch", single, [yhr, y], [value, gradient, [-log(mpf(a)) / 2 for a in yhr]])
