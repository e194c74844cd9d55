#!/usr/bin/env python3
"""SymPy's size for the derivative of each scalar catalog formula: count_ops(cse(diff(f))).

The names match tests/corpus/derivatives.txt; tests/operation_counts.rs compares the engine's
count (after simplification and sharing) with these and writes docs/operation-counts.md.

    pip install sympy==1.14.0 && python3 scripts/sympy_op_counts.py > docs/sympy-op-counts.tsv
"""
import sympy as sp

x, a, b = sp.symbols("x a b", real=True)
alpha, beta, lam = sp.symbols("alpha beta lambda", positive=True)


def sigmoid(u):
    return 1 / (1 + sp.exp(-u))


def softplus(u):
    return sp.log(1 + sp.exp(u))


FORMULAS = [
    ("sigmoid", 1 / (1 + sp.exp(-x)), x),
    ("sigmoid-function", sigmoid(x), x),
    ("tanh", sp.tanh(x), x),
    ("tanh-exponentials", (sp.exp(x) - sp.exp(-x)) / (sp.exp(x) + sp.exp(-x)), x),
    ("softsign", x / (1 + sp.Abs(x)), x),
    ("relu", sp.Max(0, x), x),
    ("relu-cases", sp.Piecewise((0, x < 0), (x, True)), x),
    ("leaky-relu", sp.Piecewise((x, x >= 0), (a * x, True)), x),
    ("leaky-relu-slope", sp.Piecewise((x, x >= 0), (a * x, True)), a),
    ("gelu", x * sp.Rational(1, 2) * (1 + sp.erf(x / sp.sqrt(2))), x),
    ("gelu-phi", x * (1 + sp.erf(x / sp.sqrt(2))) / 2, x),
    ("gelu-tanh", x / 2 * (1 + sp.tanh(sp.sqrt(2 / sp.pi) * (x + sp.Rational(44715, 1000000) * x**3))), x),
    ("elu", sp.Piecewise((x, x >= 0), (alpha * (sp.exp(x) - 1), True)), x),
    ("swiglu-a", a * sigmoid(a) * b, a),
    ("swiglu-b", a * sigmoid(a) * b, b),
    ("silu", x * sigmoid(x), x),
    ("mish", x * sp.tanh(softplus(x)), x),
    ("softplus", softplus(x), x),
    ("softplus-beta", sp.log(1 + sp.exp(beta * x)) / beta, x),
    ("selu", lam * sp.Piecewise((x, x > 0), (alpha * (sp.exp(x) - 1), True)), x),
    ("relu6", sp.Min(sp.Max(0, x), 6), x),
    ("hardtanh", sp.Piecewise((-1, x < -1), (x, x <= 1), (1, True)), x),
    ("hardsigmoid", sp.Piecewise((0, x <= -3), (1, x >= 3), (x / 6 + sp.Rational(1, 2), True)), x),
    ("log-sigmoid", sp.log(1 / (1 + sp.exp(-x))), x),
    ("tanhshrink", x - sp.tanh(x), x),
    ("softshrink", sp.Piecewise((x - lam, x > lam), (x + lam, x < -lam), (0, True)), x),
]

print("name\tsympy_count_ops_cse_diff")
for name, formula, wrt in FORMULAS:
    derivative = sp.diff(formula, wrt)
    replacements, reduced = sp.cse(derivative)
    count = sum(sp.count_ops(value) for _, value in replacements) + sum(sp.count_ops(expr) for expr in reduced)
    print(f"{name}\t{count}")
