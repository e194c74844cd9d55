#!/usr/bin/env python3
"""The accuracy corpus: one-input formulas in `x` that are hard to evaluate in floating point
(cancellation, removable singularities, intermediates that overflow or underflow) and the
activations and losses of ML practice written as people write them, with 50-digit references
of each value and derivative at sampled inputs.

    python3 scripts/corpus.py            # writes tests/corpus/accuracy/{formulas,references}.tsv
    python3 scripts/corpus.py --check    # each formula parses; f, df against mpmath.diff and
                                         # `texgrad eval` at moderate inputs (needs the CLI built)
    python3 scripts/corpus.py --check-references   # every reference line against a central
                                         # difference of f and f recomputed at more precision

Each entry of CORPUS is (name, formula, family, domain, f, df):

- `formula` is texgrad's formula language (docs/formula-language.md), written as a user writes
  it in LaTeX; every one parses with `texgrad parse` (`--check` runs it on each).
- `f` is the same function for mpmath and `df` its derivative, written out by hand. They are
  exact mathematics, evaluated at whatever precision is current: they may be written as the
  formula is (cancellation and all: the evaluation raises the precision until the result is
  stable) or in a mathematically equal form where the formula's own form would need unbounded
  precision (`1 - \\mathrm{erf}(x)` is evaluated as `erfc(x)`). Constants are made inside the
  lambdas (`sqrt(2)`, `pi`, `mpf("0.044715")`) so that they have the working precision; decimal
  literals are the decimals as written, as in scripts/references.py.
- `domain` is a key of DOMAINS: where to sample.

The formulas are written from first principles (textbook numerical analysis and ML papers and
frameworks), not taken from any benchmark suite.

Sampling, per formula and per type (deterministic: the generator is seeded by the name):
the fixed points of interest (FIXED) that lie in the domain, then inputs drawn as Herbie draws
them, random bit patterns of the type (uniform over the binades, both signs) restricted to the
domain, until there are SAMPLES[type] points. A point is kept only where the exact value and the
exact derivative are both finite normal numbers of the type, well inside its range (RANGE).

Precision: each value is computed at a working precision scaled to the input's magnitude (so
that 1 + 1/x^3 keeps its last term at x = 1e300) and again at twice that; the two must agree to
55 significant digits, or the precision doubles until they do (up to MAX_DPS). A result that is
exactly 0 or infinite at both precisions is not trusted either (it is what total cancellation
or a lost term gives) and is raised in the same way; one still 0 or infinite at MAX_DPS is
taken as such, and the point is dropped.

Outputs (tab-separated):
- formulas.tsv: `name  formula  family`, one line per formula, after a `#` header.
- references.tsv: `name  type  x  value  derivative`, one line per sample, after a `#` header;
  type is f64 or f32; x is Python's repr of the sample (Rust's `str::parse::<f64>` gives it
  exactly; an f32 sample is exactly an f32); value and derivative have 50 significant digits
  in scientific notation (`-1.2345...e-7`), or `nan`, `inf`, `-inf` (never written today: such
  points are dropped).
"""
import argparse
import math
import os
import random
import struct
import subprocess
import sys
import zlib

from mpmath import mp, mpf, mpc, diff as mpdiff
from mpmath import (sin, cos, tan, exp, log, log1p, sqrt, cbrt, sinh, cosh, tanh, sech, atan,
                    asin, erf, erfc, pi)
from mpmath.libmp import to_str

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "corpus", "accuracy")
TEXGRAD = os.path.join(ROOT, "target", "release", "texgrad")

DIGITS = 50          # significant digits written
AGREE = 55           # digits two precisions must share
MAX_DPS = 6000       # the highest working precision tried
SAMPLES = {"f64": 24, "f32": 16}
# Kept only where |value| and |derivative| lie in [lo, hi]: finite normal numbers of the type,
# well inside its range.
RANGE = {"f64": (1e-300, 1e300), "f32": (1e-37, 3e38)}
# Points of interest, kept where they lie in the domain (and where value and derivative do).
FIXED = {
    "f64": [1e-9, 1e-5, 0.5, 3.0, 1e5, 1e20, 1e200, -1e-5, -0.5, -3.0, -40.0, 0.999999, 1.000001],
    "f32": [1e-6, 0.5, 3.0, 1e5, 1e20, -1e-6, -0.5, -3.0, 0.999999, 1.000001],
}
MAX_DRAWS = 4000     # random draws per formula and type before giving up on filling it


def to_f32(v):
    """The f32 nearest to the float v, as a Python float."""
    return struct.unpack("<f", struct.pack("<f", v))[0]


FIXED["f32"] = [to_f32(v) for v in FIXED["f32"]]

DOMAINS = {
    "all": ("all reals", lambda x: True),
    "x >= 0": ("x >= 0", lambda x: x >= 0),
    "x > 0": ("x > 0", lambda x: x > 0),
    "x > -1": ("x > -1", lambda x: x > -1),
    "x >= -1": ("x >= -1", lambda x: x >= -1),
    "x > 1": ("x > 1", lambda x: x > 1),
    "x >= 1": ("x >= 1", lambda x: x >= 1),
    "|x| < 1": ("|x| < 1", lambda x: abs(x) < 1),
    "|x| <= 1": ("|x| <= 1", lambda x: abs(x) <= 1),
    "0 < x < 1": ("0 < x < 1", lambda x: 0 < x < 1),
    "x > 0 or x < -1": ("x > 0 or x < -1", lambda x: x > 0 or x < -1),
}


# --- helpers: exact mathematics at the current precision -------------------------------------

def sig(x):
    """The logistic sigmoid."""
    return 1 / (1 + exp(-x))


def dsig(x):
    """sigma(x) (1 - sigma(x)), without the cancellation of 1 - sigma(x)."""
    return 1 / (exp(x) + 2 + exp(-x))


def softplus(x):
    """ln(1 + e^x); log1p keeps e^x when it is far below 1."""
    return log1p(exp(x))


def Phi(x):
    """The standard normal CDF."""
    return erfc(-x / sqrt(2)) / 2


def phi(x):
    """The standard normal density."""
    return exp(-x * x / 2) / sqrt(2 * pi)


def tanh_of_big(u):
    """tanh u, also where u is so large (u = e^x at x = 1e300) that mpmath cannot hold 2^u:
    beyond u = 10^5, 1 - tanh u < e^{-200000}, far below MAX_DPS digits."""
    return mpf(1) if u > 10 ** 5 else tanh(u)


