# Writes Tests/DispoVerifierTests/Fixtures/verifier-suites.jsonl: (kind, gold, response) cases for the verifier,
# each labelled by running math-verify itself (`verify(parse(gold), parse(response))`, its defaults).
# The cases are written for this project from math-verify's documented behaviour (extraction priorities,
# normalisation, sympy-based comparison) and the kinds of answers math datasets contain; four kinds:
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

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "DispoVerifierTests", "Fixtures",
                   "verifier-suites.jsonl")
REAL = os.path.join(os.path.dirname(OUT), "real-solution-labels.jsonl")

# (gold, response, note[, reason dispo differs])
EXTRACTION = [
    # the last math span, in each delimiter
    ("$12$", "We add the two groups and get $12$.", "last inline dollar span"),
    ("$12$", "We add the two groups and get $13$.", "last inline dollar span, wrong"),
    ("$12$", "Adding gives\n$$12$$", "display dollars"),
    ("$12$", "Adding gives\n$$\n11\n$$", "display dollars over lines, wrong"),
    ("$12$", "Adding gives \\(12\\).", "inline parenthesis"),
    ("$12$", "Adding gives \\(21\\).", "inline parenthesis, wrong"),
    ("$12$", "Adding gives\n\\[\n12\n\\]", "display bracket over lines"),
    ("$12$", "Adding gives \\[ 10 + 3 = 13 \\]", "display bracket, chain, wrong"),
    ("$12$", "First $x = 4$, then $y = 3x = 12$.", "last span with a chain of equalities"),
    ("$12$", "Try $12$ first; no, it fails. We get $14$.", "earlier span is not the answer"),
    ("$\\frac{5}{6}$", "The chance is $\\frac{5}{6}$ and it does not depend on $n$.", "a later variable span wins (math-verify)"),
    ("$\\frac{5}{6}$", "Hence $P = \\frac{5}{6}$.", "assignment in the last span"),
    ("$\\frac{5}{6}$", "Hence $P = \\frac{6}{5}$.", "assignment in the last span, wrong"),
    # a bare final expression
    ("$7$", "7", "the response is just the number"),
    ("$7$", "8", "just a number, wrong"),
    ("$7$", "The total is 3 + 4 = 7", "bare final chain"),
    ("$7$", "The total is 3 + 5 = 8", "bare final chain, wrong"),
    ("$7$", "We counted the marbles one by one and there are 7 left.", "last number in prose"),
    ("$7$", "There are 7 red marbles and 9 blue ones.", "last number in prose is another one"),
    ("$2.5$", "Each friend pays 2.5 dollars", "bare decimal"),
    ("$1250$", "She saved 1,250 dollars in total", "bare number with a thousands separator"),
    ("$1250$", "She saved 1,205 dollars in total", "bare thousands, wrong"),
    ("$\\frac{2}{3}$", "So the probability is 2/3", "bare a/b"),
    ("$\\frac{2}{3}$", "So the probability is 3/2", "bare a/b, wrong"),
    ("$-4$", "the value comes out as -4", "bare negative"),
    ("$-4$", "the value comes out as 4", "bare sign, wrong"),
    # "final answer is" variants
    ("$9$", "Final Answer: The final answer is $9$. I hope it is correct.", "Minerva format"),
    ("$9$", "Final Answer: The final answer is $6$. I hope it is correct.", "Minerva format, wrong"),
    ("$9$", "The final answer is 9.", "final answer is, plain number"),
    ("$9$", "The final answer is 9, not 6 as I first thought.", "final answer is, later numbers ignored"),
    ("$9$", "The final answer to this problem is $9$", "final answer ... is"),
    ("$9$", "So the final answer for part (b) is: 9", "final answer ... is with colon"),
    ("$9$", "So the final answer for part (b) is: 6", "final answer ... is with colon, wrong"),
    ("$9$", "Final answer: $9$", "Final answer: with span"),
    ("$9$", "Answer: 9", "Answer: line"),
    ("$9$", "Answer: 6", "Answer: line, wrong"),
    ("$9$", "We check everything.\n\n**Answer:** $9$", "markdown answer label"),
    ("$9$", "The answer is $9$ and we double-check with $3^2$.", "answer is, then another span"),
    # boxes
    ("$64$", "So the area is $\\boxed{64}$ square units.", "box in a span"),
    ("$64$", "So the area is \\boxed{64}.", "bare box"),
    ("$64$", "So the area is \\boxed{46}.", "bare box, wrong"),
    ("$64$", "Checking: \\boxed{64} is right.\n\nThe final answer is $\\boxed{64}$.", "the same box twice"),
    ("$64$", "The area is $8^2 = \\boxed{64}$.", "box at the end of a chain"),
    ("$\\{3, 5\\}$", "So $x = \\boxed{3}$ or $x = \\boxed{5}$.", "two boxes form the answer"),
    ("$3, 5$", "The solutions are $\\boxed{3}$ and $\\boxed{5}$.", "two boxes joined by and"),
    ("$3, 5$", "The solutions are \\boxed{3}, \\boxed{5}", "two bare boxes joined by a comma"),
    ("$3, 5$", "The solutions are $\\boxed{3}$ and $\\boxed{6}$.", "two boxes, one wrong"),
    ("$3, 5$", "The solutions are $\\boxed{5}$ and $\\boxed{3}$.", "two boxes in the other order"),
    ("$5$", "The solutions are $\\boxed{3}$ and $\\boxed{5}$.", "two boxes are a set, not the last one"),
    ("$1, 2, 3$", "The roots are \\boxed{1}, \\boxed{2}, and \\boxed{3}.", "three boxes with an Oxford comma"),
    ("$5$", "\\boxed{3} hmm, let me redo this. Actually the sum is \\boxed{5}", "a corrected box",
     "a box corrected by a later one is not a list: dispo takes the last box alone (math-verify joins every box)"),
    # the gold written other ways
    ("The answer is $12$.", "so we get $\\boxed{12}$", "gold as a sentence"),
    ("The answer is $12$.", "so we get $\\boxed{21}$", "gold as a sentence, wrong"),
    ("We need $x = 12$.", "$\\boxed{12}$", "gold sentence with an assignment"),
    ("\\boxed{12}", "the count is $12$", "gold boxed"),
    ("$\\frac{1}{4}$", "the ratio is \\(0.25\\)", "gold fraction, response decimal"),
    ("Hence the total is $\\boxed{45}$.", "Total: 45", "gold is a solution with a box"),
    ("Hence the total is $\\boxed{45}$.", "Total: 54", "gold is a solution with a box, wrong"),
    # never credit for an answer that merely appears somewhere
    ("$5$", "Maybe 5? No. After checking all cases, the final answer is $\\boxed{4}$.", "gold mentioned earlier, box differs"),
    ("$5$", "The options were 1, 2, 3, 4, 5, 6 and the answer is 2.", "gold in a list of options, answer differs"),
    ("$5$", "I tried $x=5$, $x=6$ and $x=7$; the last one works.", "gold in an earlier span"),
    ("$5$", "We have $5$ apples at first and give some away, leaving $2$.", "gold in an earlier span, bare end"),
    ("$5$", "Answer: 4 (not 5)", "answer line names the gold only to reject it"),
    ("$5$", "Since $2 + 3 = 5$ and $5 - 1 = 4$, the result is $4$.", "gold inside reasoning"),
    ("$30$", "After 10 steps of 3 we reach 30. Repeating for the other 4 we get 12.", "gold earlier in prose"),
    # nothing to extract
    ("$12$", "I am not sure how to solve this problem.", "no answer at all"),
    ("$12$", "", "empty response"),
    ("$12$", "The answer is twelve.", "number words are not extracted"),
    # mixing markers
    ("$8$", "The answer is $\\boxed{8}$. Let me double check: $2^3 = 8$.", "box then a check span"),
    ("$8$", "Answer: \\boxed{8}", "answer line with a box"),
    ("$8$", "The final answer is $\\boxed{8}$.\nI hope it is correct. Other attempts gave 6.", "final answer then later numbers"),
    ("$8$", "Thus $n=\\boxed{8}$", "box after an assignment"),
    ("$8$", "The result is \\(\\boxed{8}\\)", "box inside inline parentheses"),
    ("$8$", "The result is \\[\\boxed{8}\\]", "box inside display brackets"),
    # longer responses in the styles models write
    ("$42$", "Let me set up the equation.\n\n$$3x + 6 = 132$$\n\nso $x = 42$.\n\n**Final Answer**\n\\[\n\\boxed{42}\n\\]", "markdown final answer with a display box"),
    ("$3.5$", "Therefore, the answer is $\\boxed{\\frac{7}{2}}$.", "boxed fraction for a decimal gold"),
    ("$-3$", "The answer is: $-3$", "answer is with a colon"),
    ("$7$", "So we get \\boxed{7}.\n\nFinal Answer: The final answer is 7. I hope it is correct.", "box and Minerva line agree"),
    ("$42$", "So the total is **42**.", "bold bare number"),
    ("$\\frac{1}{2}$", "We find $x = \\frac{1}{2}$, so the answer is \\(\\frac12\\)", "answer is with inline parentheses"),
    ("$3$", "The remainder is $3$ when divided by $7$.", "a later span is the divisor"),
    ("$(2, 3)$", "Answer: (2, 3)", "answer line with a pair",
     "an `Answer:` line's answer is the whole line, as verl's math_dapo reads it (math-verify takes a number from it)"),
    ("$18$", "She sells 16 - 3 - 4 = 9 eggs and earns 9 * 2 = 18 dollars.\n#### 18", "GSM8K marker"),
    ("Janet pays 1,200 + 34 = 1,234 dollars.\n#### 1,234", "The total is \\boxed{1234}.", "GSM8K gold solution"),
    ("$12$", "\\boxed{ 12 }", "spaces inside the box"),
    ("$12$", "\\boxed{12} \\boxed{12}", "a box repeated"),
    ("$13$", "<think>\nFirst I thought 12, then I checked.\n</think>\n\nThe answer is $\\boxed{13}$", "box after a thinking block"),
    ("$\\frac{2}{5}$", "So $P(A) = 0.4$.", "decimal in an assignment span"),
    ("$11$", "Therefore $f(3) = 11$", "function value span"),
    ("$\\frac{4}{7}$", "Result: 4/7", "bare fraction after a label"),
    ("$1250$", "which gives $\\$1,250$ in total", "escaped dollar inside a span"),
    ("$4$", "x = 4", "bare assignment without math delimiters"),
    ("$5$", "The side is 5 $\\text{cm}$.", "unit in a span after the number",
     "for a gold that is math, a last span that is not (a unit alone) gives way to the number before it (math-verify takes the span)"),
    ("$\\frac{3}{4}$", "so the probability is \\frac{3}{4}", "bare fraction macro"),
    ("$9$", "The answer is $\\boxed{9}$.\n\nWait, let me verify: 3 * 3 = 9. Yes.", "box then a check"),
    ("$9$", "I think the answer might be 9 but I am not sure, perhaps 8.", "hedged answers: the number after \"answer\""),
    ("$\\frac{1}{4}$", "so we get $x = 2$ and then $\\frac{1}{4}.$", "a period inside the last span",
     "a period ending a math span is punctuation (math-verify cannot parse the span and takes an earlier one)"),
]

