"""NumPy, PyTorch and JAX on the kernels of `benches/kernels.rs`, on the same inputs, one core,
one thread: nanoseconds per element, the fastest of repeated runs.

    python3 -m venv peers && peers/bin/pip install -r benches/peers/requirements.txt
    taskset -c 1 peers/bin/python benches/peers/peers.py --json target/peers.json

Each peer runs what a user of it would call. PyTorch: the forward op and its backward op (the
aten `*_backward` op the autograd engine calls, so that no graph bookkeeping is timed), or
autograd where PyTorch composes the function from several ops (softsign, tanhshrink, the gates,
softmin, the losses). JAX: `jit(vmap(value_and_grad(f)))` for scalar activations, `jit` of the
forward or of `vjp` for the rest, all fused by XLA. NumPy: ufunc expressions, for the few
functions a NumPy user writes by hand. Inputs: `x_i` evenly spaced over [-10, 10), `dy_i =
sin(x_i)`; rows of 1000 for the softmax family; probabilities `0.01 + 0.98 σ(x)` and targets
`(1 + dy)/2` for the losses of probabilities.
"""

import argparse
import json
import os
import sys
import time

os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ.setdefault("JAX_PLATFORMS", "cpu")

import numpy as np  # noqa: E402

ROW = 1000
SELU_ALPHA = 1.6732632423543772
SELU_SCALE = 1.0507009873554805


def inputs(size, dtype):
    x = ((np.arange(size, dtype=np.float64) / size) - 0.5) * 20.0
    dy = np.sin(x)
    probability = 0.01 + 0.98 / (1.0 + np.exp(-x))
    target = 0.5 + 0.5 * dy
    return [array.astype(dtype) for array in (x, dy, probability, target)]


def measure(function, size, repeats=20, budget=1.0):
    """Time per element in ns of `function()`, which must block until done: the fastest of
    repeated runs (interference on a shared machine only ever adds time), as benches/report.py
    takes the fastest of criterion's samples."""
    function()
    function()
    times = []
    start = time.perf_counter()
    while len(times) < repeats or (time.perf_counter() - start < budget and len(times) < 2000):
        begin = time.perf_counter_ns()
        function()
        times.append(time.perf_counter_ns() - begin)
        if time.perf_counter() - start > 4 * budget:
            break
    return min(times) / size