def sech_of_big(u):
    """sech u, with the same guard (0 beyond u = 10^5, where sech u < e^{-100000})."""
    return mpf(0) if u > 10 ** 5 else sech(u)


def sgn(x):
    return mpf(1) if x > 0 else mpf(-1)


SELU_L = "1.0507009873554805"
SELU_A = "1.6732632423543772"


def gelu_tanh_u(x):
    return sqrt(2 / pi) * (x + mpf("0.044715") * x ** 3)


def gelu_tanh_du(x):
    return sqrt(2 / pi) * (1 + 3 * mpf("0.044715") * x ** 2)


# --- the corpus -----------------------------------------------------------------------------

ISSUE = "issue table"
CORPUS = [
    # The rows of the issue's table (required).
    ("sinc", r"\frac{\sin x}{x}",
     f"{ISSUE}; removable singularity at 0", "all",
     lambda x: sin(x) / x,
     lambda x: (x * cos(x) - sin(x)) / x ** 2),
    ("one_minus_cos_over_square", r"\frac{1-\cos x}{x^2}",
     f"{ISSUE}; cancellation: 1 - cos x near 0; removable singularity at 0", "all",
     lambda x: (1 - cos(x)) / x ** 2,
     lambda x: (x * sin(x) - 2 * (1 - cos(x))) / x ** 3),
    ("compound_interest", r"(1+\frac{1}{x})^x",
     f"{ISSUE}; 1 + 1/x loses 1/x for large |x|, then a large power", "x > 0 or x < -1",
     lambda x: (1 + 1 / x) ** x,
     lambda x: (1 + 1 / x) ** x * (log(1 + 1 / x) - 1 / (x + 1))),
    ("normal_upper_tail", r"1 - \Phi(x)",
     f"{ISSUE}; cancellation: 1 - Phi(x) for large x", "all",
     lambda x: erfc(x / sqrt(2)) / 2,
     lambda x: -phi(x)),
    ("asinh_log_form", r"\ln(x+\sqrt{x^2+1})",
     f"{ISSUE}; inverse hyperbolic: asinh; cancellation for x < 0, overflow of x^2", "all",
     lambda x: log(x + sqrt(x ** 2 + 1)),
     lambda x: 1 / sqrt(x ** 2 + 1)),
    ("sqrt_one_plus_minus_one", r"\sqrt{1+x}-1",
     f"{ISSUE}; cancellation near 0", "x >= -1",
     lambda x: sqrt(1 + x) - 1,
     lambda x: 1 / (2 * sqrt(1 + x))),
    ("sinh_exp_form", r"\frac{e^x-e^{-x}}{2}",
     f"{ISSUE}; hyperbolic: sinh; cancellation near 0, overflow of e^x", "all",
     lambda x: (exp(x) - exp(-x)) / 2,
     lambda x: (exp(x) + exp(-x)) / 2),
    ("cosh_exp_form", r"\frac{e^x+e^{-x}}{2}",
     f"{ISSUE}; hyperbolic: cosh; overflow of e^x", "all",
     lambda x: (exp(x) + exp(-x)) / 2,
     lambda x: (exp(x) - exp(-x)) / 2),
    ("sqrt_of_square", r"\sqrt{x^2}",
     f"{ISSUE}; overflow and underflow of x^2", "all",
     lambda x: sqrt(x ** 2),
     lambda x: sgn(x)),
    ("log_of_square", r"\ln(x^2)",
     f"{ISSUE}; overflow and underflow of x^2", "all",
     lambda x: log(x ** 2),
     lambda x: 2 / x),
    ("log_one_plus_square", r"\ln(1+x^2)",
     f"{ISSUE}; 1 + x^2 loses x^2 near 0, overflow of x^2", "all",
     lambda x: log(1 + x ** 2),
     lambda x: 2 * x / (1 + x ** 2)),
    ("log_normal_cdf", r"\ln\Phi(x)",
     f"{ISSUE}; underflow of Phi(x) for x << 0, log near 1 for x >> 0", "all",
     lambda x: log(Phi(x)),
     lambda x: phi(x) / Phi(x)),
    ("log2_one_plus_pow2", r"\log_2(1+2^x)",
     f"{ISSUE}; log of a sum of exponentials: overflow of 2^x, 1 + 2^x loses 2^x", "all",
     lambda x: log(1 + 2 ** x) / log(2),
     lambda x: 1 / (1 + 2 ** (-x))),
    ("tan_minus_x", r"\tan x - x",
     f"{ISSUE}; cancellation near 0", "all",
     lambda x: tan(x) - x,
     lambda x: tan(x) ** 2),
    ("inv_minus_coth", r"\frac{1}{x}-\frac{1}{\tanh x}",
     f"{ISSUE}; cancellation near 0 (Langevin function, negated)", "all",
     lambda x: 1 / x - 1 / tanh(x),
     lambda x: 1 / sinh(x) ** 2 - 1 / x ** 2),
    ("x_over_expm1", r"\frac{x}{e^x-1}",
     f"{ISSUE}; removable singularity at 0, e^x - 1 cancels", "all",
     lambda x: x / (exp(x) - 1),
     lambda x: ((exp(x) - 1) - x * exp(x)) / (exp(x) - 1) ** 2),
    ("x_times_normal_cdf", r"x\Phi(x)",
     f"{ISSUE}; ML: GELU (exact form); underflow of Phi(x) for x << 0", "all",
     lambda x: x * Phi(x),
     lambda x: Phi(x) + x * phi(x)),
    ("mish", r"x\tanh(\ln(1+e^x))",
     f"{ISSUE}; ML: Mish paper (Misra 2019); softplus inside, overflow of e^x", "all",
     lambda x: x * tanh(softplus(x)),
     lambda x: tanh(softplus(x)) + x * sech(softplus(x)) ** 2 * sig(x)),
    ("serf", r"x\,\mathrm{erf}(\ln(1+e^x))",
     f"{ISSUE}; ML: Serf (log-Softplus ERror activation Function); overflow of e^x", "all",
     lambda x: x * erf(softplus(x)),
     lambda x: erf(softplus(x)) + x * 2 / sqrt(pi) * exp(-softplus(x) ** 2) * sig(x)),

    # Textbook cancellation: differences of roots.
    ("sqrt_step_difference", r"\sqrt{x+1}-\sqrt{x}",
     "cancellation: difference of square roots (conjugate)", "x >= 0",
     lambda x: sqrt(x + 1) - sqrt(x),
     lambda x: 1 / (2 * sqrt(x + 1)) - 1 / (2 * sqrt(x))),
    ("sqrt_centered_difference", r"\sqrt{x+1}-\sqrt{x-1}",
     "cancellation: difference of square roots (conjugate)", "x >= 1",
     lambda x: sqrt(x + 1) - sqrt(x - 1),
     lambda x: 1 / (2 * sqrt(x + 1)) - 1 / (2 * sqrt(x - 1))),
    ("fourth_root_difference", r"(x+1)^{\frac{1}{4}}-x^{\frac{1}{4}}",
     "cancellation: difference of fourth roots", "x >= 0",
     lambda x: (x + 1) ** (mpf(1) / 4) - x ** (mpf(1) / 4),
     lambda x: ((x + 1) ** (-mpf(3) / 4) - x ** (-mpf(3) / 4)) / 4),
    ("cbrt_cube_plus_one_minus_x", r"\sqrt[3]{x^3+1}-x",
     "cancellation: cube root against x; overflow of x^3", "x > 0",
     lambda x: cbrt(x ** 3 + 1) - x,
     lambda x: x ** 2 / cbrt(x ** 3 + 1) ** 2 - 1),
    ("sqrt_square_plus_one_minus_x", r"\sqrt{x^2+1}-x",
     "cancellation: conjugate for x > 0; overflow of x^2", "all",
     lambda x: sqrt(x ** 2 + 1) - x,
     lambda x: x / sqrt(x ** 2 + 1) - 1),
    ("x_minus_sqrt_square_minus_one", r"x-\sqrt{x^2-1}",
     "cancellation: conjugate; overflow of x^2", "x >= 1",
     lambda x: x - sqrt(x ** 2 - 1),
     lambda x: 1 - x / sqrt(x ** 2 - 1)),
    ("one_minus_sqrt_one_minus_square", r"1-\sqrt{1-x^2}",
     "cancellation near 0; 1 - x^2 cancels near |x| = 1", "|x| <= 1",
     lambda x: 1 - sqrt(1 - x ** 2),
     lambda x: x / sqrt(1 - x ** 2)),
    ("root_ratio_difference", r"\frac{\sqrt{1+x}-\sqrt{1-x}}{x}",
     "cancellation: difference of roots; removable singularity at 0", "|x| <= 1",
     lambda x: (sqrt(1 + x) - sqrt(1 - x)) / x,
     lambda x: ((1 / (2 * sqrt(1 + x)) + 1 / (2 * sqrt(1 - x))) * x
                - (sqrt(1 + x) - sqrt(1 - x))) / x ** 2),
    ("x_times_conjugate_gap", r"x(\sqrt{x^2+1}-x)",
     "cancellation: conjugate, then a product of a large and a small factor", "all",
     lambda x: x * (sqrt(x ** 2 + 1) - x),
     lambda x: sqrt(x ** 2 + 1) - 2 * x + x ** 2 / sqrt(x ** 2 + 1)),

    # Differences of fractions and polynomials.
    ("fraction_difference", r"\frac{x}{x+1}-\frac{x-1}{x}",
     "cancellation: difference of quotients near 1", "x > 0",
     lambda x: x / (x + 1) - (x - 1) / x,
     lambda x: 1 / (x + 1) ** 2 - 1 / x ** 2),
    ("reciprocal_difference", r"\frac{1}{1-x}-\frac{1}{1+x}",
     "cancellation: difference of reciprocals near 0", "all",
     lambda x: 1 / (1 - x) - 1 / (1 + x),
     lambda x: 1 / (1 - x) ** 2 + 1 / (1 + x) ** 2),
    ("square_difference", r"(x+1)^2-x^2",
     "cancellation: difference of squares for large |x|; overflow of x^2", "all",
     lambda x: (x + 1) ** 2 - x ** 2,
     lambda x: mpf(2)),
    ("removable_at_one", r"\frac{x^2-1}{x-1}",
     "removable singularity at 1; cancellation in both terms", "all",
     lambda x: (x ** 2 - 1) / (x - 1),
     lambda x: mpf(1)),

    # Differences of logarithms.
    ("log1p_naive", r"\ln(1+x)",
     "cancellation: 1 + x loses x near 0", "x > -1",
     lambda x: log(1 + x),
     lambda x: 1 / (1 + x)),
    ("log1p_over_x", r"\frac{\ln(1+x)}{x}",
     "removable singularity at 0; 1 + x loses x", "x > -1",
     lambda x: log(1 + x) / x,
     lambda x: (x / (1 + x) - log(1 + x)) / x ** 2),
    ("x_minus_log1p", r"x-\ln(1+x)",
     "cancellation near 0", "x > -1",
     lambda x: x - log(1 + x),
     lambda x: x / (1 + x)),
    ("log_ratio_shifted", r"\ln(x+1)-\ln(x-1)",
     "cancellation: difference of logs for large x (2 arcoth x)", "x > 1",
     lambda x: log(x + 1) - log(x - 1),
     lambda x: 1 / (x + 1) - 1 / (x - 1)),
    ("log_one_plus_inv_square", r"\ln(x^2+1)-2\ln x",
     "cancellation: difference of logs for large x; overflow of x^2", "x > 0",
     lambda x: log(x ** 2 + 1) - 2 * log(x),
     lambda x: 2 * x / (x ** 2 + 1) - 2 / x),
    ("x_log_one_plus_inv", r"x\ln(1+\frac{1}{x})",
     "1 + 1/x loses 1/x for large x, then a product of a large and a small factor", "x > 0",
     lambda x: x * log(1 + 1 / x),
     lambda x: log(1 + 1 / x) - 1 / (x + 1)),
    ("compound_small", r"(1+x)^{\frac{1}{x}}",
     "1 + x loses x near 0, then a large power; removable singularity at 0", "x > -1",
     lambda x: (1 + x) ** (1 / x),
     lambda x: (1 + x) ** (1 / x) * (x / (1 + x) - log(1 + x)) / x ** 2),
    ("log_over_x_minus_one", r"\frac{\ln x}{x-1}",
     "removable singularity at 1", "x > 0",
     lambda x: log(x) / (x - 1),
     lambda x: ((x - 1) / x - log(x)) / (x - 1) ** 2),

    # Inverse hyperbolic functions as logarithms.
    ("atanh_log_form", r"\frac{1}{2}\ln\frac{1+x}{1-x}",
     "inverse hyperbolic: atanh; quotient near 1 for small x", "|x| < 1",
     lambda x: log((1 + x) / (1 - x)) / 2,
     lambda x: 1 / (1 - x ** 2)),
    ("acosh_log_form", r"\ln(x+\sqrt{x^2-1})",
     "inverse hyperbolic: acosh; overflow of x^2", "x >= 1",
     lambda x: log(x + sqrt(x ** 2 - 1)),
     lambda x: 1 / sqrt(x ** 2 - 1)),
    ("neg_asinh_log_form", r"\ln(\sqrt{x^2+1}-x)",
     "inverse hyperbolic: -asinh; cancellation for x > 0, overflow of x^2", "all",
     lambda x: log(sqrt(x ** 2 + 1) - x),
     lambda x: -1 / sqrt(x ** 2 + 1)),

    # Differences of exponentials.
    ("expm1_naive", r"e^x-1",
     "cancellation: e^x near 1; ML: ELU/SELU negative side", "all",
     lambda x: exp(x) - 1,
     lambda x: exp(x)),
    ("expm1_over_x", r"\frac{e^x-1}{x}",
     "removable singularity at 0; e^x - 1 cancels", "all",
     lambda x: (exp(x) - 1) / x,
     lambda x: (x * exp(x) - (exp(x) - 1)) / x ** 2),
    ("exp_second_order_quotient", r"\frac{e^x-1-x}{x^2}",
     "removable singularity at 0; second-order cancellation", "all",
     lambda x: (exp(x) - 1 - x) / x ** 2,
     lambda x: ((exp(x) - 1) * x - 2 * (exp(x) - 1 - x)) / x ** 3),
    ("one_minus_exp_neg", r"1-e^{-x}",
     "cancellation near 0; overflow of e^{-x}", "all",
     lambda x: 1 - exp(-x),
     lambda x: exp(-x)),
    ("cosh_minus_one", r"\cosh x - 1",
     "cancellation near 0", "all",
     lambda x: cosh(x) - 1,
     lambda x: sinh(x)),
    ("cosh_minus_one_over_square", r"\frac{\cosh x-1}{x^2}",
     "removable singularity at 0; cancellation", "all",
     lambda x: (cosh(x) - 1) / x ** 2,
     lambda x: (x * sinh(x) - 2 * (cosh(x) - 1)) / x ** 3),
    ("sinh_minus_x", r"\sinh x - x",
     "cancellation near 0", "all",
     lambda x: sinh(x) - x,
     lambda x: cosh(x) - 1),
    ("x_minus_tanh", r"x-\tanh x",
     "cancellation near 0", "all",
     lambda x: x - tanh(x),
     lambda x: tanh(x) ** 2),
    ("sinh_over_x", r"\frac{\sinh x}{x}",
     "removable singularity at 0; overflow of sinh", "all",
     lambda x: sinh(x) / x,
     lambda x: (x * cosh(x) - sinh(x)) / x ** 2),
    ("tanh_over_x", r"\frac{\tanh x}{x}",
     "removable singularity at 0", "all",
     lambda x: tanh(x) / x,
     lambda x: (x * sech(x) ** 2 - tanh(x)) / x ** 2),
    ("x_over_sinh", r"\frac{x}{\sinh x}",
     "removable singularity at 0; overflow of sinh", "all",
     lambda x: x / sinh(x),
     lambda x: (sinh(x) - x * cosh(x)) / sinh(x) ** 2),

    # Differences of trigonometric functions.
    ("one_minus_cos", r"1-\cos x",
     "cancellation near 0", "all",
     lambda x: 1 - cos(x),
     lambda x: sin(x)),
    ("x_minus_sin", r"x-\sin x",
     "cancellation near 0", "all",
     lambda x: x - sin(x),
     lambda x: 1 - cos(x)),
    ("x_minus_sin_over_cube", r"\frac{x-\sin x}{x^3}",
     "removable singularity at 0; third-order cancellation", "all",
     lambda x: (x - sin(x)) / x ** 3,
     lambda x: ((1 - cos(x)) * x - 3 * (x - sin(x))) / x ** 4),
    ("tan_minus_sin_over_cube", r"\frac{\tan x-\sin x}{x^3}",
     "removable singularity at 0; third-order cancellation", "all",
     lambda x: (tan(x) - sin(x)) / x ** 3,
     lambda x: ((1 / cos(x) ** 2 - cos(x)) * x - 3 * (tan(x) - sin(x))) / x ** 4),
    ("tan_over_x", r"\frac{\tan x}{x}",
     "removable singularity at 0", "all",
     lambda x: tan(x) / x,
     lambda x: (x / cos(x) ** 2 - tan(x)) / x ** 2),
    ("sinc_minus_cos", r"\frac{\sin x}{x}-\cos x",
     "cancellation near 0 (second order)", "all",
     lambda x: sin(x) / x - cos(x),
     lambda x: (x * cos(x) - sin(x)) / x ** 2 + sin(x)),
    ("csc_minus_inv", r"\frac{1}{\sin x}-\frac{1}{x}",
     "cancellation: difference of reciprocals near 0", "all",
     lambda x: 1 / sin(x) - 1 / x,
     lambda x: 1 / x ** 2 - cos(x) / sin(x) ** 2),
    ("inv_square_minus_csc_square", r"\frac{1}{x^2}-\frac{1}{\sin^2 x}",
     "cancellation: difference of reciprocal squares near 0", "all",
     lambda x: 1 / x ** 2 - 1 / sin(x) ** 2,
     lambda x: 2 * cos(x) / sin(x) ** 3 - 2 / x ** 3),
    ("half_angle_tangent", r"\frac{\sin x}{1+\cos x}",
     "cancellation in the denominator near odd multiples of pi", "all",
     lambda x: sin(x) / (1 + cos(x)),
     lambda x: 1 / (1 + cos(x))),
    ("x_sin_inv", r"x\sin\frac{1}{x}",
     "product of a large and a small factor for large |x|", "all",
     lambda x: x * sin(1 / x),
     lambda x: sin(1 / x) - cos(1 / x) / x),
    ("square_times_one_minus_cos_inv", r"x^2(1-\cos\frac{1}{x})",
     "cancellation: 1 - cos(1/x) for large |x|, times a large factor", "all",
     lambda x: x ** 2 * (1 - cos(1 / x)),
     lambda x: 2 * x * (1 - cos(1 / x)) - sin(1 / x)),

    # Inverse trigonometric functions.
    ("arctan_over_x", r"\frac{\arctan x}{x}",
     "removable singularity at 0", "all",
     lambda x: atan(x) / x,
     lambda x: (x / (1 + x ** 2) - atan(x)) / x ** 2),
    ("arcsin_over_x", r"\frac{\arcsin x}{x}",
     "removable singularity at 0", "|x| <= 1",
     lambda x: asin(x) / x,
     lambda x: (x / sqrt(1 - x ** 2) - asin(x)) / x ** 2),
    ("arctan_complement", r"\frac{\pi}{2}-\arctan x",
     "cancellation: pi/2 - arctan x for large x", "all",
     lambda x: pi / 2 - atan(x),
     lambda x: -1 / (1 + x ** 2)),
    ("arcsin_complement", r"\frac{\pi}{2}-\arcsin x",
     "cancellation: pi/2 - arcsin x near x = 1", "|x| <= 1",
     lambda x: pi / 2 - asin(x),
     lambda x: -1 / sqrt(1 - x ** 2)),

    # Error functions.
    ("erfc_naive", r"1-\mathrm{erf}(x)",
     "cancellation: 1 - erf x for large x", "all",
     lambda x: erfc(x),
     lambda x: -2 / sqrt(pi) * exp(-x ** 2)),
    ("log_one_minus_erf", r"\ln(1-\mathrm{erf}(x))",
     "cancellation and underflow of 1 - erf x for large x", "all",
     lambda x: log(erfc(x)),
     lambda x: -2 / sqrt(pi) * exp(-x ** 2) / erfc(x)),
    ("mills_ratio_scaled", r"\frac{1-\Phi(x)}{e^{-\frac{x^2}{2}}}",
     "underflow of both terms of a quotient (scaled Mills ratio)", "all",
     lambda x: erfc(x / sqrt(2)) / 2 * exp(x ** 2 / 2),
     lambda x: x * erfc(x / sqrt(2)) / 2 * exp(x ** 2 / 2) - 1 / sqrt(2 * pi)),

    # Intermediates that overflow or underflow.
    ("hypot_one", r"\sqrt{x^2+1}",
     "overflow and underflow of x^2 under a root", "all",
     lambda x: sqrt(x ** 2 + 1),
     lambda x: x / sqrt(x ** 2 + 1)),
    ("inv_hypot_one", r"\frac{1}{\sqrt{x^2+1}}",
     "overflow of x^2 under a root in a denominator", "all",
     lambda x: 1 / sqrt(x ** 2 + 1),
     lambda x: -x / sqrt(x ** 2 + 1) ** 3),
    ("x_over_square_plus_one", r"\frac{x}{x^2+1}",
     "overflow of x^2 in a denominator", "all",
     lambda x: x / (x ** 2 + 1),
     lambda x: (1 - x ** 2) / (x ** 2 + 1) ** 2),
    ("sqrt_fourth_plus_one", r"\sqrt{x^4+1}",
     "overflow of x^4 under a root", "all",
     lambda x: sqrt(x ** 4 + 1),
     lambda x: 2 * x ** 3 / sqrt(x ** 4 + 1)),
    ("cube_over_square_plus_one", r"\frac{x^3}{x^2+1}",
     "overflow of x^3 and x^2 in a quotient", "all",
     lambda x: x ** 3 / (x ** 2 + 1),
     lambda x: (x ** 4 + 3 * x ** 2) / (x ** 2 + 1) ** 2),
    ("square_plus_one_over_x", r"\frac{x^2+1}{x}",
     "overflow of x^2 in a numerator", "all",
     lambda x: (x ** 2 + 1) / x,
     lambda x: 1 - 1 / x ** 2),
    ("exp_ratio_half", r"\frac{e^x}{e^{x/2}}",
     "quotient of exponentials: both overflow", "all",
     lambda x: exp(x) / exp(x / 2),
     lambda x: exp(x / 2) / 2),
    ("sqrt_exp_square_plus_one", r"\sqrt{e^{2x}+1}",
     "overflow of e^{2x} under a root", "all",
     lambda x: sqrt(exp(2 * x) + 1),
     lambda x: exp(2 * x) / sqrt(exp(2 * x) + 1)),
    ("exp_over_cosh", r"\frac{e^x}{\cosh x}",
     "quotient of exponentials: both overflow", "all",
     lambda x: exp(x) / cosh(x),
     lambda x: sech(x) ** 2),
    ("tanh_exp_form", r"\frac{e^x-e^{-x}}{e^x+e^{-x}}",
     "hyperbolic: tanh from exponentials; overflow of both terms, cancellation near 0", "all",
     lambda x: (exp(x) - exp(-x)) / (exp(x) + exp(-x)),
     lambda x: sech(x) ** 2),
    ("sigmoid_exp_quotient", r"\frac{e^x}{1+e^x}",
     "quotient of exponentials: overflow of e^x (logistic sigmoid)", "all",
     lambda x: exp(x) / (1 + exp(x)),
     lambda x: dsig(x)),
    ("log_sum_exp_pm", r"\ln(e^x+e^{-x})",
     "log of a sum of exponentials: overflow", "all",
     lambda x: log(exp(x) + exp(-x)),
     lambda x: tanh(x)),
    ("softplus_minus_x", r"\ln(1+e^x)-x",
     "log of a sum of exponentials: overflow, then cancellation for large x", "all",
     lambda x: log(1 + exp(x)) - x,
     lambda x: -1 / (1 + exp(x))),

    # ML practice: activations and losses of one input.
    ("softplus_naive", r"\ln(1+e^x)",
     "ML: softplus as written; overflow of e^x, 1 + e^x loses e^x", "all",
     lambda x: softplus(x),
     lambda x: sig(x)),
    ("softplus_beta2", r"\frac{1}{2}\ln(1+e^{2x})",
     "ML: softplus with beta = 2 (PyTorch Softplus); overflow of e^{2x}", "all",
     lambda x: softplus(2 * x) / 2,
     lambda x: sig(2 * x)),
    ("softplus_beta10", r"\frac{1}{10}\ln(1+e^{10x})",
     "ML: softplus with beta = 10, a smooth ReLU; overflow of e^{10x}", "all",
     lambda x: softplus(10 * x) / 10,
     lambda x: sig(10 * x)),
    ("shifted_softplus", r"\ln(1+e^x)-\ln 2",
     "ML: shifted softplus (SchNet); cancellation near 0", "all",
     lambda x: softplus(x) - log(2),
     lambda x: sig(x)),
    ("log_expm1", r"\ln(e^x-1)",
     "ML: inverse softplus (positive-parameter init); cancellation near 0", "x > 0",
     lambda x: log(exp(x) - 1),
     lambda x: exp(x) / (exp(x) - 1)),
    ("log_sigmoid_naive", r"\ln\frac{1}{1+e^{-x}}",
     "ML: log-sigmoid as written; overflow of e^{-x}, log near 1", "all",
     lambda x: -softplus(-x),
     lambda x: 1 / (1 + exp(x))),
    ("sigmoid_naive", r"\frac{1}{1+e^{-x}}",
     "ML: logistic sigmoid as written; overflow of e^{-x}", "all",
     lambda x: sig(x),
     lambda x: dsig(x)),
    ("swish", r"\frac{x}{1+e^{-x}}",
     "ML: Swish / SiLU (Ramachandran 2017, Elfwing 2017); overflow of e^{-x}", "all",
     lambda x: x * sig(x),
     lambda x: sig(x) + x * dsig(x)),
    ("gelu_erf", r"\frac{x}{2}\left(1+\mathrm{erf}\left(\frac{x}{\sqrt{2}}\right)\right)",
     "ML: GELU, erf form (Hendrycks & Gimpel); 1 + erf cancels for x << 0", "all",
     lambda x: x / 2 * erfc(-x / sqrt(2)),
     lambda x: Phi(x) + x * phi(x)),
    ("gelu_tanh",
     r"\frac{1}{2}x\left(1+\tanh\left(\sqrt{\frac{2}{\pi}}\left(x+0.044715x^3\right)\right)\right)",
     "ML: GELU, tanh approximation; 1 + tanh cancels for x << 0, overflow of x^3", "all",
     lambda x: x * sig(2 * gelu_tanh_u(x)),
     lambda x: sig(2 * gelu_tanh_u(x))
     + x * 2 * dsig(2 * gelu_tanh_u(x)) * gelu_tanh_du(x)),
    ("gelu_sigmoid", r"x\sigma(1.702x)",
     "ML: GELU, sigmoid approximation", "all",
     lambda x: x * sig(mpf("1.702") * x),
     lambda x: sig(mpf("1.702") * x) + mpf("1.702") * x * dsig(mpf("1.702") * x)),
    ("selu_negative_side", r"1.0507009873554805\cdot 1.6732632423543772(e^{x}-1)",
     "ML: SELU negative side (Klambauer 2017); cancellation of e^x - 1 near 0", "all",
     lambda x: mpf(SELU_L) * mpf(SELU_A) * (exp(x) - 1),
     lambda x: mpf(SELU_L) * mpf(SELU_A) * exp(x)),
    ("elu_cases", r"\begin{cases} x, & x > 0 \\ e^{x}-1, & x \le 0 \end{cases}",
     "ML: ELU (Clevert 2015) with cases; cancellation of e^x - 1 near 0", "all",
     lambda x: x if x > 0 else exp(x) - 1,
     lambda x: mpf(1) if x > 0 else exp(x)),
    ("log_cosh", r"\ln(\cosh x)",
     "ML: log-cosh loss; overflow of cosh", "all",
     lambda x: log(cosh(x)),
     lambda x: tanh(x)),
    ("snake", r"x+\sin^2 x",
     "ML: Snake activation (Ziyin 2020), a = 1", "all",
     lambda x: x + sin(x) ** 2,
     lambda x: 1 + sin(2 * x)),
    ("squareplus", r"\frac{x+\sqrt{x^2+4}}{2}",
     "ML: Squareplus (Barron 2021), b = 4; cancellation for x < 0, overflow of x^2", "all",
     lambda x: (x + sqrt(x ** 2 + 4)) / 2,
     lambda x: (1 + x / sqrt(x ** 2 + 4)) / 2),
    ("pseudo_huber", r"\sqrt{1+x^2}-1",
     "ML: pseudo-Huber loss, delta = 1; cancellation near 0, overflow of x^2", "all",
     lambda x: sqrt(1 + x ** 2) - 1,
     lambda x: x / sqrt(1 + x ** 2)),
    ("charbonnier", r"\sqrt{x^2+10^{-6}}-10^{-3}",
     "ML: Charbonnier loss (smooth L1), eps = 1e-3, shifted to 0; cancellation near 0", "all",
     lambda x: sqrt(x ** 2 + mpf(10) ** -6) - mpf(10) ** -3,
     lambda x: x / sqrt(x ** 2 + mpf(10) ** -6)),
    ("isru", r"\frac{x}{\sqrt{1+x^2}}",
     "ML: ISRU (Carlile 2017), alpha = 1; overflow of x^2", "all",
     lambda x: x / sqrt(1 + x ** 2),
     lambda x: 1 / sqrt(1 + x ** 2) ** 3),
    ("softsign", r"\frac{x}{1+|x|}",
     "ML: softsign", "all",
     lambda x: x / (1 + abs(x)),
     lambda x: 1 / (1 + abs(x)) ** 2),
    ("tanhexp", r"x\tanh(e^x)",
     "ML: TanhExp (Liu 2020); overflow of e^x", "all",
     lambda x: x * tanh_of_big(exp(x)),
     lambda x: tanh_of_big(exp(x)) + x * exp(x) * sech_of_big(exp(x)) ** 2),
    ("lisht", r"x\tanh x",
     "ML: LiSHT (Roy 2019)", "all",
     lambda x: x * tanh(x),
     lambda x: tanh(x) + x * sech(x) ** 2),
    ("logish", r"x\ln(1+\frac{1}{1+e^{-x}})",
     "ML: Logish (Zhu 2021); overflow of e^{-x}", "all",
     lambda x: x * log(1 + sig(x)),
     lambda x: log(1 + sig(x)) + x * dsig(x) / (1 + sig(x))),
    ("smish", r"x\tanh(\ln(1+\frac{1}{1+e^{-x}}))",
     "ML: Smish (Wang 2022); overflow of e^{-x}", "all",
     lambda x: x * tanh(log(1 + sig(x))),
     lambda x: tanh(log(1 + sig(x)))
     + x * sech(log(1 + sig(x))) ** 2 * dsig(x) / (1 + sig(x))),
    ("bipolar_sigmoid", r"\frac{1-e^{-x}}{1+e^{-x}}",
     "ML: bipolar sigmoid (tanh(x/2)); overflow of e^{-x}, cancellation near 0", "all",
     lambda x: (1 - exp(-x)) / (1 + exp(-x)),
     lambda x: 2 * dsig(x)),
    ("tanh_via_sigmoid", r"\frac{2}{1+e^{-2x}}-1",
     "ML: tanh as 2 sigma(2x) - 1; cancellation near 0, overflow of e^{-2x}", "all",
     lambda x: 2 * sig(2 * x) - 1,
     lambda x: 4 * dsig(2 * x)),
    ("vae_kl_log_variance", r"\frac{1}{2}(e^x-1-x)",
     "ML: VAE KL term of one log-variance (mean 0); cancellation near 0", "all",
     lambda x: (exp(x) - 1 - x) / 2,
     lambda x: (exp(x) - 1) / 2),
    ("logistic_loss", r"\ln(1+e^{-x})",
     "ML: logistic loss of a margin; overflow of e^{-x}", "all",
     lambda x: softplus(-x),
     lambda x: -1 / (1 + exp(x))),
    ("bce_logit_target0", r"-\ln\left(1-\frac{1}{1+e^{-x}}\right)",
     "ML: binary cross-entropy of a logit, target 0, as written; 1 - sigma cancels", "all",
     lambda x: softplus(x),
     lambda x: sig(x)),
    ("bce_logit_smoothed",
     r"-0.3\ln\frac{1}{1+e^{-x}}-0.7\ln\left(1-\frac{1}{1+e^{-x}}\right)",
     "ML: binary cross-entropy of a logit, soft target 0.3, as written", "all",
     lambda x: mpf("0.3") * softplus(-x) + mpf("0.7") * softplus(x),
     lambda x: sig(x) - mpf("0.3")),
    ("focal_loss_logit", r"-\left(1-\frac{1}{1+e^{-x}}\right)^{2}\ln\frac{1}{1+e^{-x}}",
     "ML: focal loss (Lin 2017), gamma = 2, target 1, of a logit as written", "all",
     lambda x: sig(-x) ** 2 * softplus(-x),
     lambda x: -2 * sig(-x) ** 2 * sig(x) * softplus(-x) - sig(-x) ** 3),
    ("bce_probability_target0", r"-\ln(1-x)",
     "ML: binary cross-entropy of a probability, target 0; 1 - x loses x near 0", "0 < x < 1",
     lambda x: -log(1 - x),
     lambda x: 1 / (1 - x)),
    ("logit", r"\ln\frac{x}{1-x}",
     "ML: logit of a probability; cancellation near 1/2", "0 < x < 1",
     lambda x: log(x / (1 - x)),
     lambda x: 1 / (x * (1 - x))),
]

