#!/usr/bin/env python3
"""Checks a run's TensorBoard files with TensorBoard's own reader: every record must frame and checksum
correctly (tensorboard's record reader verifies the masked CRC-32Cs), the first event must carry the file
version, and the scalars must be exactly metrics.jsonl's finite values (as float32) at each step, every step
once, plus the held-out evaluations at step 0 (eval-before.json) and at the last step (eval-after.json).

Usage: .venv/bin/pip install tensorboard && .venv/bin/python Tools/check_tensorboard.py RUN_DIR
Exit status 0 when the files match, 1 with the first differences otherwise.
"""
import glob
import json
import math
import os
import struct
import sys

from tensorboard.backend.event_processing import event_accumulator
from tensorboard.backend.event_processing.event_file_loader import EventFileLoader
from tensorboard.util import tensor_util


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def scalar(value):
    """The value of a Summary.Value: EventFileLoader moves simple_value into a scalar tensor."""
    if value.WhichOneof("value") == "simple_value":
        return value.simple_value
    return float(tensor_util.make_ndarray(value.tensor).item())


def main(run_dir):
    files = sorted(glob.glob(os.path.join(run_dir, "tensorboard", "events.out.tfevents.*")))
    if len(files) != 1:
        print(f"expected one event file in {run_dir}/tensorboard, found {files}")
        return 1
    events = list(EventFileLoader(files[0]).Load())
    problems = []
    if not events or events[0].file_version != "brain.Event:2":
        problems.append("the first event does not carry file_version brain.Event:2")
    logged = {}
    for event in events[1:]:
        values = {v.tag: scalar(v) for v in event.summary.value}
        if event.step in logged and set(values) & set(logged[event.step]):
            problems.append(f"step {event.step}: tags logged twice: {sorted(set(values) & set(logged[event.step]))[:3]}")
        logged.setdefault(event.step, {}).update(values)
    expected = {}
    with open(os.path.join(run_dir, "metrics.jsonl")) as f:
        for line in f:
            row = json.loads(line)
            step = int(row.pop("step"))
            expected[step] = {k: v for k, v in row.items() if isinstance(v, (int, float)) and math.isfinite(v)}
    for label, step in (("before", 0), ("after", max(expected, default=0))):
        path = os.path.join(run_dir, f"eval-{label}.json")
        if os.path.exists(path):
            with open(path) as f:
                expected.setdefault(step, {}).update(json.load(f))
    for step, values in sorted(expected.items()):
        got = logged.get(step, {})
        for tag, value in values.items():
            if tag not in got:
                problems.append(f"step {step}: {tag} missing")
            elif got[tag] != f32(value):
                problems.append(f"step {step}: {tag} = {got[tag]}, metrics say {value}")
    if set(logged) - set(expected):
        problems.append(f"steps in TensorBoard but not in metrics.jsonl: {sorted(set(logged) - set(expected))[:5]}")
    # TensorBoard's scalar dashboard sees the tags.
    accumulator = event_accumulator.EventAccumulator(files[0])
    accumulator.Reload()
    if expected and "acc/mean" not in accumulator.Tags().get("scalars", []):
        problems.append("TensorBoard's accumulator lists no acc/mean scalar")
    if problems:
        print("\n".join(problems[:20]))
        return 1
    print(f"{files[0]}: {len(events)} events, {sum(len(v) for v in logged.values())} scalars, all match metrics.jsonl")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
