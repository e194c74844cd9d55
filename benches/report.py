#!/usr/bin/env python3
"""The table of docs/performance.md, from rounds of the benches and of the peers.

    benches/run.sh > docs/performance.md     # the rounds, then this report

or by hand, for one round:

    cargo bench --bench kernels && cargo bench --bench scalar
    taskset -c 1 peers/bin/python benches/peers/peers.py --json target/peers.json
    python3 benches/report.py [--criterion DIR...] [--peers FILE...] > docs/performance.md

Reads criterion's samples and the peers' JSON, takes each kernel's fastest over all the
directories and files given (the rounds), and writes nanoseconds per element with the ratios the
speed targets are stated in, each target marked met or missed.
"""

import argparse
import datetime
import json
import os
import platform
import subprocess

SCALAR_ACTIVATIONS = [
    "sigmoid", "tanh", "softsign", "relu", "leaky_relu", "prelu", "elu", "gelu", "gelu_tanh", "silu", "swish",
    "mish", "softplus", "selu", "celu", "relu6", "hardtanh", "hardsigmoid", "hardswish", "log_sigmoid",
    "tanhshrink", "softshrink", "hardshrink",
]
# The activations whose formulas call an exponential, tanh or erf (the 3x-over-std target).
TRANSCENDENTAL = {
    "sigmoid", "tanh", "elu", "gelu", "gelu_tanh", "silu", "swish", "mish", "softplus", "selu", "celu",
    "log_sigmoid", "tanhshrink", "swiglu", "glu", "geglu", "softmax", "log_softmax", "softmin",
}
GATES = ["swiglu", "glu", "geglu", "reglu"]
ROWS = [
    "softmax", "softmax vjp logits", "softmax vjp output", "log_softmax", "log_softmax vjp logits", "softmin",
    "softmin vjp logits",
]
LOSSES = ["mse", "l1", "huber", "bce", "bce_logits", "cross_entropy"]
FUSED_TARGET = ["sigmoid", "tanh", "gelu"]


def criterion_estimates(roots):
    """{(group, function, implementation): ns per element}: the fastest of criterion's samples
    (one call each at 1M elements, the mean of thousands at 4K) over every root, as peers.py
    takes the fastest of its single calls: on a shared machine, interference only ever adds
    time."""
    estimates = {}
    for root in roots:
        for directory, _, files in os.walk(root):
            if "benchmark.json" not in files or os.path.basename(directory) != "new":
                continue
            with open(os.path.join(directory, "benchmark.json")) as file:
                benchmark = json.load(file)
            with open(os.path.join(directory, "sample.json")) as file:
                sample = json.load(file)
            fastest = min(time / iterations for time, iterations in zip(sample["times"], sample["iters"]))
            elements = (benchmark.get("throughput") or {}).get("Elements")
            if not elements:
                continue
            function, _, implementation = benchmark["function_id"].rpartition("/")
            key = (benchmark["group_id"], function, implementation)
            estimates[key] = min(fastest / elements, estimates.get(key, float("inf")))
    return estimates


def peer_estimates(paths):
    """{group: {kernel: {peer: ns per element}}}: the fastest over every file (the rounds)."""
    estimates = {}
    for path in paths:
        with open(path) as file:
            for group, kernels in json.load(file)["results"].items():
                for kernel, peers in kernels.items():
                    for peer, value in peers.items():
                        slot = estimates.setdefault(group, {}).setdefault(kernel, {})
                        slot[peer] = min(value, slot.get(peer, float("inf")))
    return estimates


def cell(value):
    if value is None:
        return "—"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def ratio(value):
    return "—" if value is None else f"{value:.2f}"