# Every formula above parses. Spellings the parser refuses, and what the corpus writes instead
# (no formula was dropped):
# - `\operatorname{arcsinh}(x)`, `\operatorname{asinh}(x)`: unknown functions; asinh and acosh
#   are written as logarithms, `\ln(x+\sqrt{x^2+1})`, as the issue's table does.
# - `\cot x`, `\sec x`, `\csc x`: unknown commands; the corpus writes `\frac{1}{\sin x}`,
#   `\frac{1}{\sin^2 x}` and `\frac{1}{\tanh x}`.
# - erf is `\mathrm{erf}(..)` (also `\operatorname{erf}`), the normal CDF `\Phi(x)`.


# --- evaluation -----------------------------------------------------------------------------

def _eval_at(fn, x, dps):
    """fn(x) at dps digits: an mpf, or None where it is undefined (division by zero, a complex
    result)."""
    with mp.workdps(dps):
        try:
            v = fn(mpf(x))
        except (ZeroDivisionError, ValueError, OverflowError):
            return None
        if isinstance(v, mpc):
            if v.imag != 0:
                return None
            v = v.real
        v = mpf(v)
        if mp.isnan(v):
            return None
        return +v


def _start_dps(x):
    """A working precision that keeps 1 + 1/x^3 (or 1 + x^3 near 0) exactly."""
    if x == 0:
        return 60
    e10 = abs(math.frexp(x)[1]) * 0.30103
    return int(60 + 3 * e10)


