# Writes grading-pairs.jsonl next to this script: (response, gold, correct, note) rows for the verifier tests.
# Written by hand from the documented behaviour of the reference graders (math-verify's README, the Qwen2.5-Math
# grader's normalisation and percent/choice/matrix handling, verl math_dapo's Minerva normaliser and `Answer:`
# extraction) and from the MATH-500 gold answers' forms. Each answer pair is wrapped in three response styles.
# Re-run after editing: python3 Tests/DispoVerifierTests/Fixtures/make_grading_pairs.py
import json
import os
T, F = True, False
core = [
 # numbers: AIME leading zeros, AMC decimals, GSM8K thousands separators
 ("25","025",T,"aime leading zeros"),("025","25",T,"aime leading zeros"),("250","025",F,"aime"),
 ("27","27.0",T,"amc trailing .0"),("27.0","27",T,"trailing .0"),("27.5","27",F,"decimal differs"),
 ("1000","1,000",T,"gsm8k thousands"),("1,000","1000",T,"thousands"),("1{,}000","1000",T,"latex thousands"),
 ("1,001","1000",F,"thousands differ"),("10,080","10,\\!080",T,"math500 thin space"),("10080","10,\\!080",T,"math500"),
 ("11111111100","11,\\! 111,\\! 111,\\! 100",T,"math500"),("32348","\\$32,\\!348",T,"currency"),
 ("\\$32,348","\\$32,\\!348",T,"currency"),("\\$18.90","\\$18.90",T,"currency"),("18.9","\\$18.90",T,"currency decimals"),
 ("18.09","\\$18.90",F,"currency"),("$36","\\$36",T,"dollar sign"),("36 dollars","\\$36",T,"unit word"),
 ("0.5","\\frac{1}{2}",T,"fraction vs decimal"),("\\frac{1}{2}","0.5",T,"fraction vs decimal"),("1/2","\\frac12",T,"a/b"),
 ("\\dfrac{1}{2}","\\frac{1}{2}",T,"dfrac"),("\\tfrac{3}{4}","\\frac34",T,"tfrac shorthand"),("\\frac{6}{8}","\\frac{3}{4}",T,"unreduced"),
 ("0.75","\\frac 34",T,"spaced shorthand"),("\\frac{3}{4}","\\frac{4}{3}",F,"inverted"),("0.3333","\\frac{1}{3}",F,"too coarse for 1e-6"),
 ("0.3333333333","\\frac{1}{3}",T,"within 1e-6"),("\\frac{17}{50}","\\dfrac{17}{50}",T,"dfrac gold"),("0.34","\\dfrac{17}{50}",T,"decimal"),
 ("\\frac{9}{19}","\\frac9{19}",T,"shorthand numerator"),("\\frac{270}{7}","\\frac{270}7\\text{ degrees}",T,"shorthand + unit"),
 ("\\frac{5}{9}","\\frac 59",T,"spaced shorthand"),("\\frac{4}{3}","\\frac43",T,"shorthand"),("\\frac{3}{4}","\\frac43",F,"shorthand inverted"),
 ("50\\%","50",T,"percent"),("50%","0.5",T,"percent as fraction (qwen)"),("50","50\\%",T,"percent gold"),("0.5","50\\%",T,"percent gold as fraction"),
 ("5","50\\%",F,"percent"),("25\\%","20\\%",F,"percent"),
 ("3\\sqrt{13}","3\\sqrt{13}",T,"radical"),("\\sqrt{117}","3\\sqrt{13}",T,"radical value"),("3\\sqrt{12}","6\\sqrt{3}",T,"radical value"),
 ("11\\sqrt{2}","11\\sqrt2",T,"sqrt shorthand"),("11\\sqrt{3}","11\\sqrt2",F,"radical differs"),("\\sqrt{51}","\\sqrt{51}",T,"radical"),
 ("\\sqrt{50}","\\sqrt{51}",F,"radical differs"),("70\\sqrt{2}","70 \\sqrt{2}",T,"space"),("\\frac{\\sqrt{3}}{3}","\\frac{1}{\\sqrt{3}}",T,"rationalised"),
 ("\\frac{3\\sqrt{3}}{4}","\\frac{3\\sqrt{3}}{4}",T,"radical fraction"),("\\frac{3\\sqrt{3}}{2}","\\frac{3\\sqrt{3}}{4}",F,"radical fraction"),
 ("\\sqrt[3]{8}","2",T,"cube root"),("2\\sqrt{5}","2 \\sqrt{5}",T,"space"),
 ("\\pi","\\pi",T,"pi"),("3.14159265358979","\\pi",T,"pi decimal"),("3.14","\\pi",F,"pi too coarse"),("288\\pi","288 \\pi",T,"k pi"),
 ("2\\pi+18","18+2\\pi",T,"reordered sum"),("18+2\\pi","18+2\\pi",T,"sum"),("18+3\\pi","18+2\\pi",F,"sum differs"),
 ("-\\frac{\\pi}{6}","-\\frac{\\pi}{6}",T,"negative pi fraction"),("-\\pi/6","-\\frac{\\pi}{6}",T,"a/b with pi"),
 ("\\frac{\\pi}{6}","-\\frac{\\pi}{6}",F,"sign"),("\\frac{20000}{\\pi}","\\frac{20000}{\\pi}",T,"pi denominator"),("7\\pi","7\\pi",T,"pi"),
 ("12\\pi","7\\pi",F,"pi multiple"),("π","\\pi",T,"unicode pi"),("2π","2\\pi",T,"unicode pi"),
 ("1\\frac{4}{5}","1\\frac{4}{5}",T,"mixed number"),("1.8","1\\frac{4}{5}",T,"mixed number value"),("\\frac{9}{5}","1\\frac{4}{5}",T,"mixed number value"),
 ("\\frac{4}{5}","1\\frac{4}{5}",F,"mixed number"),("137.5","137 \\frac{1}{2}",T,"mixed number"),("\\frac{275}{2}","137 \\frac{1}{2}",T,"mixed number"),
 ("-2","-2",T,"negative"),("2","-2",F,"sign"),("−2","-2",T,"unicode minus"),("-50","-50",T,"negative"),
 (".0000672",".0000672",T,"leading dot"),("0.0000672",".0000672",T,"leading zero"),("6.72\\times10^{-5}",".0000672",T,"scientific"),
 ("0.000067",".0000672",F,"rounded"),(".35625",".35625",T,"decimal"),("0.35625",".35625",T,"decimal"),("0.3562",".35625",F,"decimal"),
 ("2^{10}","1024",T,"power"),("1024","2^{10}",T,"power"),("2.50","2.5",T,"trailing zero"),("4","4.0001",F,"close but not 1e-6"),
 ("11111111101","11,\\! 111,\\! 111,\\! 100",F,"large integers compare exactly"),("-0","0",T,"negative zero"),
 ("100000000000000000001","100000000000000000000",F,"integers beyond double precision"),("9","6",F,"different"),("42","24",F,"different"),("1000","100",F,"different"),("0","0",T,"zero"),("0","0.0",T,"zero"),("0","1",F,"zero"),
 # degrees and units
 ("90","90^\\circ",T,"degrees"),("90^\\circ","90",T,"degrees"),("90^{\\circ}","90^\\circ",T,"degrees"),("90°","90^\\circ",T,"unicode degree"),
 ("90 degrees","90^\\circ",T,"degree word"),("\\text{90 degrees}","90^\\circ",T,"text degrees"),("80^\\circ","90^\\circ",F,"degrees"),
 ("864","864 \\mbox{ inches}^2",T,"mbox unit squared"),("864 \\text{ inches}^2","864 \\mbox{ inches}^2",T,"unit"),("846","864 \\mbox{ inches}^2",F,"unit"),
 ("15","15\\mbox{ cm}^2",T,"cm^2"),("15 cm^2","15\\mbox{ cm}^2",T,"bare unit"),("5.4","5.4 \\text{ cents}",T,"cents"),("5.4 cents","5.4",T,"cents"),
 ("12 \\text{ hours}","12",T,"hours"),("12 mph","12",T,"mph"),("7 feet","7",T,"feet"),("3 \\text{ km}","3",T,"km"),("4 \\text{ m}","4",T,"text m"),
 # equations
 ("x=5","x=5",T,"equation"),("5","x=5",T,"lhs name (qwen)"),("x = 5","5",T,"lhs name"),("y = 5","5",T,"lhs name"),("x=6","x=5",F,"equation"),
 ("2x+3","y = 2x + 3",T,"line rhs"),("y=2x+3","y = 2x + 3",T,"line"),("y = 3x + 2","y = 2x + 3",F,"line"),("-2x","y = -2x",T,"line"),
 ("5x-7y+11z+4=0","5x - 7y + 11z + 4 = 0",T,"plane equation"),("0","5x - 7y + 11z + 4 = 0",F,"plane not its rhs"),
 ("k = 2+3 = 5","5",T,"chain"),("(a,b) = (2,3)","(2,3)",T,"tuple of names"),("(a, b) = (3, 2)","(2,3)",F,"tuple of names"),
 ("x_1 = 4","4",T,"subscripted name"),("\\theta = \\frac{\\pi}{3}","\\frac{\\pi}{3}",T,"greek name"),("2+3=5","5",T,"arithmetic chain"),("f(x) = x^2","x^2",T,"function name lhs"),
 # expressions kept as text
 ("x+2n+1","x+1+2n",T,"qwen grader: reordered terms"),("1+x^2","x^2+1",T,"reordered terms"),("x^2-1","1-x^2",F,"terms with signs"),
 ("-5i+6","6-5i",T,"complex reordered"),("a-b","b-a",F,"terms with signs"),("2+2k","2k+2",T,"reordered terms"),("2k+3","2k+2",F,"terms"),
 ("x^{-1}+1","1+x^{-1}",T,"negative exponent is not a term break"),("x^-1+1","1-x^1",F,"negative exponent"),
 ("y=x+1","y = 1+x",T,"line with reordered terms"),("x+1,2","2,x+1",T,"list of sums"),("1\\pm x","x\\pm 1",F,"pm is not a sum"),
 ("p-q","p - q",T,"expression"),("q-p","p - q",F,"expression"),("6-5i","6 - 5i",T,"complex"),("6+5i","6 - 5i",F,"complex"),
 ("-2+7i","-2 + 7i",T,"complex"),("x^5-x^4+x^3-x^2+x-1","x^5 - x^4 + x^3 - x^2 + x - 1",T,"polynomial"),
 ("x^5-x^4+x^3-x^2+x+1","x^5 - x^4 + x^3 - x^2 + x - 1",F,"polynomial"),("\\cot x","\\cot x",T,"function"),("\\tan x","\\cot x",F,"function"),
 ("52_8","52_8",T,"base"),("4210_5","4210_{5}",T,"base braces"),("4210_6","4210_{5}",F,"base"),("2k+2","2k+2",T,"expression"),
 ("2k+1","2k+2",F,"expression"),("(a+5)(b+2)","(a+5)(b+2)",T,"factored"),("3R^2","3R^2",T,"expression"),("6r^2-4r-24","6r^2-4r-24",T,"poly"),
 ("8n^2+4n+1","8n^2 + 4n + 1",T,"poly"),("-13x+3","-13x+3",T,"poly"),("15x-80","15x - 80",T,"poly"),
 # words
 ("\\text{Evelyn}","\\text{Evelyn}",T,"name"),("Evelyn","\\text{Evelyn}",T,"name unwrapped"),("evelyn","\\text{Evelyn}",T,"name case"),
 ("Navin","\\text{Evelyn}",F,"name"),("\\text{east}","\\text{east}",T,"word"),("East","\\text{east}",T,"word case"),("west","\\text{east}",F,"word"),
 ("even","\\text{even}",T,"word"),("odd","\\text{even}",F,"word"),("\\text{ellipse}","\\text{ellipse}",T,"word"),("parabola","\\text{ellipse}",F,"word"),
 # plus-minus
 ("1\\pm\\sqrt{19}","1 \\pm \\sqrt{19}",T,"pm"),("1+\\sqrt{19}, 1-\\sqrt{19}","1 \\pm \\sqrt{19}",T,"pm expanded"),
 ("1-\\sqrt{19},1+\\sqrt{19}","1 \\pm \\sqrt{19}",T,"pm expanded reordered"),("1+\\sqrt{19}","1 \\pm \\sqrt{19}",F,"pm half"),
 ("3\\pm2\\sqrt{2}","3 \\pm 2 \\sqrt{2}",T,"pm"),
 # tuples and intervals
 ("(3, \\frac{\\pi}{2})","\\left( 3, \\frac{\\pi}{2} \\right)",T,"polar point"),("\\left(3,\\frac{\\pi}{2}\\right)","\\left( 3, \\frac{\\pi}{2} \\right)",T,"left right"),
 ("(3, 1.5707963267949)","\\left( 3, \\frac{\\pi}{2} \\right)",T,"tuple numeric"),("(\\frac{\\pi}{2}, 3)","\\left( 3, \\frac{\\pi}{2} \\right)",F,"tuple order"),
 ("(3, \\pi)","\\left( 3, \\frac{\\pi}{2} \\right)",F,"tuple element"),("(6,31,-1)","(6,31,-1)",T,"triple"),("(6, 31, -1)","(6,31,-1)",T,"triple spaces"),
 ("(6,-1,31)","(6,31,-1)",F,"tuple order"),("6,31,-1","(6,31,-1)",T,"bare list as tuple"),("(6,31)","(6,31,-1)",F,"tuple length"),
 ("(-2,1)","(-2,1)",T,"pair"),("(1,-2)","(-2,1)",F,"pair order"),("(15,-29)","(15,-29)",T,"pair"),("(8,-2)","(8,-2)",T,"pair"),
 ("(3,4]","(3,4]",T,"half-open"),("(3,4)","(3,4]",F,"interval end"),("[3,4]","(3,4]",F,"interval start"),
 ("(2,\\infty)","(2,\\infty)",T,"infinite"),("(2, ∞)","(2,\\infty)",T,"unicode infinity"),("[2,\\infty)","(2,\\infty)",F,"closed start"),
 ("(-\\infty,0]","(-\\infty, 0]",T,"infinite"),("(-\\infty,0)","(-\\infty, 0]",F,"end"),("(5,\\infty)","(5,\\infty)",T,"interval"),
 ("(0,9)\\cup(9,36)","(0,9) \\cup (9,36)",T,"union"),("(9,36)\\cup(0,9)","(0,9) \\cup (9,36)",T,"union order-free"),("(0,36)","(0,9) \\cup (9,36)",F,"union"),
 ("(-\\infty, 2) \\cup (3, \\infty)","(-\\infty, 2) \\cup (3, \\infty)",T,"union"),("(-\\infty, 2] \\cup (3, \\infty)","(-\\infty, 2) \\cup (3, \\infty)",F,"union end"),
 ("(2,12)\\cup(12,102)","(2,12) \\cup (12,102)",T,"union"),("[-2,7]","x \\in [-2,7]",T,"x in"),("x\\in[-2,7]","x \\in [-2,7]",T,"x in"),
 ("[-2,7)","x \\in [-2,7]",F,"x in end"),("\\left(\\frac{3}{5},\\frac{8}{3}\\right]","\\left(\\frac{3}{5},\\frac{8}{3}\\right]",T,"interval fractions"),
 ("(0.6, \\frac{8}{3}]","\\left(\\frac{3}{5},\\frac{8}{3}\\right]",T,"interval numeric"),("\\left[ \\frac{\\pi^2}{8}, \\frac{5 \\pi^2}{4} \\right]","\\left[ \\frac{\\pi^2}{8}, \\frac{5 \\pi^2}{4} \\right]",T,"interval pi"),
 ("(-\\sqrt{3}, \\sqrt{3})","(-\\sqrt{3}, \\sqrt{3})",T,"interval radicals"),("(1,-16,-4,43)","(1,-16,-4,43)",T,"quadruple"),("(1,-16,-4,42)","(1,-16,-4,43)",F,"quadruple"),
 ("(1.5,-13)","\\left( \\frac{3}{2}, -13 \\right)",T,"tuple numeric"),("(2,4)","(2,4)",T,"pair"),("(2,3)","(2,4)",F,"pair"),
 # sets and lists
 ("3, 5, 7","3, 5, 7",T,"list"),("7, 5, 3","3, 5, 7",T,"list order-free"),("3,5","3, 5, 7",F,"list short"),("3,5,8","3, 5, 7",F,"list element"),
 ("1,-2","1,-2",T,"list"),("-2,1","1,-2",T,"list order-free"),("-2, 1","-2,1",T,"list"),("\\{1,-2\\}","1,-2",T,"set vs list"),
 ("\\{1\\pm\\sqrt{5},-2\\}","\\{1\\pm\\sqrt{5},-2\\}",T,"set"),("-2, 1+\\sqrt{5}, 1-\\sqrt{5}","\\{1\\pm\\sqrt{5},-2\\}",T,"set expanded"),
 ("\\{-2, 1+\\sqrt5, 1-\\sqrt5\\}","\\{1\\pm\\sqrt{5},-2\\}",T,"set expanded shorthand"),("\\{-2, 1+\\sqrt5\\}","\\{1\\pm\\sqrt{5},-2\\}",F,"set missing"),
 ("\\{1,2,3\\}","\\{3,2,1\\}",T,"set order"),("\\{1,2\\}","\\{1,2,3\\}",F,"set size"),
 # multiple choice
 ("(C)","\\text{(C)}",T,"choice"),("C","\\text{(C)}",T,"choice letter"),("\\textbf{(C)}","\\text{(C)}",T,"choice bold"),
 ("\\text{(C)}","\\text{(C)}",T,"choice"),("(B)","\\text{(C)}",F,"choice"),("(C) 27","\\text{(C)}",T,"choice with value"),
 ("\\textbf{(E)}","\\text{(E)}",T,"choice"),("D","\\text{(E)}",F,"choice"),("(b)","\\text{(B)}",T,"choice lower"),("B","B",T,"choice"),
 # reference-grader behaviours: math-verify set union, Qwen matrix-as-list, infinity spelling, percent forms
 ("\\{1,2,3,4\\}","\\{1,3\\} \\cup \\{2,4\\}",T,"math-verify README: union of sets"),
 ("\\{1,2,3\\}","\\{1,3\\} \\cup \\{2,4\\}",F,"union of sets, one missing"),
 ("(2, infinity)","(2,\\infty)",T,"qwen: infinity spelled out"),("[1, 2, 3]","\\begin{pmatrix} 1 \\\\ 2 \\\\ 3 \\end{pmatrix}",T,"qwen: vector as list"),
 ("(-7, 16, 5)","\\begin{pmatrix} -7 \\\\ 16 \\\\ 5 \\end{pmatrix}",T,"vector as tuple"),("(-7, 16, 6)","\\begin{pmatrix} -7 \\\\ 16 \\\\ 5 \\end{pmatrix}",F,"vector as tuple"),
 ("12.5\\%","0.125",T,"qwen: percent of reference"),("12.5","12.5\\%",T,"qwen: percent"),("1.25","12.5\\%",F,"percent off by 10"),
 ("(1,2)","[1,2]",F,"bracket kinds differ"),("\\frac{1}{2}","\\frac{1}{2}x",F,"coefficient vs term"),("2","2x",F,"number vs term"),
 ("x","x=5",F,"variable is not the value"),("5\\sqrt{2}","\\sqrt{50}",T,"radical value"),("\\sqrt{2}/2","\\frac{\\sqrt{2}}{2}",T,"a/b radical"),
 ("0.7071067811865476","\\frac{\\sqrt{2}}{2}",T,"radical decimal"),("0.7071","\\frac{\\sqrt{2}}{2}",F,"radical decimal too coarse"),
 # matrices
 ("\\begin{pmatrix} -1/3 \\\\ 2/3 \\\\ 5/3 \\end{pmatrix}","\\begin{pmatrix} -1/3 \\\\ 2/3 \\\\ 5/3 \\end{pmatrix}",T,"vector"),
 ("\\begin{pmatrix} -\\frac{1}{3} \\\\ \\frac{2}{3} \\\\ \\frac{5}{3} \\end{pmatrix}","\\begin{pmatrix} -1/3 \\\\ 2/3 \\\\ 5/3 \\end{pmatrix}",T,"vector fractions"),
 ("\\begin{pmatrix} 1/3 \\\\ 2/3 \\\\ 5/3 \\end{pmatrix}","\\begin{pmatrix} -1/3 \\\\ 2/3 \\\\ 5/3 \\end{pmatrix}",F,"vector sign"),
 ("\\begin{pmatrix} -1 & 0 \\\\ 0 & -1 \\end{pmatrix}","\\begin{pmatrix} -1 & 0 \\\\ 0 & -1 \\end{pmatrix}",T,"matrix"),
 ("\\begin{bmatrix} -1 & 0 \\\\ 0 & -1 \\end{bmatrix}","\\begin{pmatrix} -1 & 0 \\\\ 0 & -1 \\end{pmatrix}",T,"matrix env"),
 ("\\begin{pmatrix} -1 & 0 \\\\ 0 & 1 \\end{pmatrix}","\\begin{pmatrix} -1 & 0 \\\\ 0 & -1 \\end{pmatrix}",F,"matrix entry"),
]
wrappers = [
 ("boxed", "Let me work through this step by step.\nAfter simplifying, we obtain the result.\nTherefore, the final answer is $\\boxed{%s}$."),
 ("answer-line", "We compute carefully and check the result.\n\nAnswer: %s"),
 ("the-answer-is", "Putting it together, the answer is $%s$."),
]
rows = []
for pred, gold, ok, note in core:
    for name, w in wrappers:
        if name == "the-answer-is" and "$" in pred: continue
        rows.append({"response": w % pred, "gold": gold, "correct": ok, "note": f"{note} ({name})"})