STRUCTURE = [
    # intervals and unions
    ("$(2, 5]$", "$\\boxed{(2, 5]}$", "half-open interval"),
    ("$(2, 5]$", "$\\boxed{(2, 5)}$", "half-open vs open"),
    ("$(2, 5]$", "$\\boxed{[2, 5]}$", "half-open vs closed"),
    ("$[2, 5)$", "$\\boxed{\\left[2, 5\\right)}$", "left/right brackets"),
    ("$(-\\infty, 0) \\cup (1, 3]$", "$\\boxed{(-\\infty, 0) \\cup (1, 3]}$", "union"),
    ("$(-\\infty, 0) \\cup (1, 3]$", "$\\boxed{(1, 3] \\cup (-\\infty, 0)}$", "union in another order"),
    ("$(-\\infty, 0) \\cup (1, 3]$", "$\\boxed{(-\\infty, 0] \\cup (1, 3]}$", "union, one end differs"),
    ("$(-\\infty, 0) \\cup (1, 3]$", "$\\boxed{(-\\infty, 3]}$", "union vs one interval"),
    ("$[1, \\infty)$", "$\\boxed{[1, \\infty)}$", "unbounded interval"),
    ("$[1, \\infty)$", "$\\boxed{(1, \\infty)}$", "unbounded interval, open end"),
    ("$(-\\infty, \\infty)$", "$\\boxed{(-\\infty, \\infty)}$", "whole line"),
    ("$[\\frac{1}{2}, 3)$", "$\\boxed{[0.5, 3)}$", "interval with a decimal end"),
    ("$[\\frac{1}{3}, 3)$", "$\\boxed{[0.33, 3)}$", "interval end rounded too far"),
    ("$(-3, -1) \\cup (1, 3)$", "$\\boxed{(-3,-1)\\cup(1,3)}$", "symmetric union"),
    # sets
    ("$\\{2, 4\\}$", "$\\boxed{\\{4, 2\\}}$", "set in another order"),
    ("$\\{2, 4\\}$", "$\\boxed{\\{2, 4, 6\\}}$", "set with an extra element"),
    ("$\\{2, 4\\}$", "$\\boxed{\\{2, 5\\}}$", "set with a wrong element"),
    ("$\\{-1, 0, 1\\}$", "$\\boxed{\\{1, -1, 0\\}}$", "three-element set reordered"),
    ("$\\{1, 3\\} \\cup \\{2, 4\\}$", "$\\boxed{\\{1, 2, 3, 4\\}}$", "union of sets"),
    ("$\\{\\sqrt{2}, -\\sqrt{2}\\}$", "$\\boxed{\\{-\\sqrt 2, \\sqrt 2\\}}$", "set of radicals"),
    # tuples and ordered pairs
    ("$(3, -2)$", "$\\boxed{(3, -2)}$", "ordered pair"),
    ("$(3, -2, 1)$", "$\\boxed{(-2, 3, 1)}$", "triple reordered"),
    ("$(3, -2, 1)$", "$\\boxed{(3, -2, 1)}$", "triple"),
    ("$(3, -2, 1)$", "$\\boxed{(3, -2)}$", "triple vs pair"),
    ("$(1, \\frac{1}{2})$", "$\\boxed{\\left(1, \\frac12\\right)}$", "pair with a shorthand fraction"),
    ("$(1, \\frac{1}{2})$", "$\\boxed{(1, 0.5)}$", "pair with a decimal"),
    ("$(1, \\frac{1}{2})$", "$\\boxed{(\\frac{1}{2}, 1)}$", "pair reversed"),
    ("$(0, 0, 5)$", "$\\boxed{(0,0,5)}$", "point in space"),
    # assignments
    ("$y = 7$", "$\\boxed{y = 7}$", "assignment"),
    ("$y = 7$", "$\\boxed{7}$", "assignment vs value"),
    ("$7$", "$\\boxed{y = 7}$", "value vs assignment"),
    ("$y = 7$", "$\\boxed{x = 7}$", "assignment to another name"),
    ("$y = 7$", "$\\boxed{y = 8}$", "assignment, wrong value"),
    ("$(a, b) = (1, 4)$", "$\\boxed{(1, 4)}$", "tuple assignment vs tuple"),
    ("$(1, 4)$", "$\\boxed{(a, b) = (1, 4)}$", "tuple vs tuple assignment"),
    ("$(1, 4)$", "$\\boxed{(a, b) = (4, 1)}$", "tuple assignment reversed"),
    ("$k = 3$", "$\\boxed{k = 1 + 2 = 3}$", "assignment chain"),
    ("$x = 2, y = 3$", "$\\boxed{y = 3, x = 2}$", "two assignments in any order"),
    ("$x = 2, y = 3$", "$\\boxed{x = 3, y = 2}$", "two assignments swapped"),
    ("$a = -1$", "so $a=-1$", "negative assignment"),
    # relations and set-builder forms
    ("$t \\le 3$", "$\\boxed{t <= 3}$", "<= spelling"),
    ("$t \\le 3$", "$\\boxed{t \\leq 3}$", "leq spelling"),
    ("$x \\le 3$", "$\\boxed{3 \\ge x}$", "flipped inequality"),
    ("$t \\le 3$", "$\\boxed{t < 3}$", "strict vs non-strict"),
    ("$t \\le 3$", "$\\boxed{t \\ge 3}$", "direction reversed"),
    ("$x > 5$", "$\\boxed{-x < -5}$", "negated inequality"),
    ("$x > 5$", "$\\boxed{2x > 10}$", "scaled inequality"),
    ("$-1 < t < 4$", "$\\boxed{t \\in (-1, 4)}$", "membership vs chain"),
    ("$-1 < t < 4$", "$\\boxed{(-1, 4)}$", "interval vs chain"),
    ("$-1 < t < 4$", "$\\boxed{-1 < t \\le 4}$", "chain with another end"),
    ("$x \\ge 2$", "$\\boxed{[2, \\infty)}$", "interval for an inequality"),
    ("$x \\ge 2$", "$\\boxed{(2, \\infty)}$", "open interval for a non-strict inequality"),
    ("$[2, \\infty)$", "$\\boxed{x \\ge 2}$", "inequality for an interval",
     "an inequality answers an interval gold too: dispo compares relations and intervals both ways (math-verify only when the response is the set)"),
    ("$x \\in [2, 5)$", "$\\boxed{[2, 5)}$", "membership gold vs interval"),
    ("$[2, 5)$", "$\\boxed{x \\in [2, 5)}$", "interval gold vs membership"),
    ("$(2, \\infty)$", "$\\boxed{\\{x \\mid x > 2\\}}$", "set-builder",
     "set-builder notation is read as the set it describes (math-verify cannot parse it)"),
    ("$x \\neq 3$", "$\\boxed{x \\ne 3}$", "not-equal spellings"),
    ("$2x + 4y - 3 = 0$", "$\\boxed{y = -\\frac{1}{2}x + \\frac{3}{4}}$", "line in another form"),
    ("$2x + 4y - 3 = 0$", "$\\boxed{y = -\\frac{1}{2}x + \\frac{1}{4}}$", "line in another form, wrong"),
    ("$x + y = 5$", "$\\boxed{2x + 2y = 10}$", "scaled equation"),
    ("$3x - 2 = 0$", "$\\boxed{0}$", "equation vs its right side"),
    # matrices and vectors
    ("$\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}$", "$\\boxed{\\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix}}$", "pmatrix vs bmatrix"),
    ("$\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}$", "$\\boxed{\\begin{pmatrix} 1 & 3 \\\\ 2 & 4 \\end{pmatrix}}$", "transposed"),
    ("$\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}$", "$\\boxed{\\left[\\begin{array}{cc} 1 & 2 \\\\ 3 & 4 \\end{array}\\right]}$", "array environment"),
    ("$\\begin{pmatrix} \\frac{1}{3} & 0 \\\\ 0 & 1 \\end{pmatrix}$", "$\\boxed{\\begin{pmatrix} 0.333333 & 0 \\\\ 0 & 1 \\end{pmatrix}}$", "entry to 6 decimals"),
    ("$\\begin{pmatrix} \\frac{1}{3} & 0 \\\\ 0 & 1 \\end{pmatrix}$", "$\\boxed{\\begin{pmatrix} 0.33 & 0 \\\\ 0 & 1 \\end{pmatrix}}$", "entry rounded too far"),
    ("$\\begin{pmatrix} 2 \\\\ -1 \\\\ 5 \\end{pmatrix}$", "$\\boxed{\\begin{pmatrix} 2 \\\\ -1 \\\\ 5 \\end{pmatrix}}$", "column vector"),
    ("$\\begin{pmatrix} 2 \\\\ -1 \\\\ 5 \\end{pmatrix}$", "$\\boxed{\\begin{pmatrix} 2 \\\\ 1 \\\\ 5 \\end{pmatrix}}$", "column vector, sign"),
    ("$\\begin{pmatrix} 2 \\\\ -1 \\\\ 5 \\end{pmatrix}$", "$\\boxed{\\begin{bmatrix} 2 \\\\ -1 \\\\ 5 \\end{bmatrix}}$", "column vector, bmatrix"),
    ("$\\begin{pmatrix} \\sqrt{4} & 1 \\\\ 0 & 1 \\end{pmatrix}$", "$\\boxed{\\begin{pmatrix} 2 & 1 \\\\ 0 & 1 \\end{pmatrix}}$", "entry needs evaluation"),
    ("$\\begin{pmatrix} 1 & 0 \\\\ 0 & 1 \\end{pmatrix}$", "$\\boxed{\\begin{pmatrix} 1 & 0 & 0 \\\\ 0 & 1 & 0 \\end{pmatrix}}$", "shape differs"),
    # lists of solutions
    ("$-2, 1$", "$\\boxed{1, -2}$", "solutions in another order"),
    ("$-2, 1$", "$\\boxed{-2}$", "one solution missing"),
    ("$-2, 1$", "The roots are $x = 1$ and $x = -2$.", "solutions as assignments"),
    ("$1 \\pm \\sqrt{3}$", "$\\boxed{1 + \\sqrt{3}, 1 - \\sqrt{3}}$", "plus-minus expanded"),
    ("$1 \\pm \\sqrt{3}$", "$\\boxed{1 + \\sqrt{3}}$", "plus-minus, half"),
    ("$\\pm 3$", "$\\boxed{3, -3}$", "plus-minus alone"),
    ("$-3, 3$", "$\\boxed{x = \\pm 3}$", "assignment of plus-minus"),
    ("$2, 3, 5$", "$\\boxed{5, 3, 2}$", "three solutions reversed"),
    ("$2, 3, 5$", "$\\boxed{2, 3, 5, 7}$", "one solution too many"),
    ("$[-2, 7]$", "$\\boxed{x \\in [-2, 7]}$", "membership answer"),
    ("$\\{1, 2, 3\\}$", "$\\boxed{\\{3, 1, 2\\}}$", "set reordered"),
    ("$\\begin{pmatrix} 3 \\\\ -1 \\end{pmatrix}$", "$\\boxed{\\begin{pmatrix}3\\\\-1\\end{pmatrix}}$", "vector spacing"),
    ("$\\begin{pmatrix} 1/2 \\\\ 3/4 \\end{pmatrix}$", "$\\boxed{\\begin{pmatrix} \\frac12 \\\\ 0.75 \\end{pmatrix}}$", "vector entries in other forms"),
    ("$a = 2, b = 5$", "$\\boxed{b = 5, a = 2}$", "assignments reordered"),
    ("$a = 2, b = 5$", "$\\boxed{a = 2, b = 6}$", "assignments, one wrong"),
    ("$x \\in \\{1, 2\\}$", "$\\boxed{\\{1, 2\\}}$", "membership in a finite set"),
    ("$x > -3$", "$\\boxed{(-3, \\infty)}$", "ray as an interval"),
    ("$-2 \\le x \\le 2$", "$\\boxed{[-2, 2]}$", "closed chain as an interval"),
    ("$-2 \\le x \\le 2$", "$\\boxed{(-2, 2)}$", "closed chain vs open interval"),
    ("$y = 2x + 1$", "$\\boxed{2x - y + 1 = 0}$", "line as a general equation"),
    ("$y = 2x + 1$", "$\\boxed{y = 2x - 1}$", "line, wrong intercept"),
    ("$x^2 + y^2 = 25$", "$\\boxed{x^2 + y^2 - 25 = 0}$", "circle rearranged"),
    ("$(0, \\infty)$", "$\\boxed{(0, +\\infty)}$", "plus infinity"),
    ("$1, 2, 3, 4$", "$\\boxed{4, 3, 2, 1}$", "list reversed"),
    ("$(2, 3), (3, 2)$", "$\\boxed{(3, 2), (2, 3)}$", "pairs in another order"),
    ("$\\{(1, 2), (2, 1)\\}$", "$\\boxed{(1, 2)}$", "one pair of two"),
    ("$\\emptyset$", "$\\boxed{\\emptyset}$", "empty set"),
    ("$3 < x < 5$", "$\\boxed{5 > x > 3}$", "chain written downwards"),
    ("$\\begin{pmatrix} 1 & 2 \\end{pmatrix}$", "$\\boxed{\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}}$", "row vs column"),
    ("$[-1, 1]$", "$\\boxed{[-1,1)}$", "closed vs half-open"),
    ("$(-\\infty, 1) \\cup (1, \\infty)$", "$\\boxed{x \\neq 1}$", "complement of a point as a relation",
     "an inequality answers an interval gold too: dispo compares relations and intervals both ways (math-verify only when the response is the set)"),
]