def _agree(a, b):
    if a is None or b is None:
        return a is None and b is None
    if mp.isinf(a) or mp.isinf(b) or a == 0 or b == 0:
        return False  # total cancellation or a lost term: raise the precision
    with mp.workdps(AGREE + 10):
        return abs(a - b) <= abs(b) * mpf(10) ** -AGREE


def exact(fn, x):
    """fn(x) to at least AGREE significant digits, or None where undefined; 0 or +-inf where
    even MAX_DPS gives no more."""
    dps = _start_dps(x)
    a = _eval_at(fn, x, dps)
    while True:
        dps *= 2
        b = _eval_at(fn, x, dps)
        if _agree(a, b):
            return b
        if dps >= MAX_DPS:
            if b is not None and (b == 0 or mp.isinf(b)) and a == b:
                return b
            if a is None and b is None:
                return None
            raise RuntimeError(f"no stable value at x = {x!r} (last two: {a}, {b})")
        a = b


def fmt(v):
    """v with DIGITS significant digits, in scientific notation."""
    if v is None:
        return "nan"
    if mp.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v == 0:
        return "0.0"
    text = to_str(v._mpf_, DIGITS, strip_zeros=False, min_fixed=1, max_fixed=0)
    mantissa, _, exponent = text.partition("e")
    return f"{mantissa}e{int(exponent or 0)}"


