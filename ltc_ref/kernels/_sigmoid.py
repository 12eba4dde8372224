r"""A logistic sigmoid that LLVM can vectorise, accurate to a few ulp, for the Numba kernels.

The fused solver evaluates $L N^2 + C N$ sigmoids $\sigma(z) = 1/(1 + e^{-z})$ per input
step: they are the hot spot of the conductance form. Numba lowers ``math.exp`` to a call of
libm's scalar ``exp``, which LLVM cannot vectorise, so a loop of sigmoids runs one value at a
time. This module computes $e^{u}$ with operations that have vector instructions (add,
multiply, divide, min/max, integer add and shift):

1. **Range reduction.** $u = k \ln 2 + r$ with $k = \mathrm{round}(u / \ln 2)$ and
   $|r| \le \ln 2 / 2$, so $e^{u} = 2^{k} e^{r}$. $k$ is rounded by adding and
   subtracting $1.5 \cdot 2^{52}$ (the sum's last bit is worth 1), and $r = u - k \ln 2$ is
   computed with $\ln 2$ split into a high part whose products with $k$ are exact and a low
   part (Cody & Waite), so $r$ is accurate to about one rounding.
2. **Padé approximant.** $e^{r} \approx P_n(r) / P_n(-r)$ with the $[n/n]$ Padé numerator
   of the exponential,

   $$
       P_n(r) = \sum_{k=0}^{n} \frac{(2n-k)!\, n!}{(2n)!\, k!\, (n-k)!}\, r^k ,
       \qquad
       \Big|e^{r} - \frac{P_n(r)}{P_n(-r)}\Big| \approx
       \frac{(n!)^2}{(2n)!\,(2n+1)!} |r|^{2n+1},
   $$

   $n = 6$ in float64 ($2 \cdot 10^{-19}$ at $|r| = \ln 2/2$) and $n = 3$ in float32
   ($6 \cdot 10^{-9}$). Writing $P_n(r) = E(r^2) + r\,O(r^2)$ gives $P_n(-r)$ for free.
3. **$2^k$ from its bits**: the exponent field is $k + $ bias, shifted into place.
4. **One division.** With $p = P_n(r)$, $q = P_n(-r)$ and $u = -z$:

   $$
       \sigma(z) = \frac{1}{1 + 2^{k} p / q} = \frac{q}{q + 2^{k} p}.
   $$

**Saturation.** $u$ is clamped to $[-U, U]$ ($U = 708$ in float64, $87$ in float32) so
that $2^k$ is a normal number and $2^k p$ cannot overflow. For $z \ge U$ the result is
exactly 1 (as is the correctly rounded value); for $z \le -U$ it is $e^{-U}$ (about
$3.3 \cdot 10^{-308}$, $1.6 \cdot 10^{-38}$) where the true value is smaller still: an
absolute error below twice the smallest normal number, never NaN or inf.

**Accuracy** (tested in ``tests/test_fast_sigmoid.py`` against a 40-digit reference, and by
``ltc-ref verify``): relative error at most `SIGMOID_RTOL` for $|z| \le U$ and absolute
error at most `SIGMOID_ATOL` beyond. The kernels are compiled with ``fastmath={'contract'}``
(multiply–adds fused into FMA instructions, nothing else: no reassociation, which would undo
the rounding trick of step 1); contraction only removes roundings and the bounds hold with
and without it (the suite also runs with ``NUMBA_DISABLE_JIT=1``, where nothing is fused).

Under ``NUMBA_DISABLE_JIT=1`` every function here is plain Python on NumPy scalars.
"""

from __future__ import annotations

import math
from decimal import Decimal, localcontext

import numba
import numpy as np
from llvmlite import ir
from numba.core import types
from numba.extending import intrinsic, overload