NOTATION = [
    # fraction macros and delimiters
    ("$\\frac{2}{7}$", "$\\boxed{\\cfrac{2}{7}}$", "cfrac"),
    ("$\\frac{2}{7}$", "$\\boxed{\\tfrac{2}{7}}$", "tfrac"),
    ("$\\frac{2}{7}$", "$\\boxed{\\dfrac{2}{7}}$", "dfrac"),
    ("$\\frac{2}{7}$", "$\\boxed{\\dfrac{7}{2}}$", "dfrac inverted"),
    ("$\\frac{2}{7}$", "$\\boxed{\\frac27}$", "shorthand digits"),
    ("$\\frac{2}{7}$", "$\\boxed{2/7}$", "slash"),
    ("$\\frac{4}{14}$", "$\\boxed{\\frac{2}{7}}$", "unreduced gold"),
    ("$\\frac{2}{7}$", "$\\boxed{\\left( \\frac{2}{7} \\right)}$", "left/right parentheses"),
    ("$\\frac{x+1}{2}$", "$\\boxed{\\dfrac{x+1}{2}}$", "dfrac with a variable"),
    ("$-\\frac{3}{5}$", "$\\boxed{\\frac{-3}{5}}$", "sign inside"),
    ("$-\\frac{3}{5}$", "$\\boxed{\\frac{3}{-5}}$", "sign in the denominator"),
    ("$-\\frac{3}{5}$", "$\\boxed{\\frac{3}{5}}$", "sign lost"),
    # \mathrm, \text, \textbf, units and words
    ("$12$", "$\\boxed{12\\text{ cm}}$", "text unit"),
    ("$12$", "$\\boxed{12 \\mathrm{cm}}$", "mathrm unit"),
    ("$12$", "$\\boxed{12\\textbf{ meters}}$", "textbf unit"),
    ("$12$", "$\\boxed{12 \\text{ square feet}}$", "two-word unit"),
    ("$12$", "$\\boxed{21\\text{ cm}}$", "unit, wrong number"),
    ("$12$", "The answer is 12 meters.", "bare unit after the number"),
    ("$12\\text{ cm}^2$", "$\\boxed{12}$", "gold with a squared unit"),
    ("$\\text{Evelyn}$", "$\\boxed{\\text{Evelyn}}$", "a name"),
    ("$\\text{Evelyn}$", "$\\boxed{\\text{Carla}}$", "another name"),
    ("$\\text{even}$", "$\\boxed{\\textbf{even}}$", "a word in bold"),
    ("$\\mathrm{odd}$", "$\\boxed{\\text{odd}}$", "mathrm word"),
    ("$\\text{(B)}$", "$\\boxed{\\text{(B)}}$", "choice in text"),
    # percent
    ("$45\\%$", "The answer is 45 percent.", "percent word"),
    ("$45\\%$", "$\\boxed{45\\%}$", "percent sign"),
    ("$45\\%$", "$\\boxed{45}$", "percent without the sign"),
    ("$45\\%$", "$\\boxed{0.45}$", "percent as a decimal"),
    ("$45\\%$", "$\\boxed{54\\%}$", "percent, wrong"),
    ("$45\\%$", "The answer is 45 pct", "pct"),
    ("$45$", "$\\boxed{45\\%}$", "plain gold, percent answer"),
    ("$0.45$", "$\\boxed{45}$", "decimal gold, bare percent number"),
    ("$12.5\\%$", "$\\boxed{12.5 \\%}$", "decimal percent"),
    # separators
    ("$1000000$", "$\\boxed{1,000,000}$", "thousands commas"),
    ("$1000000$", "$\\boxed{1{,}000{,}000}$", "braced commas"),
    ("$1000000$", "$\\boxed{1\\,000\\,000}$", "thin spaces",
     "`\\,` between digit groups is a thousands separator (math-verify multiplies the groups)"),
    ("$1000000$", "$\\boxed{10^6}$", "power of ten"),
    ("$1000000$", "$\\boxed{100,000}$", "separator, wrong magnitude"),
    ("$10080$", "$\\boxed{10,\\!080}$", "negative thin space"),
    ("$3.5$", "$\\boxed{3{,}5}$", "decimal comma in braces"),
    ("$1234.5$", "$\\boxed{1,234.5}$", "separator and decimals"),
    # degrees
    ("$90^\\circ$", "$\\boxed{90}$", "degrees dropped"),
    ("$90$", "$\\boxed{90^\\circ}$", "degrees added"),
    ("$90^\\circ$", "$\\boxed{90^{\\circ}}$", "braced degrees"),
    ("$90^\\circ$", "$\\boxed{90\\degree}$", "degree macro",
     "`\\degree` is a degree sign (math-verify cannot parse it)"),
    ("$90^\\circ$", "$\\boxed{90°}$", "unicode degree sign",
     "the Unicode degree sign is dropped like `^\\circ` (math-verify cannot parse it)"),
    ("$90^\\circ$", "The angle is 90 degrees.", "degree word"),
    ("$90^\\circ$", "$\\boxed{80^\\circ}$", "degrees, wrong"),
    ("$\\frac{\\pi}{2}$", "$\\boxed{90^\\circ}$", "radians vs degrees"),
    # pi
    ("$2\\pi$", "$\\boxed{2 \\pi}$", "spaced pi"),
    ("$2\\pi$", "$\\boxed{\\pi \\cdot 2}$", "pi times two"),
    ("$2\\pi$", "$\\boxed{6.283185}$", "pi to 6 decimals"),
    ("$2\\pi$", "$\\boxed{6.28}$", "pi too coarse"),
    ("$\\frac{\\pi}{3}$", "$\\boxed{\\pi/3}$", "pi over three"),
    ("$\\frac{\\pi}{3}$", "$\\boxed{\\frac{1}{3}\\pi}$", "pi with a fraction coefficient"),
    ("$\\frac{\\pi}{3}$", "$\\boxed{\\frac{\\pi}{6}}$", "pi fraction, wrong"),
    ("$4\\pi$", "$\\boxed{4π}$", "unicode pi"),
    ("$12\\pi - 8$", "$\\boxed{-8 + 12\\pi}$", "pi in a reordered sum"),
    # numbers
    ("$0.5$", "$\\boxed{\\frac{1}{2}}$", "decimal vs fraction"),
    ("$\\frac{1}{3}$", "$\\boxed{0.333333}$", "six decimals"),
    ("$\\frac{1}{3}$", "$\\boxed{0.3333}$", "four decimals"),
    ("$025$", "$\\boxed{25}$", "leading zero"),
    ("$7$", "$\\boxed{7.0}$", "trailing .0"),
    ("$7$", "$\\boxed{7.01}$", "close decimal"),
    ("$-7$", "$\\boxed{−7}$", "unicode minus"),
    ("$\\$32.50$", "$\\boxed{32.50}$", "currency"),
    ("$\\$32.50$", "The cost is \\$32.5.", "currency with escaped dollar in prose"),
    ("$1.2 \\times 10^{3}$", "$\\boxed{1200}$", "scientific notation"),
    ("$\\sqrt{2}$", "$\\boxed{\\sqrt2}$", "sqrt shorthand"),
    ("$\\sqrt{2}$", "$\\boxed{2^{1/2}}$", "power one half"),
    ("$\\sqrt[3]{2}$", "$\\boxed{2^{\\frac{1}{3}}}$", "cube root as a power"),
    ("$\\dfrac{3}{4}$", "$\\boxed{\\frac{3}{4}}$", "dfrac gold"),
    ("$5\\%$", "The rate is 5 %.", "spaced percent sign"),
    ("$\\frac{1}{4}$", "$\\boxed{25\\%}$", "fraction gold, percent answer"),
    ("$45$", "$\\boxed{\\$ 45}$", "dollar sign with a space"),
    ("$45$", "$\\boxed{45.00}$", "two trailing zeros"),
    ("$\\frac{7}{2}$", "$\\boxed{3\\frac{1}{2}}$", "mixed number"),
    ("$1000$", "$\\boxed{10^{3}}$", "braced power of ten"),
    ("$12$", "$\\boxed{\\mathbf{12}}$", "bold number"),
    ("$12$", "$\\boxed{12\\,\\mathrm{m}^2}$", "thin space and a squared unit"),
    ("$12$", "$\\boxed{\\text{12 apples}}$", "number and noun in text"),
    ("$2.5$", "$\\boxed{2.50}$", "trailing zero"),
    ("$\\frac{\\pi}{2}$", "$\\boxed{\\frac12\\pi}$", "half pi"),
    ("$\\pi^2$", "$\\boxed{9.869604}$", "pi squared to 6 decimals"),
    ("$-\\frac{1}{2}$", "$\\boxed{-0.5}$", "negative half"),
    ("$\\frac{\\sqrt{2}}{2}$", "$\\boxed{\\sqrt2/2}$", "radical over two with a slash"),
    ("$1234567$", "$\\boxed{1{,}234{,}567}$", "braced commas, millions"),
    ("$0.625$", "$\\boxed{\\displaystyle \\frac{5}{8}}$", "displaystyle"),
    ("$\\text{(C)}$", "$\\boxed{\\textbf{(C)}}$", "bold choice"),
    ("$\\text{odd}$", "$\\boxed{\\text{Odd}}$", "word case"),
    ("$2, 3$", "$\\boxed{2 \\text{ and } 3}$", "and in text"),
    ("$\\frac{5}{3}$", "$\\boxed{\\frac{5}{3}\\text{ hours}}$", "fraction with a unit"),
    ("$7$", "$\\boxed{7\\text{th}}$", "ordinal suffix"),
]