def usable(v, kind):
    lo, hi = RANGE[kind]
    return v is not None and not mp.isinf(v) and lo <= abs(v) <= hi


def random_float(rng, kind):
    """A random bit pattern of the type, as a float (NaN and infinities included)."""
    if kind == "f64":
        return struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0]
    return struct.unpack("<f", struct.pack("<I", rng.getrandbits(32)))[0]


def sample(entry, kind):
    """[(x, value, derivative)] for one formula and type, sorted by x."""
    name, _formula, _family, domain, f, df = entry
    inside = DOMAINS[domain][1]
    rng = random.Random(zlib.crc32(f"{name}/{kind}".encode()))
    points, seen = [], set()

    def consider(x):
        if x in seen or not math.isfinite(x) or not inside(x):
            return
        seen.add(x)
        v = exact(f, x)
        if not usable(v, kind):
            return
        d = exact(df, x)
        if not usable(d, kind):
            return
        points.append((x, v, d))

    for x in FIXED[kind]:
        consider(x)
    draws = 0
    while len(points) < SAMPLES[kind] and draws < MAX_DRAWS:
        draws += 1
        consider(random_float(rng, kind))
    return sorted(points, key=lambda p: p[0])


def write(entries):
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "formulas.tsv"), "w") as out:
        out.write("# name\tformula\tfamily (written by scripts/corpus.py)\n")
        for name, formula, family, _domain, _f, _df in entries:
            out.write(f"{name}\t{formula}\t{family}\n")
    lines = 0
    with open(os.path.join(OUT, "references.tsv"), "w") as out:
        out.write(f"# name\ttype\tx\tvalue\tderivative ({DIGITS} digits, scripts/corpus.py)\n")
        for entry in entries:
            counts = []
            for kind in ("f64", "f32"):
                points = sample(entry, kind)
                counts.append(len(points))
                for x, v, d in points:
                    out.write(f"{entry[0]}\t{kind}\t{x!r}\t{fmt(v)}\t{fmt(d)}\n")
                    lines += 1
            print(f"{entry[0]:36} f64 {counts[0]:3}  f32 {counts[1]:3}", file=sys.stderr)
    return lines