#: Options shared by every kernel: no Python-style ``ZeroDivisionError`` check (it puts a branch
#: in every loop that divides and blocks vectorisation; the kernels never divide by zero, and
#: IEEE semantics are what the NumPy specification has anyway), FMA contraction (see above),
#: and ``nogil``, so that chunks of a batch can run in parallel Python threads.
KERNEL_OPTIONS = {"error_model": "numpy", "fastmath": {"contract"}, "nogil": True}


def kernel(function=None, **options):
    """``numba.njit`` with `KERNEL_OPTIONS` (updated by ``options``) and an on-disk cache, so
    that a second process loads the machine code instead of compiling again.

    Numba caches next to the source (``__pycache__``), or in the user's cache directory when the
    installation is read-only; when neither is writable it refuses ``cache=True`` outright
    (``RuntimeError`` at decoration), and the kernels are then compiled in memory, once per
    process, instead.
    """

    def decorate(f):
        opts = {**KERNEL_OPTIONS, **options}
        try:
            return numba.njit(cache=True, **opts)(f)
        except RuntimeError as err:  # "cannot cache function …: no locator available"
            if "locator" not in str(err):
                raise
            return numba.njit(cache=False, **opts)(f)

    return decorate if function is None else decorate(function)


# --------------------------------------------------------------------------------------------
# Constants, derived here rather than copied
# --------------------------------------------------------------------------------------------


def _ln2_split(significant_bits: int) -> tuple[float, float]:
    """ln 2 = hi + lo with ``hi`` rounded to ``significant_bits`` bits (so k·hi is exact for the
    k that occur) and ``lo`` the float64 nearest to the remainder (from 40 decimal digits)."""
    with localcontext() as ctx:
        ctx.prec = 40
        ln2 = Decimal(2).ln()
        mantissa, exponent = math.frexp(float(ln2))
        hi = math.ldexp(math.floor(mantissa * 2**significant_bits), exponent - significant_bits)
        lo = float(ln2 - Decimal(hi))
    return hi, lo


def _pade_coefficients(n: int) -> list[float]:
    r"""Coefficients of $P_n(r) = \sum_k \frac{(2n-k)!\,n!}{(2n)!\,k!\,(n-k)!} r^k$."""
    f = math.factorial
    return [f(2 * n - k) * f(n) / (f(2 * n) * f(k) * f(n - k)) for k in range(n + 1)]


_LOG2E = 1.0 / math.log(2.0)

# float64: k ∈ [-1022, 1022] needs 11 bits, so hi keeps 53 - 11 = 42 bits.
_LN2_HI_64, _LN2_LO_64 = _ln2_split(42)
_ROUND_64 = 1.5 * 2.0**52  # adding it rounds to an integer; its bits + k are the bits of the sum
_ROUND_BITS_64 = int(np.array(_ROUND_64, dtype=np.float64).view(np.int64))
_P0_64, _P1_64, _P2_64, _P3_64, _P4_64, _P5_64, _P6_64 = _pade_coefficients(6)
#: Clamp of the float64 exponent: e^708 < 2^1022, so 2^k stays normal and finite.
U_MAX_64 = 708.0

# float32: k ∈ [-126, 126] needs 7 bits; hi keeps 16 of 24.
_f32 = np.float32
_hi32, _lo32 = _ln2_split(16)
_LN2_HI_32, _LN2_LO_32 = _f32(_hi32), _f32(_lo32)
_LOG2E_32 = _f32(_LOG2E)
_ROUND_32 = _f32(1.5 * 2.0**23)
_ROUND_BITS_32 = int(np.array(_ROUND_32, dtype=np.float32).view(np.int32))
_P0_32, _P1_32, _P2_32, _P3_32 = (_f32(c) for c in _pade_coefficients(3))
#: Clamp of the float32 exponent: e^87 < 2^126.
U_MAX_32 = _f32(87.0)
_U_MIN_32 = _f32(-87.0)

