"""What both reference generators share: 50-digit precision, exact float rounding and bits,
double-double output, and the special functions they build on."""
import struct

from mpmath import mp, mpf, exp, log1p, erfc, sqrt, pi

mp.dps = 50
# Differences that cancel (e^x - 1 near 0, 1 + e^{-1000}) go through expm1 and log1p: 50 digits
# are not enough to subtract 1 - 1e-300 from 1.


def f32(v):
    """The f32 nearest to v, as a Python float."""
    return struct.unpack("<f", struct.pack("<f", float(v)))[0]


def bits(v, single):
    """The bits of v as f32 or f64, in hexadecimal."""
    if single:
        return f"{struct.unpack('<I', struct.pack('<f', v))[0]:08x}"
    return f"{struct.unpack('<Q', struct.pack('<d', v))[0]:016x}"


def pair(v, separator):
    """v as a double-double: the nearest f64 and the remainder."""
    hi = float(v)
    lo = float(v - mpf(hi)) if hi == hi and abs(hi) != float("inf") else 0.0
    return f"{hi!r}{separator}{lo!r}"


def sig(x):
    return 1 / (1 + exp(-x))


def softplus(x):
    # log1p: at 50 digits 1 + e^{-1000} is 1, and the log of it 0.
    return log1p(exp(x)) if x < 0 else x + log1p(exp(-x))


def phi(x):
    return erfc(-x / sqrt(2)) / 2


def pdf(x):
    return exp(-x * x / 2) / sqrt(2 * pi)
