r"""Subnormal numbers flushed to zero inside the kernels (x86-64), and the thread's state restored.

**Why.** Backpropagation through time multiplies the state cotangent by the step's Jacobian at
every sub-step; the fused step is contractive, so a cotangent that enters at the last step only
(a loss on the last output, as in sequential MNIST) shrinks geometrically toward the start of
the sequence: by a factor of about $c_j / d_j$ per sub-step, $10^{-60}$ and less over
$L T = 168$ sub-steps of the paper's model. In float32 it passes through the *subnormal* range
($|v| < 2^{-126} \approx 1.2 \cdot 10^{-38}$) on its way to zero, and on Intel processors every
vector instruction with a subnormal operand or result takes a microcode assist of about a
hundred cycles. Measured on an Intel Xeon (family 6, model 207, AVX-512), float32, N = 32,
B = 128, T = 28: BPTT with the cotangent at the last step only took 170 ms, with the same
cotangent scaled by $10^{30}$ (no subnormals) or at every step 57 ms (``docs/benchmarks.md``).

**What.** The kernels set the two MXCSR bits that make the SSE/AVX unit treat subnormal
operands as zero (DAZ, bit 6) and round subnormal results to zero (FTZ, bit 15) on entry, and
put the register back as they found it before they return. MXCSR is per thread, and every
kernel runs in one thread (`ltc_ref.kernels._driver` spreads chunks of the batch over threads,
each its own kernel call), so nothing outside the kernels (NumPy, the caller's code, other
threads) sees the change.

**What it changes.** Only numbers below the smallest normal number: $2^{-126}$ in float32,
$2^{-1022} \approx 2.2 \cdot 10^{-308}$ in float64. A flushed cotangent is one whose
contribution to any output or parameter cotangent is below that absolute size, against outputs
of order one; the kernels' agreement with the NumPy specification (`AGREEMENT_RTOL`, relative
to each array's largest value) is unaffected, and tested in the regime where the cotangents do
underflow (``tests/test_kernels.py``). The fast sigmoid never produces a subnormal (it
saturates at $e^{-U}$, a normal number: `ltc_ref.kernels._sigmoid`).

On other processors (and under ``NUMBA_DISABLE_JIT=1``, where the kernels are Python on NumPy
scalars) the functions here do nothing: the kernels then compute with subnormals, the same
numbers to the same tolerance, only more slowly where the hardware is slow with them.
"""

from __future__ import annotations

import llvmlite.binding as llvm
import numpy as np
from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic, overload

#: MXCSR's flush-to-zero (bit 15) and denormals-are-zero (bit 6) bits.
FLUSH_BITS = (1 << 15) | (1 << 6)

#: True where the kernels flush subnormals (an x86-64 process).
FLUSHES = llvm.get_process_triple().startswith(("x86_64", "amd64"))

#: The absolute part of the kernels' agreement with the specification, for arrays whose values
#: are all of the order of the smallest normal number (in practice: the cotangent of the
#: initial state after a long sequence with a loss at its end): the specification keeps
#: subnormal intermediates that the kernels flush, so there an array is matched by zeros or by
#: values that differ from the specification's by a few smallest normal numbers. The kernels
#: agree to ``AGREEMENT_RTOL * max|spec| + FLUSHED_ATOL``. Measured: at most 21 times the
#: smallest normal number (float32, 60 random networks of both forms, T = 30-80, a cotangent
#: at the last step only); 2^10 times leaves a margin of 50 and is still 10^-35 in float32.
FLUSHED_ATOL = {
    np.dtype(np.float32): float(np.finfo(np.float32).tiny) * 2**10,
    np.dtype(np.float64): float(np.finfo(np.float64).tiny) * 2**10,
}


def flush_subnormals():
    """Make this thread's vector unit flush subnormal operands and results to zero; returns the
    previous state, for `restore_fp_state`. (This Python version, used under
    ``NUMBA_DISABLE_JIT=1``, does nothing and returns 0.)"""
    return 0


def restore_fp_state(state):
    """Put this thread's floating-point control state back as `flush_subnormals` found it."""


def fp_state():
    """This thread's MXCSR register (x86-64, compiled code), or ``None`` (Python)."""
    return None


def _mxcsr_call(builder, name, slot):
    """``call void @llvm.x86.sse.{st,ld}mxcsr(ptr slot)``: store MXCSR into / load it from the
    32-bit ``slot``."""
    i8_ptr = ir.IntType(8).as_pointer()
    fn = cgutils.get_or_insert_function(
        builder.module, ir.FunctionType(ir.VoidType(), [i8_ptr]), f"llvm.x86.sse.{name}"
    )
    builder.call(fn, [builder.bitcast(slot, i8_ptr)])


@intrinsic
def _read_mxcsr(typingctx):
    def codegen(context, builder, signature, args):
        slot = cgutils.alloca_once(builder, ir.IntType(32))
        _mxcsr_call(builder, "stmxcsr", slot)
        return builder.load(slot)

    return types.uint32(), codegen


@intrinsic
def _write_mxcsr(typingctx, value):
    if not isinstance(value, types.Integer):
        return None

    def codegen(context, builder, signature, args):
        slot = cgutils.alloca_once(builder, ir.IntType(32))
        builder.store(context.cast(builder, args[0], signature.args[0], types.uint32), slot)
        _mxcsr_call(builder, "ldmxcsr", slot)
        return context.get_dummy_value()

    return types.void(value), codegen


@overload(flush_subnormals)
def _flush_subnormals_jit():
    if not FLUSHES:
        return lambda: np.uint32(0)

    def impl():
        state = _read_mxcsr()
        _write_mxcsr(state | np.uint32(FLUSH_BITS))
        return state

    return impl


@overload(restore_fp_state)
def _restore_fp_state_jit(state):
    if not FLUSHES:
        return lambda state: None
    return lambda state: _write_mxcsr(state)


@overload(fp_state)
def _fp_state_jit():
    if not FLUSHES:
        return lambda: None
    return lambda: _read_mxcsr()