#: Stated accuracy, relative, for |z| <= U (float64: 2^-53 ≈ 1.1e-16 is the unit round-off;
#: measured worst case 4.4 · 2^-53 over 10^6 points; float32: measured 3.2 · 2^-24).
SIGMOID_RTOL = {np.dtype(np.float64): 8 * 2.0**-53, np.dtype(np.float32): 8 * 2.0**-24}
#: Stated accuracy, absolute, for z <= -U, where the result is e^-U (3.3e-308, 1.6e-38) instead of
#: a smaller number: below twice the smallest normal number of the dtype.
SIGMOID_ATOL = {np.dtype(d): 2 * float(np.finfo(d).tiny) for d in (np.float64, np.float32)}


# --------------------------------------------------------------------------------------------
# Reinterpreting bits (LLVM ``bitcast``; NumPy views when the JIT is disabled)
# --------------------------------------------------------------------------------------------


def _bits_of_f64(x):
    """The IEEE bits of a float64 as an int64."""
    return np.array(x, dtype=np.float64).view(np.int64)[()]


def _f64_of_bits(i):
    """The float64 whose IEEE bits are the int64 ``i``."""
    return np.array(i, dtype=np.int64).view(np.float64)[()]


def _bits_of_f32(x):
    """The IEEE bits of a float32 as an int32."""
    return np.array(x, dtype=np.float32).view(np.int32)[()]


def _f32_of_bits(i):
    """The float32 whose IEEE bits are the int32 ``i``."""
    return np.array(i, dtype=np.int32).view(np.float32)[()]


def _bitcast_intrinsic(src, dst, llvm_dst):
    @intrinsic
    def cast(typingctx, x):
        if x != src:
            return None

        def codegen(context, builder, signature, args):
            return builder.bitcast(args[0], llvm_dst)

        return dst(src), codegen

    return cast


_bitcasts = [
    (_bits_of_f64, _bitcast_intrinsic(types.float64, types.int64, ir.IntType(64))),
    (_f64_of_bits, _bitcast_intrinsic(types.int64, types.float64, ir.DoubleType())),
    (_bits_of_f32, _bitcast_intrinsic(types.float32, types.int32, ir.IntType(32))),
    (_f32_of_bits, _bitcast_intrinsic(types.int32, types.float32, ir.FloatType())),
]
for _python_version, _cast in _bitcasts:

    def _register(python_version=_python_version, cast=_cast):
        @overload(python_version)
        def _jit_version(x):
            return lambda x: cast(x)

    _register()


# --------------------------------------------------------------------------------------------
# The sigmoid
# --------------------------------------------------------------------------------------------


@kernel
def reduce64(z):
    r"""Stage 1 for a float64 ``z``: $e^{-z} = 2^k e^r$; returns ``(r, 2^k)``."""
    u = min(max(-z, -U_MAX_64), U_MAX_64)  # σ(z) = 1 / (1 + e^u)
    shifted = u * _LOG2E + _ROUND_64
    k = shifted - _ROUND_64  # round(u / ln 2), exactly
    r = (u - k * _LN2_HI_64) - k * _LN2_LO_64  # |r| <= ln2/2 (Cody–Waite)
    scale = _f64_of_bits((_bits_of_f64(shifted) - _ROUND_BITS_64 + 1023) << 52)  # 2^k
    return r, scale


@kernel
def finish64(r, scale):
    r"""Stage 2 in float64: $\sigma = q / (q + 2^k p)$ with $p/q = P_6(r)/P_6(-r) \approx e^r$."""
    r2 = r * r
    even = _P0_64 + r2 * (_P2_64 + r2 * (_P4_64 + r2 * _P6_64))
    odd = r * (_P1_64 + r2 * (_P3_64 + r2 * _P5_64))
    p = even + odd  # P6(r)
    q = even - odd  # P6(-r)
    return q / (q + scale * p)