# --- checks ---------------------------------------------------------------------------------

MODERATE = [0.3, 0.7, 1.7, 2.5, 6.0, -0.4, -1.3, -2.2, -5.0]


def check(entries):
    """Every formula parses; df agrees with mpmath.diff of f at moderate inputs (30 digits); f and
    df agree with `texgrad eval` (f64) there to 1e-6 (the formula as written may cancel). Returns the number of failures."""
    failures = 0
    for name, formula, _family, domain, f, df in entries:
        run = subprocess.run([TEXGRAD, "parse", formula], capture_output=True, text=True,
                             timeout=30)
        if run.returncode != 0:
            print(f"{name}: does not parse: {run.stderr.strip()}")
            failures += 1
            continue
        inside = DOMAINS[domain][1]
        tried = 0
        for x in MODERATE:
            if not inside(x):
                continue
            v = exact(f, x)
            d = exact(df, x)
            if v is None or d is None:
                continue
            tried += 1
            with mp.workdps(60):
                numeric = mpdiff(f, mpf(x))
                if abs(numeric - d) > abs(d) * mpf(10) ** -30 + mpf(10) ** -40:
                    print(f"{name}: at {x}, df = {fmt(d)} but mpmath.diff gives {fmt(numeric)}")
                    failures += 1
            for args, want in (([], v), (["--derivative", "x"], d)):
                try:
                    run = subprocess.run([TEXGRAD, "eval", formula, "--at", f"x={x!r}"] + args,
                                         capture_output=True, text=True, timeout=30)
                    got = float(run.stdout.strip()) if run.returncode == 0 else float("nan")
                except subprocess.TimeoutExpired:
                    print(f"{name}: at {x}, texgrad eval {' '.join(args)} took over 30 s")
                    failures += 1
                    continue
                if not abs(got - float(want)) <= 1e-6 * abs(float(want)) + 1e-300:
                    print(f"{name}: at {x}{' (derivative)' if args else ''}, texgrad eval gives "
                          f"{got!r}, the reference {fmt(want)}")
                    failures += 1
        if tried < 2:
            print(f"{name}: only {tried} moderate points checked")
    return failures