def machine():
    try:
        model = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        model = platform.processor() or "unknown CPU"
    flags = open("/proc/cpuinfo").read() if os.path.exists("/proc/cpuinfo") else ""
    level = "AVX-512" if "avx512f" in flags else "AVX2+FMA" if "avx2" in flags and "fma" in flags else "portable"
    try:
        rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
    except OSError:
        rustc = "rustc"
    return f"{model}, {os.cpu_count()} cores, dispatch level {level}; {rustc}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--criterion", nargs="+", default=["target/criterion"], help="criterion's output, one per round")
    parser.add_argument("--peers", nargs="+", default=["target/peers.json"], help="peers.py's JSON, one per round")
    arguments = parser.parse_args()
    ours = criterion_estimates(arguments.criterion)
    peers = peer_estimates(arguments.peers)
    rounds = max(len(arguments.criterion), len(arguments.peers))
    targets = []
    lines = [
        "# Performance",
        "",
        "Generated slice kernels and scalar functions beside the same functions written by hand over `std`",
        "(`benches/hand/`), and beside PyTorch, JAX and NumPy (`benches/peers/peers.py`) on the same inputs,",
        "in nanoseconds per element, one core, one thread: the fastest of repeated calls on both sides (on a",
        "shared machine interference only ever adds time; at 1M elements each side's fastest single call, at",
        "4K criterion's fastest mean of thousands of calls), on arrays that start on a cache line (as the",
        "peers' arrays do), "
        + (
            f"over {rounds} rounds that each run texgrad's benches and then the peers, minutes apart, so that a "
            "spell of interference during one window does not decide a row."
            if rounds > 1
            else "from one round."
        ),
        "Only ratios within one run mean anything: the machine is shared and its figures move by up to 1.5x",
        "between runs.",
        "",
        f"Run of {datetime.date.today().isoformat()} on {machine()}. Reproduce with:",
        "",
        "```sh",
        f"ROUNDS={rounds} benches/run.sh > docs/performance.md   # PEERS_PYTHON=... or it makes a venv in ./peers",
        "```",
        "",
        "which runs, in each round, `cargo bench` of `kernels`, `scalar` and (with `--features candle`)",
        "`candle`, then `benches/peers/peers.py` pinned to one core, and ends with `benches/report.py`.",
        "",
        "texgrad's kernels run at the level the dispatcher picks (`texgrad::dispatch`); PyTorch runs its",
        "forward and backward ops (autograd where it composes the function), JAX `jit(vmap(value_and_grad))`",
        "or `jit(vjp)`. \"best peer\" is the faster of PyTorch and JAX.",
    ]
    for size in ("1M", "4K"):
        for kind in ("f32", "f64"):
            group = f"{kind} {size}"
            peer_rows = peers.get(group, {})
            lines += [
                "",
                f"## Slice kernels, {kind}, {size} elements",
                "",
                "| kernel | texgrad | std loop | PyTorch | JAX | NumPy | best peer / texgrad | std / texgrad |",
                "|---|---|---|---|---|---|---|---|",
            ]
            for section, names in (
                ("forward with derivative", SCALAR_ACTIVATIONS),
                ("forward and backward", GATES),
                ("rows of 1000", ROWS),
                ("value and gradient", LOSSES),
            ):
                for name in names:
                    texgrad = ours.get((group, name, "texgrad"))
                    hand = ours.get((group, name, "std"))
                    torch = peer_rows.get(name, {}).get("torch")
                    jax = peer_rows.get(name, {}).get("jax")
                    numpy = peer_rows.get(name, {}).get("numpy")
                    candidates = [value for value in (torch, jax) if value is not None]
                    if name == "softmax vjp output":
                        candidates = [value for value in (torch,) if value is not None]
                    best = min(candidates) if candidates else None
                    peer_ratio = best / texgrad if best and texgrad else None
                    hand_ratio = hand / texgrad if hand and texgrad else None
                    lines.append(
                        f"| {name} ({section}) | {cell(texgrad)} | {cell(hand)} | {cell(torch)} | {cell(jax)} | "
                        f"{cell(numpy)} | {ratio(peer_ratio)} | {ratio(hand_ratio)} |"
                    )
                    if size == "1M" and peer_ratio is not None and section != "value and gradient" and (
                        name in SCALAR_ACTIVATIONS or name in ("softmax", "softmax vjp logits", "softmax vjp output")
                    ):
                        targets.append((f"{group} {name}: no slower than the best peer", peer_ratio >= 1.0, peer_ratio))
                    if size == "1M" and hand_ratio is not None and name.split(" ")[0] in TRANSCENDENTAL and (
                        name in SCALAR_ACTIVATIONS or name in GATES or name in ("softmax",)
                    ):
                        targets.append((f"{group} {name}: at least 3x the std loop", hand_ratio >= 3.0, hand_ratio))
    for kind in ("f32", "f64"):
        group = f"scalar {kind}"
        lines += [
            "",
            f"## Scalar functions, {kind}, loops over 4096 inputs",
            "",
            "| function | texgrad value | hand-written value | texgrad / hand | texgrad value and derivative "
            "| hand-written | value, then derivative | fused / apart |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for name in SCALAR_ACTIVATIONS:
            value = ours.get((group, f"{name} value", "texgrad"))
            hand_value = ours.get((group, f"{name} value", "std"))
            fused = ours.get((group, f"{name} value and derivative", "texgrad"))
            hand_fused = ours.get((group, f"{name} value and derivative", "std"))
            apart = ours.get((group, f"{name} value, then derivative", "texgrad"))
            value_ratio = value / hand_value if value and hand_value else None
            fused_ratio = fused / apart if fused and apart else None
            lines.append(
                f"| {name} | {cell(value)} | {cell(hand_value)} | {ratio(value_ratio)} | {cell(fused)} | "
                f"{cell(hand_fused)} | {cell(apart)} | {ratio(fused_ratio)} |"
            )
            if value_ratio is not None:
                targets.append((f"{group} {name}: within 5% of hand-written", value_ratio <= 1.05, value_ratio))
            if name in FUSED_TARGET and fused_ratio is not None:
                targets.append((f"{group} {name}: fused at most 0.7x apart", fused_ratio <= 0.7, fused_ratio))
    candle_group = "candle 1024x1024 f32 forward+backward"
    candle_rows = [name for name in ("gelu", "silu", "tanh", "softmax") if (candle_group, name, "texgrad") in ours]
    if candle_rows:
        lines += [
            "",
            "## candle operations, f32, 1024×1024, forward + backward",
            "",
            "`cargo bench --features candle --bench candle`: `sum(f(x))` and its gradient through candle's "
            "autograd, texgrad's `Op`/`RowOp` beside candle's own operation (softmax: written with "
            "candle-core's operations, which have no softmax of their own). ns per element.",
            "",
            "| function | texgrad | candle | ratio |",
            "|---|---|---|---|",
        ]
        for name in candle_rows:
            texgrad = ours.get((candle_group, name, "texgrad"))
            candle = ours.get((candle_group, name, "candle"))
            value = texgrad / candle if texgrad and candle else None
            lines.append(f"| {name} | {cell(texgrad)} | {cell(candle)} | {ratio(value)} |")
            if value is not None:
                targets.append((f"candle {name}: at most as slow as candle's own", value <= 1.0, value))
    met = sum(1 for _, ok, _ in targets if ok)
    lines += ["", "## Targets", "", f"{met} of {len(targets)} met.", ""]
    missed = [(label, value) for label, ok, value in targets if not ok]
    if missed:
        lines += ["Missed:", ""]
        lines += [f"- {label} (ratio {value:.2f})" for label, value in missed]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
