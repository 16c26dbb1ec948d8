# Writes Tests/DispoVerifierTests/Fixtures/verifier-suites.jsonl: (kind, gold, response) cases for the verifier,
# each labelled by running math-verify itself (`verify(parse(gold), parse(response))`, its defaults).
# The cases (Tools/verifier_suites/, one module per kind) are written for this project from math-verify's
# documented behaviour (extraction priorities, normalisation, sympy-based comparison) and the kinds of answers
# math datasets contain; four kinds:
#   extraction — where the answer is in the response (boxes, math spans, "final answer is", bare expressions),
#   structure  — intervals, unions, sets, tuples, assignments, relations, matrices, solution lists,
#   notation   — fraction macros, \left/\right, \text and units, percent, separators, degrees, pi,
#   symbolic   — expressions equal as functions (trigonometry, radicals, polynomials, logarithms).
# With ../shared present it also labels real text: the reference solutions of MATH-500 and GSM8K read as
# responses (Fixtures/real-solution-labels.jsonl: row numbers and labels only).
# A case where dispo deliberately differs from math-verify carries `differs` (the reason); the Swift test checks
# that dispo does give the other verdict there, and docs/VERIFIER.md lists them.
#
# Run:  /work/venv/bin/pip install math-verify==0.9.0   (once)
#       /work/venv/bin/python Tools/make_verifier_suites.py
import json
import logging
import os
import sys

logging.disable(logging.CRITICAL)
try:
    from math_verify import parse, verify
except ImportError:
    sys.exit("math-verify is not installed: pip install math-verify==0.9.0")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from verifier_suites import extraction, notation, structure, symbolic  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "DispoVerifierTests", "Fixtures",
                   "verifier-suites.jsonl")
REAL = os.path.join(os.path.dirname(OUT), "real-solution-labels.jsonl")


def unboxed(text):
    """The text with every `\\boxed{X}` replaced by X (braces matched; `\\{` and `\\}` are not braces)."""
    out, i = [], 0
    while True:
        k = text.find("\\boxed{", i)
        if k < 0:
            out.append(text[i:])
            return "".join(out)
        out.append(text[i:k])
        j, depth = k + 6, 0
        while j < len(text):
            c = text[j]
            if c == "\\":
                j += 2
                continue
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        if j >= len(text):   # unbalanced: keep the rest as it is
            out.append(text[k:])
            return "".join(out)
        out.append(text[k + 7:j])
        i = j + 1


def real_solutions(shared):
    """Labels for the reference solutions of MATH-500 (and 300 GSM8K test rows) read as responses: each against
    its own answer (`own`), with its boxes removed against its own answer (`unboxed`, MATH-500 only), and
    against the next different answer (`other`, row `other_row`). MATH-500 golds are `$answer$`, GSM8K golds
    the number after `####`.
    Only row numbers and labels are written; the Swift test rebuilds the texts from ../shared."""
    rows = []
    math500 = [json.loads(l) for l in open(os.path.join(shared, "math500", "test.jsonl"), encoding="utf-8")]
    gsm8k = [json.loads(l) for l in open(os.path.join(shared, "gsm8k", "test.jsonl"), encoding="utf-8")][:300]
    for name, data, solution, answer in [
        ("math500", math500, lambda r: r["solution"], lambda r: "$" + r["answer"] + "$"),
        ("gsm8k", gsm8k, lambda r: r["answer"], lambda r: r["answer"].split("####")[-1].strip()),
    ]:
        for k, row in enumerate(data):
            j = (k + 1) % len(data)
            while answer(data[j]).strip() == answer(row).strip():
                j = (j + 1) % len(data)
            record = {"set": name, "row": k, "own": label(answer(row), solution(row))}
            if name == "math500":
                record["unboxed"] = label(answer(row), unboxed(solution(row)))
            record["other_row"] = j
            record["other"] = label(answer(data[j]), solution(row))
            rows.append(record)
    return rows


KINDS = [("extraction", extraction.CASES), ("structure", structure.CASES), ("notation", notation.CASES),
         ("symbolic", symbolic.CASES)]


def label(gold, response):
    return bool(verify(parse(gold), parse(response)))


def main():
    rows = []
    for kind, cases in KINDS:
        for case in cases:
            gold, response, note = case[0], case[1], case[2]
            row = {"kind": kind, "gold": gold, "response": response, "math_verify": label(gold, response), "note": note}
            if len(case) > 3:
                row["differs"] = case[3]
            rows.append(row)
    with open(OUT, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    for kind, _ in KINDS:
        mine = [r for r in rows if r["kind"] == kind]
        print(f"{kind}: {len(mine)} cases, {sum(r['math_verify'] for r in mine)} labelled correct")
    shared = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data", "math")
    if not os.path.isdir(shared):
        print(f"{shared} not found: real-solution labels not written")
        return
    labels = real_solutions(shared)
    with open(REAL, "w", encoding="utf-8") as f:
        for row in labels:
            f.write(json.dumps(row) + "\n")
    print(f"real solutions: {len(labels)} rows")


if __name__ == "__main__":
    main()