def check_references(entries):
    """Every derivative in references.tsv against a central difference of f at the same input,
    h = 1e-150 min(1, |x|)^2, evaluated to AGREE digits like the references (45 digits must
    agree), and every value against f recomputed at the highest precision the input needs twice
    over. Returns the number of failures."""
    by_name = {e[0]: e for e in entries}
    failures = checked = 0
    with open(os.path.join(OUT, "references.tsv")) as lines:
        for line in lines:
            if line.startswith("#"):
                continue
            name, _kind, x, value, derivative = line.rstrip("\n").split("\t")
            if name not in by_name:
                continue
            f = by_name[name][4]
            x = float(x)

            def central(t, f=f):
                h = mpf(10) ** -150 * min(mpf(1), abs(t)) ** 2
                return (f(t + h) - f(t - h)) / (2 * h)

            numeric = exact(central, x)
            with mp.workdps(2 * _start_dps(x) + 200):
                again = f(mpf(x))
            with mp.workdps(60):
                for what, want, got, digits in (("derivative", derivative, numeric, 45),
                                                 ("value", value, again, 48)):
                    want = mpf(want)
                    if not abs(got - want) <= abs(want) * mpf(10) ** -digits:
                        print(f"{name} at {x!r}: {what} {fmt(want)}, recomputed {fmt(got)}")
                        failures += 1
            checked += 1
    print(f"{checked} reference lines checked, {failures} failures")
    return failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="check the entries against mpmath.diff and texgrad (no writing)")
    parser.add_argument("--check-references", action="store_true",
                        help="check every line of references.tsv by central differences")
    parser.add_argument("--only", nargs="*", help="only these names (for --check)")
    args = parser.parse_args()
    names = [e[0] for e in CORPUS]
    assert len(names) == len(set(names)), "duplicate names"
    entries = [e for e in CORPUS if not args.only or e[0] in args.only]
    if args.check_references:
        sys.exit(1 if check_references(entries) else 0)
    if args.check:
        failures = check(entries)
        print(f"{len(entries)} formulas checked, {failures} failures")
        sys.exit(1 if failures else 0)
    lines = write(entries)
    print(f"{len(entries)} formulas, {lines} references", file=sys.stderr)


if __name__ == "__main__":
    main()
