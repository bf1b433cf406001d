#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Smoke test: turnpike-bench --json --quick prints one JSON object with
every documented case as {"cycles_per_op": N, "mops_per_core": N}, N > 0.
It checks the shape, never the speed.

  check_bench_json.py BENCH [--worker]

--worker: the bench was built with the dataplane, so the worker_* cases
(a real worker in process, bench_worker.c) must be there too."""
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
WORKER_CASES = [
    "worker_binding",
    "worker_channeldata_to_peer",
    "worker_peer_to_channeldata",
    "worker_send_indication",
    "worker_peer_to_data_indication",
]

cases = CASES + (WORKER_CASES if "--worker" in sys.argv[2:] else [])
run = subprocess.run([sys.argv[1], "--json", "--quick"],
                     capture_output=True, text=True, timeout=240)
if run.returncode != 0:
    sys.stderr.write(run.stderr)
    sys.exit(f"turnpike-bench exited with {run.returncode}")
data = json.loads(run.stdout)
missing = [c for c in cases if c not in data]
if missing:
    sys.exit(f"missing cases: {missing}; got {sorted(data)}")
for name, fig in data.items():
    if set(fig) != {"cycles_per_op", "mops_per_core"}:
        sys.exit(f"{name}: unexpected keys {sorted(fig)}")
    if not all(isinstance(v, (int, float)) and v > 0 for v in fig.values()):
        sys.exit(f"{name}: non-positive figure {fig}")
print(json.dumps(data, indent=1))
