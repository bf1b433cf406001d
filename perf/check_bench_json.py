#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Smoke test: turnpike-bench --json --quick prints one JSON object with
every documented case as {"cycles_per_op": N, "mops_per_core": N}, N > 0.
It checks the shape, never the speed."""
import json
import subprocess
import sys

CASES = [
    "stun_parse_binding",
    "fingerprint",
    "integrity_sha1_verify",
    "integrity_sha256_verify",
    "allocate_authenticated",
]

out = subprocess.run([sys.argv[1], "--json", "--quick"], check=True,
                     capture_output=True, text=True, timeout=240).stdout
data = json.loads(out)
missing = [c for c in CASES if c not in data]
if missing:
    sys.exit(f"missing cases: {missing}; got {sorted(data)}")
for name, fig in data.items():
    if set(fig) != {"cycles_per_op", "mops_per_core"}:
        sys.exit(f"{name}: unexpected keys {sorted(fig)}")
    if not all(isinstance(v, (int, float)) and v > 0 for v in fig.values()):
        sys.exit(f"{name}: non-positive figure {fig}")
print(json.dumps(data, indent=1))