def torch_rows(size, dtype_name):
    import torch
    import torch.nn.functional as functional

    torch.set_num_threads(1)
    dtype = {"f32": torch.float32, "f64": torch.float64}[dtype_name]
    x, dy, probability, target = (torch.from_numpy(array) for array in inputs(size, np.float64))
    x, dy, probability, target = (array.to(dtype) for array in (x, dy, probability, target))
    aten = torch.ops.aten
    rows = {}

    def pair(forward, backward):
        def run():
            with torch.no_grad():
                y = forward(x)
                backward(y)
        return run

    def autograd(function, *tensors):
        leaves = [tensor.clone().requires_grad_(True) for tensor in tensors]

        def run():
            output = function(*leaves)
            cotangent = dy[: output.numel()].reshape(output.shape) if output.dim() > 0 else None
            torch.autograd.grad(output, leaves[0], cotangent)
        return run

    rows["sigmoid"] = pair(torch.sigmoid, lambda y: aten.sigmoid_backward(dy, y))
    rows["tanh"] = pair(torch.tanh, lambda y: aten.tanh_backward(dy, y))
    rows["softsign"] = autograd(functional.softsign, x)
    rows["relu"] = pair(torch.relu, lambda y: aten.threshold_backward(dy, y, 0))
    rows["leaky_relu"] = pair(lambda v: functional.leaky_relu(v, 0.01), lambda y: aten.leaky_relu_backward(dy, x, 0.01, False))
    weight = torch.tensor([0.25], dtype=dtype)
    rows["prelu"] = pair(lambda v: functional.prelu(v, weight), lambda y: aten._prelu_kernel_backward(dy, x, weight))
    rows["elu"] = pair(functional.elu, lambda y: aten.elu_backward(dy, 1.0, 1.0, 1.0, False, x))
    rows["gelu"] = pair(functional.gelu, lambda y: aten.gelu_backward(dy, x))
    rows["gelu_tanh"] = pair(lambda v: functional.gelu(v, approximate="tanh"), lambda y: aten.gelu_backward(dy, x, approximate="tanh"))
    rows["silu"] = pair(functional.silu, lambda y: aten.silu_backward(dy, x))
    rows["swish"] = rows["silu"]
    rows["mish"] = pair(functional.mish, lambda y: aten.mish_backward(dy, x))
    rows["softplus"] = pair(functional.softplus, lambda y: aten.softplus_backward(dy, x, 1.0, 20.0))
    rows["selu"] = pair(functional.selu, lambda y: aten.elu_backward(dy, SELU_ALPHA, SELU_SCALE, 1.0, False, x))
    rows["celu"] = pair(functional.celu, lambda y: aten.elu_backward(dy, 1.0, 1.0, 1.0, False, x))
    rows["relu6"] = pair(functional.relu6, lambda y: aten.hardtanh_backward(dy, x, 0.0, 6.0))
    rows["hardtanh"] = pair(functional.hardtanh, lambda y: aten.hardtanh_backward(dy, x, -1.0, 1.0))
    rows["hardsigmoid"] = pair(functional.hardsigmoid, lambda y: aten.hardsigmoid_backward(dy, x))
    rows["hardswish"] = pair(functional.hardswish, lambda y: aten.hardswish_backward(dy, x))

    def log_sigmoid():
        with torch.no_grad():
            output, buffer = aten.log_sigmoid_forward(x)
            aten.log_sigmoid_backward(dy, x, buffer)
    rows["log_sigmoid"] = log_sigmoid
    rows["tanhshrink"] = autograd(functional.tanhshrink, x)
    rows["softshrink"] = pair(functional.softshrink, lambda y: aten.softshrink_backward(dy, x, 0.5))
    rows["hardshrink"] = pair(functional.hardshrink, lambda y: aten.hardshrink_backward(dy, x, 0.5))

    b = dy * 3.0
    rows["swiglu"] = autograd(lambda a, b: functional.silu(a) * b, x, b)
    rows["glu"] = autograd(lambda a, b: a * torch.sigmoid(b), x, b)
    rows["geglu"] = autograd(lambda a, b: functional.gelu(a) * b, x, b)
    rows["reglu"] = autograd(lambda a, b: torch.relu(a) * b, x, b)

    count = size - size % ROW
    z = x[:count].reshape(-1, ROW)
    dz = dy[:count].reshape(-1, ROW)
    s = torch.softmax(z, dim=-1)

    def no_grad(function):
        def run():
            with torch.no_grad():
                function()
        return run

    rows["softmax"] = no_grad(lambda: torch.softmax(z, dim=-1))
    rows["softmax vjp logits"] = no_grad(lambda: aten._softmax_backward_data(dz, torch.softmax(z, dim=-1), -1, dtype))
    rows["softmax vjp output"] = no_grad(lambda: aten._softmax_backward_data(dz, s, -1, dtype))
    rows["log_softmax"] = no_grad(lambda: torch.log_softmax(z, dim=-1))
    rows["log_softmax vjp logits"] = no_grad(lambda: aten._log_softmax_backward_data(dz, torch.log_softmax(z, dim=-1), -1, dtype))
    rows["softmin"] = no_grad(lambda: functional.softmin(z, dim=-1))
    rows["softmin vjp logits"] = autograd(lambda v: functional.softmin(v, dim=-1), z)

    rows["mse"] = autograd(lambda p, t: functional.mse_loss(p, t), x, dy)
    rows["l1"] = autograd(lambda p, t: functional.l1_loss(p, t), x, dy)
    rows["huber"] = autograd(lambda p, t: functional.huber_loss(p, t), x, dy)
    rows["bce"] = autograd(lambda p, t: functional.binary_cross_entropy(p, t), probability, target)
    rows["bce_logits"] = autograd(lambda p, t: functional.binary_cross_entropy_with_logits(p, t), x, target)
    rows["cross_entropy"] = autograd(lambda p, t: -(t * torch.log(p)).sum(), probability, target)
    return {name: measure(run, size) for name, run in rows.items()}