SYMBOLIC = [
    # trigonometry
    ("$\\csc^2 t$", "$\\boxed{1 + \\cot^2 t}$", "csc^2 = 1 + cot^2, bare arguments",
     "dispo reads `\\csc^2 t` as csc(t)^2 (math-verify's parser fails on a power of a function with a bare argument)"),
    ("$\\csc^2(t)$", "$\\boxed{1 + \\cot^2(t)}$", "csc^2 = 1 + cot^2"),
    ("$\\sec^2(y)$", "$\\boxed{\\tan^2(y) + 1}$", "sec^2 = tan^2 + 1"),
    ("$\\sin(2x)$", "$\\boxed{2\\sin(x)\\cos(x)}$", "double angle"),
    ("$\\sin(2x)$", "$\\boxed{2\\sin(x)}$", "double angle, wrong"),
    ("$\\cos(2x)$", "$\\boxed{1 - 2\\sin^2(x)}$", "cosine double angle"),
    ("$\\cos(2x)$", "$\\boxed{2\\sin^2(x) - 1}$", "cosine double angle, sign"),
    ("$\\tan x$", "$\\boxed{\\frac{\\sin x}{\\cos x}}$", "tangent as a quotient"),
    ("$1$", "$\\boxed{\\sin^2 x + \\cos^2 x}$", "Pythagorean identity as an answer"),
    ("$\\sin(a+b)$", "$\\boxed{\\sin a \\cos b + \\cos a \\sin b}$", "sum formula"),
    ("$\\sin(a+b)$", "$\\boxed{\\sin a \\cos b - \\cos a \\sin b}$", "sum formula, sign"),
    ("$\\frac{\\sqrt{3}}{2}$", "$\\boxed{\\sin 60^\\circ}$", "degrees inside a function are not converted"),
    ("$\\frac{1}{2}$", "$\\boxed{\\cos\\frac{\\pi}{3}}$", "cosine at pi/3"),
    # radicals
    ("$2\\sqrt{3}$", "$\\boxed{\\sqrt{12}}$", "sqrt 12"),
    ("$2\\sqrt{3}$", "$\\boxed{\\sqrt{13}}$", "sqrt 13"),
    ("$\\frac{\\sqrt{2}}{2}$", "$\\boxed{\\frac{1}{\\sqrt{2}}}$", "rationalised"),
    ("$3\\sqrt{2}$", "$\\boxed{\\sqrt{18}}$", "sqrt 18"),
    ("$\\sqrt{2} + \\sqrt{8}$", "$\\boxed{3\\sqrt{2}}$", "sum of radicals"),
    ("$\\sqrt{2} + \\sqrt{8}$", "$\\boxed{\\sqrt{10}}$", "sum of radicals, wrong"),
    ("$\\frac{1+\\sqrt{5}}{2}$", "$\\boxed{\\frac{1}{2} + \\frac{\\sqrt{5}}{2}}$", "golden ratio split"),
    ("$\\frac{1+\\sqrt{5}}{2}$", "$\\boxed{\\frac{1-\\sqrt{5}}{2}}$", "conjugate"),
    ("$\\sqrt{x^2}$", "$\\boxed{|x|}$", "sqrt of a square"),
    ("$\\frac{2}{\\sqrt{3}-1}$", "$\\boxed{\\sqrt{3}+1}$", "rationalised denominator"),
    ("$\\sqrt[3]{16}$", "$\\boxed{2\\sqrt[3]{2}}$", "cube root simplified"),
    # polynomials and rational functions
    ("$x^2 + 2x + 1$", "$\\boxed{(x+1)^2}$", "perfect square"),
    ("$x^2 + 2x + 1$", "$\\boxed{(x+1)(x-1)}$", "wrong factoring"),
    ("$x^3 - 1$", "$\\boxed{(x-1)(x^2+x+1)}$", "difference of cubes"),
    ("$x^3 - 1$", "$\\boxed{(x-1)(x^2+x-1)}$", "difference of cubes, wrong"),
    ("$(a+b)^2$", "$\\boxed{a^2 + 2ab + b^2}$", "binomial square"),
    ("$(a+b)^2$", "$\\boxed{a^2 + b^2}$", "freshman's dream"),
    ("$x^2 - 5x + 6$", "$\\boxed{(x-2)(x-3)}$", "quadratic factored"),
    ("$x^2 - 5x + 6$", "$\\boxed{(x+2)(x+3)}$", "quadratic factored, signs"),
    ("$\\frac{x^2-1}{x-1}$", "$\\boxed{x+1}$", "cancelled fraction"),
    ("$\\frac{x+2}{7}$", "$\\boxed{\\frac{x}{7} + \\frac{2}{7}}$", "split fraction"),
    ("$\\frac{1}{x} + \\frac{1}{y}$", "$\\boxed{\\frac{x+y}{xy}}$", "common denominator"),
    ("$\\frac{1}{x} + \\frac{1}{y}$", "$\\boxed{\\frac{2}{x+y}}$", "common denominator, wrong"),
    ("$2x(x+3)$", "$\\boxed{2x^2 + 6x}$", "expanded product"),
    ("$3(n+1)$", "$\\boxed{3n+3}$", "distributed constant"),
    ("$3(n+1)$", "$\\boxed{3n+1}$", "distributed constant, wrong"),
    ("$ab$", "$\\boxed{ba}$", "commuted product"),
    ("$x^2 y$", "$\\boxed{y x^2}$", "commuted monomial"),
    ("$6x^5 - 4x^3$", "$\\boxed{2x^3(3x^2-2)}$", "common factor"),
    ("$(x-1)^3$", "$\\boxed{x^3 - 3x^2 + 3x - 1}$", "cube expanded"),
    ("$(x-1)^3$", "$\\boxed{x^3 - 3x^2 - 3x - 1}$", "cube expanded, sign"),
    ("$x^{1/2}$", "$\\boxed{\\sqrt{x}}$", "fractional power"),
    ("$x^{-1}$", "$\\boxed{\\frac{1}{x}}$", "negative power"),
    # logarithms and exponentials
    ("$\\ln 8$", "$\\boxed{3\\ln 2}$", "log of a power"),
    ("$\\ln 8$", "$\\boxed{2\\ln 3}$", "log of a power, wrong"),
    ("$\\log_2 32$", "$\\boxed{5}$", "log base two"),
    ("$e^{2x}$", "$\\boxed{(e^x)^2}$", "exponential squared"),
    ("$e^{x+1}$", "$\\boxed{e \\cdot e^x}$", "exponential product"),
    ("$\\ln(xy)$", "$\\boxed{\\ln x + \\ln y}$", "log of a product"),
    ("$2^{10}$", "$\\boxed{1024}$", "power evaluated"),
    ("$\\log_{10} 1000$", "$\\boxed{3}$", "log base ten"),
    # constants and mixed
    ("$\\frac{9}{4}\\pi$", "$\\boxed{\\frac94\\pi}$", "pi coefficient shorthand"),
    ("$\\frac{\\pi r}{h+r}$", "$\\boxed{\\frac{r\\pi}{r+h}}$", "reordered quotient"),
    ("$\\frac{\\pi r}{h+r}$", "$\\boxed{\\frac{h\\pi}{r+h}}$", "reordered quotient, wrong"),
    ("$2 \\sin b \\cos a$", "$\\boxed{2\\cos a \\sin b}$", "commuted trig product"),
    ("$\\frac{14}{3}$", "$\\boxed{4 + \\frac{2}{3}}$", "sum to a fraction"),
    ("$3!$", "$\\boxed{6}$", "factorial"),
    ("$\\binom{6}{2}$", "$\\boxed{15}$", "binomial coefficient"),
    ("$\\binom{6}{2}$", "$\\boxed{30}$", "binomial coefficient, wrong"),
    ("$|{-5}|$", "$\\boxed{5}$", "absolute value"),
    ("$1 + i$", "$\\boxed{i + 1}$", "complex reordered"),
    ("$(1+i)^2$", "$\\boxed{2i}$", "complex square",
     "`i` is the imaginary unit wherever it stands alone (math-verify treats it as a variable in `2i`)"),
    ("$(1+i)^2$", "$\\boxed{2}$", "complex square, wrong"),
    ("$\\frac{x}{x^2 - 1}$", "$\\boxed{\\frac{x}{(x-1)(x+1)}}$", "factored denominator"),
    ("$\\sqrt{50}$", "$\\boxed{5\\sqrt2}$", "sqrt 50"),
    ("$\\frac{3}{\\sqrt{3}}$", "$\\boxed{\\sqrt3}$", "three over root three"),
    ("$\\cos^2 x - \\sin^2 x$", "$\\boxed{\\cos 2x}$", "double angle, bare argument"),
    ("$\\tan^2 x + 1$", "$\\boxed{\\sec^2 x}$", "tan^2 + 1, bare argument"),
    ("$\\log_3 81$", "$\\boxed{4}$", "log base three"),
    ("$e^{\\ln 5}$", "$\\boxed{5}$", "exp of a log"),
    ("$\\ln e^2$", "$\\boxed{2}$", "log of a power of e"),
    ("$2^{x+1}$", "$\\boxed{2 \\cdot 2^x}$", "power split"),
    ("$(x+2)(x-2)$", "$\\boxed{x^2-4}$", "difference of squares"),
    ("$(x+2)(x-2)$", "$\\boxed{x^2+4}$", "difference of squares, sign"),
    ("$x(x+1)(x+2)$", "$\\boxed{x^3+3x^2+2x}$", "triple product expanded"),
    ("$\\frac{n(n+1)}{2}$", "$\\boxed{\\frac{n^2+n}{2}}$", "triangular numbers"),
    ("$\\frac{n(n+1)}{2}$", "$\\boxed{\\frac{n^2+1}{2}}$", "triangular numbers, wrong"),
    ("$4\\pi r^2$", "$\\boxed{4r^2\\pi}$", "sphere area reordered"),
    ("$\\frac{4}{3}\\pi r^3$", "$\\boxed{\\frac{4\\pi r^3}{3}}$", "sphere volume"),
    ("$a^2 - b^2$", "$\\boxed{(a-b)(a+b)}$", "factored difference"),
    ("$\\sqrt{ab}$", "$\\boxed{\\sqrt{a}\\sqrt{b}}$", "product of roots (not for negatives)"),
    ("$\\frac{1}{1-x}$", "$\\boxed{-\\frac{1}{x-1}}$", "sign moved"),
    ("$\\sin(\\pi - x)$", "$\\boxed{\\sin x}$", "supplementary angle"),
    ("$\\cos(\\frac{\\pi}{2} - x)$", "$\\boxed{\\sin x}$", "complementary angle"),
    ("$i^2$", "$\\boxed{-1}$", "i squared",
     "`i` is the imaginary unit (math-verify compares `i^2` with -1 as a variable)"),
    ("$|3-4i|$", "$\\boxed{5}$", "modulus",
     "`i` is the imaginary unit, so |3-4i| = 5 (math-verify leaves it unevaluated)"),
    ("$\\binom{10}{3}$", "$\\boxed{120}$", "binomial ten three"),
    ("$3^{-2}$", "$\\boxed{\\frac19}$", "negative power of three"),
    ("$\\sqrt[4]{81}$", "$\\boxed{3}$", "fourth root"),
    ("$8^{2/3}$", "$\\boxed{4}$", "fractional power of eight"),
    ("$\\frac{\\sqrt{6}}{3}$", "$\\boxed{\\sqrt{\\frac{2}{3}}}$", "root of a fraction"),
]

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


KINDS = [("extraction", EXTRACTION), ("structure", STRUCTURE), ("notation", NOTATION), ("symbolic", SYMBOLIC)]


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
