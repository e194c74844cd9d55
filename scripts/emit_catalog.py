#!/usr/bin/env python3
"""The Rust generated for every catalog definition, as `texgrad emit` prints it, in one file.

For refactors that must not change the generated code: run it with the CLI built before and
after, and compare the two files byte for byte.

    cargo build --release -p texgrad-cli
    python3 scripts/emit_catalog.py target/release/texgrad > /tmp/after.rs

The definitions are read from the runtime's catalog (`runtime/src/activations.rs`,
`runtime/src/losses.rs`): each `pub fn name(inputs; parameters) = r"formula"` line.
"""

import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
CATALOG = [("runtime/src/activations.rs", False), ("runtime/src/losses.rs", True)]
# The formula is the first raw string; a claimed derivative after it does not change the code.
DEFINITION = re.compile(r'\s*pub fn (\w+)\(([^;)]*)(?:;\s*([^)]*))?\) = r"([^"]*)"')


def definitions():
    """(name, inputs, parameters, formula, is_loss) for each catalog definition, in order."""
    for path, loss in CATALOG:
        for line in (ROOT / path).read_text().splitlines():
            match = DEFINITION.match(line)
            if match:
                name, inputs, parameters, formula = match.groups()
                inputs = [item.strip() for item in inputs.split(",") if item.strip()]
                parameters = [item.replace(" ", "") for item in (parameters or "").split(",") if item.strip()]
                yield name, inputs, parameters, formula, loss


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: emit_catalog.py PATH/TO/texgrad")
    binary = sys.argv[1]
    count = 0
    for name, inputs, parameters, formula, loss in definitions():
        command = [binary, "emit", formula, "--name", name]
        for item in inputs:
            command += ["--input", item]
        for item in parameters:
            command += ["--parameter", item]
        if loss:
            command.append("--loss")
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        sys.stdout.write(f"// ==== {name} (exit {result.returncode})\n{result.stdout}{result.stderr}")
        count += 1
    if count == 0:
        sys.exit("no catalog definitions found")
    print(f"{count} definitions", file=sys.stderr)


if __name__ == "__main__":
    main()