@kernel
def reduce32(z):
    """Stage 1 for a float32 ``z``, in float32 arithmetic."""
    u = min(max(-z, _U_MIN_32), U_MAX_32)
    shifted = u * _LOG2E_32 + _ROUND_32
    k = shifted - _ROUND_32
    r = (u - k * _LN2_HI_32) - k * _LN2_LO_32
    scale = _f32_of_bits(np.int32((_bits_of_f32(shifted) - _ROUND_BITS_32 + 127) << 23))
    return r, scale


@kernel
def finish32(r, scale):
    """Stage 2 in float32, with $P_3$."""
    r2 = r * r
    even = _P0_32 + r2 * _P2_32
    odd = r * (_P1_32 + r2 * _P3_32)
    p = even + odd
    q = even - odd
    return q / (q + scale * p)


def sigmoid_reduce(z):
    """Stage 1 of the fast sigmoid (`reduce32` or `reduce64` after the type of ``z``; inside a
    kernel the choice is made at compile time): ``(r, 2^k)`` with $e^{-z} = 2^k e^r$."""
    if isinstance(z, np.float32):
        return reduce32(z)
    return reduce64(np.float64(z))


def sigmoid_finish(r, scale):
    r"""Stage 2 of the fast sigmoid: $\sigma(z)$ from `sigmoid_reduce`'s ``(r, 2^k)``."""
    if isinstance(r, np.float32):
        return finish32(r, scale)
    return finish64(np.float64(r), np.float64(scale))


def sigmoid(z):
    r"""The fast $\sigma(z)$ of a scalar, float32 or float64 after its type.

    The two stages are separate functions because a loop of sigmoids runs faster as two loops,
    one per stage, through a scratch row (a vector register can then hold each stage's
    constants: measured +25% in the kernels); `sigmoid` is both stages at once.
    """
    r, scale = sigmoid_reduce(z)
    return sigmoid_finish(r, scale)


@overload(sigmoid_reduce)
def _sigmoid_reduce_jit(z):
    if z == types.float32:
        return lambda z: reduce32(z)
    if z == types.float64:
        return lambda z: reduce64(z)
    return None


@overload(sigmoid_finish)
def _sigmoid_finish_jit(r, scale):
    if r == types.float32:
        return lambda r, scale: finish32(r, scale)
    if r == types.float64:
        return lambda r, scale: finish64(r, scale)
    return None


@overload(sigmoid)
def _sigmoid_jit(z):
    if z in (types.float32, types.float64):
        return lambda z: sigmoid_finish(*sigmoid_reduce(z))
    return None


@kernel
def sigmoid_array(z, out):
    """Element-wise fast sigmoid of a contiguous 1-D array into ``out`` (same dtype), in two
    loops, one per stage (as the kernels)."""
    r, scale = np.empty_like(z), np.empty_like(z)
    for i in range(z.shape[0]):
        r[i], scale[i] = sigmoid_reduce(z[i])
    for i in range(z.shape[0]):
        out[i] = sigmoid_finish(r[i], scale[i])
    return out


def fast_sigmoid(z) -> np.ndarray:
    """The fast sigmoid of an array of any shape (float32 or float64), for tests and checks.

    Arguments:
        z: array-like, float32 or float64 (anything else is converted to float64).

    Returns:
        ndarray of ``z``'s shape and dtype.
    """
    z = np.asarray(z)
    if z.dtype not in (np.float32, np.float64):
        z = z.astype(np.float64)
    flat = np.ascontiguousarray(z).ravel()
    return sigmoid_array(flat, np.empty_like(flat)).reshape(z.shape)


@kernel(fastmath=False)
def libm_sigmoid_array(z, out):
    """The same loop with libm's scalar ``exp`` (the formula of the NumPy specification), the
    baseline of the throughput benchmark."""
    one = z.dtype.type(1)
    for i in range(z.shape[0]):
        e = math.exp(-abs(z[i]))
        out[i] = one / (one + e) if z[i] >= 0 else e / (one + e)
    return out