def jax_rows(size, dtype_name):
    import jax

    jax.config.update("jax_enable_x64", dtype_name == "f64")
    import jax.numpy as jnp

    x, dy, probability, target = (jnp.asarray(array) for array in inputs(size, np.float32 if dtype_name == "f32" else np.float64))
    rows = {}

    def value_and_grad(function):
        fused = jax.jit(jax.vmap(jax.value_and_grad(function)))
        return lambda: jax.block_until_ready(fused(x))

    def shrink(v, soft):
        inside = jnp.abs(v) <= 0.5
        return jnp.where(inside, 0.0, v - 0.5 * jnp.sign(v) if soft else v)

    activations = {
        "sigmoid": jax.nn.sigmoid,
        "tanh": jnp.tanh,
        "softsign": jax.nn.soft_sign,
        "relu": jax.nn.relu,
        "leaky_relu": lambda v: jax.nn.leaky_relu(v, 0.01),
        "prelu": lambda v: jnp.where(v >= 0, v, 0.25 * v),
        "elu": jax.nn.elu,
        "gelu": lambda v: jax.nn.gelu(v, approximate=False),
        "gelu_tanh": lambda v: jax.nn.gelu(v, approximate=True),
        "silu": jax.nn.silu,
        "swish": jax.nn.silu,
        "mish": lambda v: v * jnp.tanh(jax.nn.softplus(v)),
        "softplus": jax.nn.softplus,
        "selu": jax.nn.selu,
        "celu": jax.nn.celu,
        "relu6": jax.nn.relu6,
        "hardtanh": jax.nn.hard_tanh,
        "hardsigmoid": jax.nn.hard_sigmoid,
        "hardswish": jax.nn.hard_swish,
        "log_sigmoid": jax.nn.log_sigmoid,
        "tanhshrink": lambda v: v - jnp.tanh(v),
        "softshrink": lambda v: shrink(v, True),
        "hardshrink": lambda v: shrink(v, False),
    }
    for name, function in activations.items():
        rows[name] = value_and_grad(function)

    b = dy * 3.0

    def gate(function):
        def forward_and_backward(a, b, cotangent):
            value, pullback = jax.vjp(function, a, b)
            return value, pullback(cotangent)
        fused = jax.jit(forward_and_backward)
        return lambda: jax.block_until_ready(fused(x, b, dy))

    rows["swiglu"] = gate(lambda a, b: jax.nn.silu(a) * b)
    rows["glu"] = gate(lambda a, b: a * jax.nn.sigmoid(b))
    rows["geglu"] = gate(lambda a, b: jax.nn.gelu(a, approximate=False) * b)
    rows["reglu"] = gate(lambda a, b: jax.nn.relu(a) * b)

    count = size - size % ROW
    z = x[:count].reshape(-1, ROW)
    dz = dy[:count].reshape(-1, ROW)
    for name, function in {
        "softmax": lambda v: jax.nn.softmax(v, axis=-1),
        "log_softmax": lambda v: jax.nn.log_softmax(v, axis=-1),
        "softmin": lambda v: jax.nn.softmax(-v, axis=-1),
    }.items():
        forward = jax.jit(function)
        rows[name] = (lambda forward: lambda: jax.block_until_ready(forward(z)))(forward)

        def vjp(v, cotangent, function=function):
            _, pullback = jax.vjp(function, v)
            return pullback(cotangent)[0]

        fused = jax.jit(vjp)
        rows[f"{name} vjp logits"] = (lambda fused: lambda: jax.block_until_ready(fused(z, dz)))(fused)

    def loss(function, prediction, truth):
        fused = jax.jit(jax.value_and_grad(function))
        return lambda: jax.block_until_ready(fused(prediction, truth))

    rows["mse"] = loss(lambda p, t: jnp.mean((p - t) ** 2), x, dy)
    rows["l1"] = loss(lambda p, t: jnp.mean(jnp.abs(p - t)), x, dy)
    rows["huber"] = loss(lambda p, t: jnp.mean(jnp.where(jnp.abs(p - t) <= 1, 0.5 * (p - t) ** 2, jnp.abs(p - t) - 0.5)), x, dy)
    rows["bce"] = loss(lambda p, t: -jnp.mean(t * jnp.log(p) + (1 - t) * jnp.log(1 - p)), probability, target)
    rows["bce_logits"] = loss(lambda z, t: jnp.mean(jax.nn.softplus(z) - z * t), x, target)
    rows["cross_entropy"] = loss(lambda p, t: -jnp.sum(t * jnp.log(p)), probability, target)
    return {name: measure(run, size) for name, run in rows.items()}


def numpy_rows(size, dtype_name):
    dtype = np.float32 if dtype_name == "f32" else np.float64
    x, dy, _, _ = inputs(size, dtype)
    one = dtype(1)
    rows = {}

    def sigmoid():
        s = one / (one + np.exp(-x))
        return s, s * (one - s)

    def tanh():
        t = np.tanh(x)
        return t, one - t * t

    def softplus():
        return np.logaddexp(dtype(0), x), one / (one + np.exp(-x))

    rows["sigmoid"] = sigmoid
    rows["tanh"] = tanh
    rows["softplus"] = softplus
    count = size - size % ROW
    z = x[:count].reshape(-1, ROW)

    def softmax():
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    rows["softmax"] = softmax
    return {name: measure(run, size) for name, run in rows.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="4096,1048576")
    parser.add_argument("--types", default="f32,f64")
    parser.add_argument("--peers", default="numpy,torch,jax")
    parser.add_argument("--json", help="write the figures here as JSON")
    arguments = parser.parse_args()
    results = {}
    for size in (int(size) for size in arguments.sizes.split(",")):
        label = {4096: "4K", 1 << 20: "1M"}.get(size, str(size))
        for dtype_name in arguments.types.split(","):
            for peer in arguments.peers.split(","):
                rows = {"numpy": numpy_rows, "torch": torch_rows, "jax": jax_rows}[peer](size, dtype_name)
                for name, value in rows.items():
                    results.setdefault(f"{dtype_name} {label}", {}).setdefault(name, {})[peer] = value
                    print(f"{dtype_name} {label:3} {peer:6} {name:24} {value:8.3f} ns/element", flush=True)
    if arguments.json:
        with open(arguments.json, "w") as out:
            json.dump({"results": results}, out, indent=1, sort_keys=True)


if __name__ == "__main__":
    sys.exit(main())
