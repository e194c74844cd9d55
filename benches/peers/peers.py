"""NumPy, PyTorch and JAX on the kernels of `benches/kernels.rs`, on the same inputs, one core,
one thread: nanoseconds per element, median of repeated runs.

    pip install -r benches/peers/requirements.txt
    taskset -c 1 python3 benches/peers/peers.py [--size 1048576] [--json out.json]

Each peer runs what a user of it would call: PyTorch's forward op and its backward op (the
`*_backward` aten op the autograd engine calls, so that no graph bookkeeping is timed), JAX's
`jit(vmap(value_and_grad(f)))` (fused by XLA), NumPy's ufunc expressions. Inputs: `x_i` evenly
spaced over [-10, 10), `dy_i = sin(x_i)`; rows of 1000 for the softmax family.
"""

import argparse
import json
import math
import os
import statistics
import sys
import time

os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ.setdefault("JAX_PLATFORMS", "cpu")

import numpy as np  # noqa: E402


def inputs(size, dtype):
    x = ((np.arange(size, dtype=np.float64) / size) - 0.5) * 20.0
    return x.astype(dtype), np.sin(x).astype(dtype)


def measure(function, size, repeats=30, budget=2.0):
    """Median time per element in ns of `function()`, which must block until done."""
    function()
    function()
    times = []
    start = time.perf_counter()
    while len(times) < repeats or (time.perf_counter() - start < budget and len(times) < 1000):
        begin = time.perf_counter_ns()
        function()
        times.append(time.perf_counter_ns() - begin)
        if time.perf_counter() - start > 4 * budget:
            break
    return statistics.median(times) / size


def torch_rows(size, dtype_name):
    import torch

    torch.set_num_threads(1)
    torch.set_grad_enabled(False)
    dtype = {"f32": torch.float32, "f64": torch.float64}[dtype_name]
    x_np, dy_np = inputs(size, np.float32 if dtype_name == "f32" else np.float64)
    x = torch.from_numpy(x_np).to(dtype)
    dy = torch.from_numpy(dy_np).to(dtype)
    aten = torch.ops.aten
    rows = {}

    def pair(forward, backward):
        def run():
            y = forward(x)
            backward(y)
        return run

    rows["sigmoid"] = pair(torch.sigmoid, lambda y: aten.sigmoid_backward(dy, y))
    rows["tanh"] = pair(torch.tanh, lambda y: aten.tanh_backward(dy, y))
    gelu = torch.nn.functional.gelu
    rows["gelu"] = lambda: (gelu(x), aten.gelu_backward(dy, x))
    rows["gelu_tanh"] = lambda: (gelu(x, approximate="tanh"), aten.gelu_backward(dy, x, approximate="tanh"))
    softplus = torch.nn.functional.softplus
    rows["softplus"] = lambda: (softplus(x), aten.softplus_backward(dy, x, 1.0, 20.0))
    elu = torch.nn.functional.elu
    rows["elu"] = lambda: (elu(x), aten.elu_backward(dy, 1.0, 1.0, 1.0, False, x))
    silu = torch.nn.functional.silu
    rows["silu"] = lambda: (silu(x), aten.silu_backward(dy, x))
    mish = torch.nn.functional.mish
    rows["mish"] = lambda: (mish(x), aten.mish_backward(dy, x))
    z = x.reshape(-1, 1000) if size % 1000 == 0 else x[: size - size % 1000].reshape(-1, 1000)
    dz = dy[: z.numel()].reshape(-1, 1000)
    rows["softmax"] = lambda: torch.softmax(z, dim=-1)
    s = torch.softmax(z, dim=-1)
    rows["softmax_vjp_output"] = lambda: aten._softmax_backward_data(dz, s, -1, dtype)
    rows["softmax_vjp_logits"] = lambda: aten._softmax_backward_data(dz, torch.softmax(z, dim=-1), -1, dtype)
    return {name: measure(run, size) for name, run in rows.items()}


def jax_rows(size, dtype_name):
    import jax

    if dtype_name == "f64":
        jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    x_np, dy_np = inputs(size, np.float32 if dtype_name == "f32" else np.float64)
    x = jnp.asarray(x_np)
    rows = {}

    def value_and_grad(f):
        fused = jax.jit(jax.vmap(jax.value_and_grad(f)))
        return lambda: jax.block_until_ready(fused(x))

    rows["sigmoid"] = value_and_grad(jax.nn.sigmoid)
    rows["tanh"] = value_and_grad(jnp.tanh)
    rows["gelu"] = value_and_grad(lambda v: jax.nn.gelu(v, approximate=False))
    rows["gelu_tanh"] = value_and_grad(lambda v: jax.nn.gelu(v, approximate=True))
    rows["softplus"] = value_and_grad(jax.nn.softplus)
    rows["elu"] = value_and_grad(jax.nn.elu)
    rows["silu"] = value_and_grad(jax.nn.silu)
    rows["mish"] = value_and_grad(lambda v: v * jnp.tanh(jax.nn.softplus(v)))
    count = size - size % 1000
    z = x[:count].reshape(-1, 1000)
    dz = jnp.asarray(dy_np[:count].reshape(-1, 1000))
    softmax = jax.jit(lambda v: jax.nn.softmax(v, axis=-1))
    rows["softmax"] = lambda: jax.block_until_ready(softmax(z))

    def vjp_logits(v, cotangent):
        _, pullback = jax.vjp(lambda u: jax.nn.softmax(u, axis=-1), v)
        return pullback(cotangent)[0]

    fused_vjp = jax.jit(vjp_logits)
    rows["softmax_vjp_logits"] = lambda: jax.block_until_ready(fused_vjp(z, dz))
    return {name: measure(run, size) for name, run in rows.items()}


def numpy_rows(size, dtype_name):
    dtype = np.float32 if dtype_name == "f32" else np.float64
    x, dy = inputs(size, dtype)
    one = dtype(1)
    rows = {}

    def sigmoid():
        s = one / (one + np.exp(-x))
        return s, s * (one - s)

    rows["sigmoid"] = sigmoid

    def tanh():
        t = np.tanh(x)
        return t, one - t * t

    rows["tanh"] = tanh

    def softplus():
        return np.logaddexp(dtype(0), x), one / (one + np.exp(-x))

    rows["softplus"] = softplus
    count = size - size % 1000
    z = x[:count].reshape(-1, 1000)

    def softmax():
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    rows["softmax"] = softmax
    return {name: measure(run, size) for name, run in rows.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1 << 20)
    parser.add_argument("--types", default="f32,f64")
    parser.add_argument("--peers", default="numpy,torch,jax")
    parser.add_argument("--json", help="write the figures here as JSON")
    arguments = parser.parse_args()
    results = {}
    for dtype_name in arguments.types.split(","):
        for peer in arguments.peers.split(","):
            rows = {"numpy": numpy_rows, "torch": torch_rows, "jax": jax_rows}[peer](arguments.size, dtype_name)
            for name, value in rows.items():
                results.setdefault(dtype_name, {}).setdefault(name, {})[peer] = value
                print(f"{dtype_name} {peer:6} {name:20} {value:7.3f} ns/element", flush=True)
    if arguments.json:
        with open(arguments.json, "w") as out:
            json.dump({"size": arguments.size, "results": results}, out, indent=1, sort_keys=True)


if __name__ == "__main__":
    sys.exit(main())