extra = [
 ("Answer: 42","42",T,"dapo answer line"),("answer : 42","42",T,"dapo case and space before colon"),("**Answer:** 42","42",T,"markdown answer"),
 ("Answer:\n42","42",T,"answer on next line (\\s* crosses newline)"),("Answer: $\\frac{1}{2}$","0.5",T,"answer line with math"),
 ("Answer: 3\nchecking...\nAnswer: 4","4",T,"last answer line wins"),("Answer: 3\nchecking...\nAnswer: 4","3",F,"last answer line wins"),
 ("The final answer is $\\boxed{7}$.","7",T,"qwen style"),("First \\boxed{3}, but rechecking gives \\boxed{5}.","5",T,"last box wins"),
 ("First \\boxed{3}, but rechecking gives \\boxed{5}.","3",F,"last box wins"),("\\fbox{12}","12",T,"fbox"),
 ("\\boxed{\\frac{1}{\\sqrt{2}}}","\\frac{\\sqrt2}{2}",T,"nested braces"),("#### 72","72",T,"gsm8k marker"),
 ("She has 3 + 4 = 7 apples.\n#### 7","Janet has 3 + 4 = <<3+4=7>>7 apples.\n#### 7",T,"gsm8k gold solution"),
 ("She has 3 + 4 = 7 apples.\n#### 8","Janet has 3 + 4 = <<3+4=7>>7 apples.\n#### 7",F,"gsm8k gold solution"),
 ("#### 1,234","1234",T,"gsm8k thousands"),("So the answer is 12.","12",T,"answer is, sentence end"),
 ("So the answer is $\\frac{3}{4}$. Done.","\\frac34",T,"answer is with math"),("The answer is 3.5.","3.5",T,"answer is decimal"),
 ("I think it's 5.","5",T,"bare final number, as math-verify reads it"),("","5",F,"empty response"),("\\boxed{","5",F,"unbalanced box"),
 ("\\boxed{4} then \\boxed{5","4",T,"unbalanced last box falls back"),("Answer: 3 is my guess. Verified: $\\boxed{4}$","4",T,"box after answer line"),
 ("\\boxed{5}\n\nAnswer: 4","4",T,"answer line after box"),("The answer is \\boxed{5}","5",T,"box inside answer-is"),
 ("\\boxed{\\{1,2\\}}","\\{1,2\\}",T,"escaped braces in box"),("\\boxed 5","5",T,"boxed without braces"),("\\boxed{}","5",F,"empty box"),
 ("\\boxed{ }","0",F,"blank box"),("Answer: \\boxed{17}","17",T,"answer line with box"),("The answer: 9","9",T,"answer colon"),
 ("so \\boxed{x = 5}","5",T,"equation in box"),("\\boxed{\\text{(C)}}","C",T,"choice gold letter"),
 ("The final answer is $\\boxed{\\$18.90}$","\\$18.90",T,"escaped dollar in box"),("$\\boxed{90^\\circ}$","90",T,"degrees in box"),
 ("\\boxed{5}","",F,"empty gold"),("\\boxedx{5}","5",F,"not a box command"),("Therefore \\boxed{-\\frac{35}{9}}","-\\frac{35}{9}",T,"negative fraction"),
 ("Therefore \\boxed{\\frac{-35}{9}}","-\\frac{35}{9}",T,"sign inside fraction"),("Therefore \\boxed{\\frac{35}{9}}","-\\frac{35}{9}",F,"sign"),
 ("Answer: The answer is 5","5",F,"math_dapo takes the whole answer line"),("\\boxed{1} or \\boxed{2}","1",F,"only the last box counts"),
 ("The answer is 5 and then \\boxed{6}","5",F,"box preferred over the answer is"),("Answer:    ","5",F,"empty answer line"),
 ("#### 1,000,000","1000000",T,"gsm8k millions"),("#### -5","-5",T,"gsm8k negative"),("Answer: 025","25",T,"aime answer line"),
 ("So $x = \\boxed{44}$. We check our answer: $17 \\cdot 44 = 748$.","44",T,"answer label inside a sentence is not an answer line"),
 ("Let me verify the answer: it works.\n\\boxed{12}","12",T,"answer label mid-line"),
 ("## Final Answer: 12","12",T,"markdown heading answer line"),("The final answer: 12","12",T,"the final answer line"),
 ("> Answer: 12","12",T,"quoted answer line"),("the answer: 12","12",T,"the answer line"),
]
for resp, gold, ok, note in extra:
    rows.append({"response": resp, "gold": gold, "correct": ok, "note": note})
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "grading-pairs.jsonl"), "w") as f:
    for r in rows: f.write(json.dumps(r, ensure_ascii=False) + "\n")
print(len(rows), sum(r["correct"] for r in rows))
