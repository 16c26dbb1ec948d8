#!/usr/bin/env python3
"""An example reward plugin for dispo (README.md, "Reward plugins").

dispo starts this program once per worker and keeps it running. It reads one JSON request per line on stdin:
    {"prompt": ..., "response": ..., "answer": ..., "metadata": {"problem_id": ..., "step": ..., "sample": ...}}
and must write one JSON answer per line on stdout, in order, flushed:
    {"reward": number, "correct": bool (optional), "components": {name: number} (optional)}

This one rewards a response whose last number equals the gold answer (+1, else -1) and reports, as a
component, whether the response shows its working (an "=" before the answer). Anything written to stderr
goes to dispo's stderr.
"""
import json
import re
import sys


def last_number(text):
    numbers = re.findall(r"-?\d+(?:\.\d+)?", text)
    return numbers[-1] if numbers else None


def main():
    for line in sys.stdin:
        request = json.loads(line)
        found = last_number(request["response"])
        correct = found is not None and found == request["answer"].strip()
        shows_work = 1.0 if "=" in request["response"] else 0.0
        answer = {"reward": 1.0 if correct else -1.0, "correct": correct, "components": {"shows_work": shows_work}}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
