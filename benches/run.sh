#!/usr/bin/env bash
# The measurement behind docs/performance.md, in one command:
#
#     benches/run.sh > docs/performance.md
#
# Several rounds (ROUNDS, default 2), each running texgrad's benches (kernels, scalar, candle)
# and then the peers (PyTorch, JAX, NumPy) on one core, so that both sides are measured at
# several times minutes apart; the report takes each kernel's fastest over the rounds on both
# sides. On a shared machine interference only ever adds time and comes in spells that last
# longer than one benchmark's window: a single round put a kernel's one window in such a spell
# every run (the same code moved 1.5x between runs), the fastest of two rounds rarely does.
#
# PEERS_PYTHON names a Python with benches/peers/requirements.txt installed; without it a venv
# is made in ./peers. Each round's figures stay in target/perf/round-N/ (criterion's output
# and peers.json), the progress goes to stderr, the report to stdout.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds="${ROUNDS:-2}"
python="${PEERS_PYTHON:-peers/bin/python}"
if [ ! -x "$python" ]; then
    python3 -m venv peers >&2
    peers/bin/pip install -r benches/peers/requirements.txt >&2
    python=peers/bin/python
fi
# The peers on the second core where there is one, away from this script.
pin=()
if command -v taskset > /dev/null && [ "$(nproc)" -gt 1 ]; then
    pin=(taskset -c 1)
fi

criterion_dirs=()
peer_files=()
for round in $(seq 1 "$rounds"); do
    directory="target/perf/round-$round"
    rm -rf "$directory"
    mkdir -p "$directory"
    echo "round $round of $rounds: texgrad's benches" >&2
    export CRITERION_HOME="$PWD/$directory/criterion"
    cargo bench --bench kernels >&2
    cargo bench --bench scalar >&2
    cargo bench --features candle --bench candle >&2
    unset CRITERION_HOME
    echo "round $round of $rounds: the peers" >&2
    "${pin[@]}" "$python" benches/peers/peers.py --json "$directory/peers.json" >&2
    criterion_dirs+=("$directory/criterion")
    peer_files+=("$directory/peers.json")
done
python3 benches/report.py --criterion "${criterion_dirs[@]}" --peers "${peer_files[@]}"
