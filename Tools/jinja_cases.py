"""Small templates that exercise the Jinja subset dispo implements, one feature or corner each.

make_chat_template_fixtures.py renders each with transformers' own Jinja environment and records the output
(or that it raised); DispoTokenizersTests replays them. Entries: (name, template, variables). `messages` and
`add_generation_prompt` default to [] and False; `tools` and `documents` are none, as in transformers.
"""

MSGS = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello!", "tool_calls": []}, {"role": "user", "content": "2+2?"}]

JINJA_CASES = [
    # White space: trim_blocks, lstrip_blocks, -, +, comments, newlines.
    ("ws-trim-blocks", "{% if true %}\nyes\n{% endif %}\nafter", {}),
    ("ws-lstrip-blocks", "  {% if true %}\n  x\n  {% endif %}\n  y", {}),
    ("ws-minus-both", "a  \n  {%- if true -%}  \n  b  \n  {%- endif -%}  \n  c", {}),
    ("ws-variable-minus", "a \n {{- 'b' -}} \n c", {}),
    ("ws-variable-keeps-newline", "{{ 'a' }}\nb", {}),
    ("ws-plus-keeps", "x\n  {%+ if true %}y{% endif +%}\nz", {}),
    ("ws-comments", "a {#- c #} b\n  {# c2 #}\nc {# three\nlines #}d", {}),
    ("ws-trailing-newline-dropped", "line\n", {}),
    ("ws-two-trailing-newlines", "line\n\n", {}),
    ("ws-crlf", "a\r\nb\rc{% if true %}\r\nd{% endif %}", {}),
    ("ws-tabs-lstrip", "\t\t{% set x = 1 %}\n\t{{ x }}", {}),
    ("ws-lstrip-not-after-text", "ab {% if true %}c{% endif %}", {}),
    ("ws-raw", "{% raw %}{{ not evaluated }}{% endraw %}", {}),
    # Literals and printing.
    ("print-scalars", "{{ none }} {{ true }} {{ False }} {{ 1 }} {{ -2 }} {{ 1.5 }} {{ 1e-5 }} {{ 2.0 }} {{ 1e16 }}", {}),
    ("print-containers", "{{ [1, 'a', none] }} {{ {'k': 'v', 'n': [true]} }} {{ (1,) }} {{ (1, 2) }} {{ [] }}", {}),
    ("print-repr-quotes", "{{ [\"it's\", 'a\"b', 'x\\ny', 'tab\\t', \"both'\\\"\"] }}", {}),
    ("print-undefined-empty", "[{{ nothing }}]", {}),
    ("string-escapes", "{{ 'a\\tb\\\\c\\q\\x41\\101\\u00e9' }}|{{ \"d\\\"e\" }}|{{ 'f' 'g' }}", {}),
    ("floats", "{{ 0.1 + 0.2 }} {{ 1 / 3 }} {{ 7 / 2 }} {{ 4 / 2 }} {{ 2 ** -1 }} {{ 9.1e15 }} {{ 1.5e300 }} {{ -0.0 }}", {}),
    # Operators.
    ("arithmetic", "{{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 7 % -3 }} {{ 2 ** 10 }} {{ 2 ** 3 ** 2 }} {{ - 2 ** 2 }} {{ 3.5 // 1 }}", {}),
    ("concat", "{{ 'a' ~ 1 ~ none ~ [1] ~ true }} {{ 'a' + 'b' }} {{ [1] + [2] }} {{ 'ab' * 3 }} {{ [0] * 2 }}", {}),
    ("add-str-int-fails", "{{ 'a' + 1 }}", {}),
    ("division-by-zero-fails", "{{ 1 / 0 }}", {}),
    ("compare", "{{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ 'a' < 'b' }} {{ [1, 2] < [1, 3] }} {{ 1 == 1.0 }} {{ 1 == true }} {{ 'é' == 'e\\u0301' }}", {}),
    ("compare-mixed-fails", "{{ 3 > 'a' }}", {}),
    ("logic-returns-operands", "{{ 0 or 'x' }} {{ '' and 'y' }} {{ 'a' and 'b' }} {{ none or [] }} {{ not 0 }} {{ not 1 == 2 }}", {}),
    ("in-operator", "{{ 'b' in 'abc' }} {{ 'z' not in 'abc' }} {{ 2 in [1, 2] }} {{ 'k' in {'k': 1} }} {{ 'x' in nothing }}", {}),
    ("conditional-expression", "{{ 'y' if 1 else 'n' }} {{ 'y' if 0 else 'n' }} [{{ 'y' if 0 }}] {{ 'a' if 0 else 'b' if 1 else 'c' }}", {}),
    # Member access, indexing, slicing.
    ("members", "{{ d.a }} {{ d['a'] }} {{ d.missing }}|{{ l[0] }} {{ l[-1] }} {{ l[9] }}|{{ s[1] }} {{ s[-1] }} {{ l.0 }}",
     {"d": {"a": 1}, "l": [1, 2, 3], "s": "xyz"}),
    ("slices", "{{ s[1:] }} {{ s[:-1] }} {{ s[::-1] }} {{ s[::2] }} {{ l[1:3] }} {{ l[5:] }} {{ s[-5:2] }} {{ l[3:0:-1] }}",
     {"s": "abcdef", "l": [0, 1, 2, 3, 4]}),
    ("undefined-member-fails", "{{ nothing.attr }}", {}),
    ("undefined-add-fails", "{{ nothing + 'x' }}", {}),
    ("undefined-compare-fails", "{{ nothing < 1 }}", {}),
    ("undefined-tests", "{{ nothing is defined }} {{ nothing is undefined }} {{ d.x is defined }} {{ nothing == nothing }} {{ nothing|length }} {{ nothing|trim }}|",
     {"d": {}}),
    ("undefined-iterates-empty", "[{% for x in nothing %}{{ x }}{% endfor %}]", {}),
    # Statements.
    ("if-elif-else", "{% for n in [1, 2, 3] %}{% if n == 1 %}one{% elif n == 2 %}two{% else %}many{% endif %};{% endfor %}", {}),
    ("for-loop-variables", "{% for x in ['a', 'b', 'c'] %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}"
     "{{ loop.first }}{{ loop.last }}{{ loop.length }}[{{ loop.previtem }}|{{ loop.nextitem }}]{% endfor %}", {}),
    ("for-else-and-filter", "{% for x in [1, 2, 3, 4] if x is even %}{{ x }}/{{ loop.length }} {% endfor %}"
     "{% for x in [] %}no{% else %}empty{% endfor %}", {}),
    ("for-unpack-items", "{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}={{ v }};{% endfor %}"
     "{% for (k, v) in [['x', 1]] %}{{ k }}{{ v }}{% endfor %}", {}),
    ("for-string-and-dict", "{% for c in 'ab' %}{{ c }}-{% endfor %}{% for k in {'p': 1, 'q': 2} %}{{ k }}{% endfor %}", {}),
    ("for-nested-loop-depth", "{% for i in [1, 2] %}{% for j in 'ab' %}{{ loop.depth }}{{ loop.index }}{% endfor %}{{ loop.index }};{% endfor %}", {}),
    ("for-scoping", "{% set c = 0 %}{% for i in range(3) %}{{ c }}{% set c = c + 1 %}{{ c }}{% endfor %}|{{ c }}", {}),
    ("for-reassign-loop-variable", "{% for t in [{'function': {'name': 'f'}}, {'name': 'g'}] %}{% if t.function is defined %}"
     "{% set t = t.function %}{% endif %}{{ t.name }}{% endfor %}", {}),
    ("break-continue", "{% for i in range(10) %}{% if i == 1 %}{% continue %}{% endif %}{{ i }}{% if i == 4 %}{% break %}{% endif %}{% endfor %}", {}),
    ("set-at-top-level-inside-if", "{% if true %}{% set y = 5 %}{% endif %}{{ y }}", {}),
    ("set-tuple", "{% set a, b = 1, 'two' %}{{ a }}{{ b }}", {}),
    ("set-block", "{% set x %}a{{ 1 + 1 }}b{% endset %}[{{ x }}]", {}),
    ("namespace", "{% set ns = namespace(total=0, seen=false) %}{% for i in range(4) %}{% set ns.total = ns.total + i %}"
     "{% if i == 2 %}{% set ns.seen = true %}{% endif %}{% endfor %}{{ ns.total }} {{ ns.seen }}", {}),
    ("namespace-from-dict", "{% set ns = namespace({'a': 1}, b=2) %}{{ ns.a }}{{ ns.b }}", {}),
    ("set-attribute-of-non-namespace-fails", "{% set d = {} %}{% set d.x = 1 %}", {}),
    ("macro", "{% macro f(a, b='d') %}[{{ a }}{{ b }}]{% endmacro %}{{ f(1) }}{{ f(1, 2) }}{{ f(1, b=3) }}{{ f(a=4) }}", {}),
    ("macro-sees-top-level", "{% set g = 'G' %}{% macro m() %}{{ g }}{{ messages|length }}{% endmacro %}{{ m() }}",
     {"messages": MSGS}),
    ("generation-block", "{% generation %}gen{% endgeneration %}ok", {}),
    ("raise-exception-fails", "{% if messages|length == 0 %}{{ raise_exception('no messages') }}{% endif %}", {}),
    # Filters.
    ("filter-trim-length", "[{{ '  a b \\n'|trim }}] {{ 'xxaxx'|trim('x') }} {{ 'abc'|length }} {{ [1, 2]|count }} {{ {'a': 1}|length }}", {}),
    ("filter-precedence", "{{ 'x' + ' y '|trim + 'z' }} {{ l|length - 1 }} {{ -3|abs }}", {"l": [1, 2, 3]}),
    ("filter-tojson", "{{ 'x'|tojson }} {{ {'b': 1, 'a': [1, 2.5, none, true]}|tojson }} {{ 'é\\x7f\\n\\u2028\"'|tojson }}", {}),
    ("filter-tojson-options", "{{ {'b': 1, 'a': [1, {}], 'c': []}|tojson(indent=2) }}|{{ [1, 2]|tojson(separators=(',', ':')) }}|"
     "{{ {'b': 1, 'a': 2}|tojson(sort_keys=true) }}|{{ 'é'|tojson(ensure_ascii=true) }}|{{ {'k': [1]}|tojson(indent='\\t') }}", {}),
    ("filter-tojson-undefined-fails", "{{ nothing|tojson }}", {}),
    ("filter-join-list-first-last", "{{ [1, 2, 3]|join(', ') }} {{ 'abc'|list }} {{ [3, 4]|first }} {{ [3, 4]|last }} {{ 'xy'|first }}"
     " {{ messages|map(attribute='role')|join('/') }}", {"messages": MSGS}),
    ("filter-case", "{{ 'Hello World'|lower }} {{ 'abc'|upper }} {{ 'hello wORLD'|capitalize }} {{ 42|string }}", {}),
    ("filter-default", "{{ nothing|default('d') }} {{ ''|default('e') }} {{ ''|default('e', true) }} {{ nothing|d('f') }} {{ nothing|default(none) }}", {}),
    ("filter-int-float", "{{ 1.9|int }} {{ '3'|int }} {{ 'x'|int }} {{ ' 7 '|int }} {{ '2.5'|int }} {{ 2|float }} {{ 'x'|float }}", {}),
    ("filter-replace-reverse", "{{ 'aXbXc'|replace('X', '-') }} {{ 'aXbXc'|replace('X', '-', 1) }} {{ 'abc'|reverse }} {{ [1, 2]|reverse|list }}", {}),
    ("filter-items", "{% for k, v in {'a': 1, 'b': [2]}|items %}{{ k }}:{{ v }} {% endfor %}{{ nothing|items|list }}", {}),
    ("filter-select", "{{ [1, 2, 3, 4]|select('odd')|list }} {{ [0, 1, '', 'a']|select|list }} {{ [1, 2, 3]|reject('even')|list }}", {}),
    ("filter-selectattr", "{{ messages|selectattr('role', 'equalto', 'user')|map(attribute='content')|list }} "
     "{{ messages|rejectattr('role', 'eq', 'user')|list|length }} {{ messages|selectattr('tool_calls', 'defined')|list|length }}",
     {"messages": MSGS}),
    ("filter-map-filter", "{{ ['a', 'b']|map('upper')|join }} {{ [{'a': {'b': 1}}]|map(attribute='a.b')|list }}", {}),
    ("filter-indent", "{{ 'a\\nb\\n\\nc'|indent(2) }}|{{ 'a\\nb'|indent(2, true) }}|{{ 'a\\n\\nb'|indent(3, blank=true) }}|{{ 'x\\ny'|indent }}", {}),
    # Tests.
    ("tests-types", "{{ 'a' is string }} {{ 1 is number }} {{ true is number }} {{ 1 is integer }} {{ true is integer }} "
     "{{ 1.0 is float }} {{ {} is mapping }} {{ [] is iterable }} {{ 'a' is iterable }} {{ 5 is iterable }} "
     "{{ nothing is iterable }} {{ 'a' is sequence }} {{ none is none }} {{ false is false }} {{ 0 is false }} "
     "{{ true is true }} {{ false is boolean }} {{ range is callable }}", {}),
    ("tests-values", "{{ 3 is odd }} {{ 4 is even }} {{ 9 is divisibleby 3 }} {{ 9 is divisibleby(2) }} {{ 'ab' is lower }} "
     "{{ 'AB' is upper }} {{ 1 is eq 1 }} {{ 1 is ne 2 }} {{ 2 is gt 1 }} {{ 2 is ge 2 }} {{ 1 is lt 2 }} {{ 1 is le 0 }} "
     "{{ 'a' is in 'cat' }} {{ none is sameas none }} {{ x is not none }}", {"x": 1}),
    ("tests-negated-in-condition", "{% if x is not defined and y is defined %}ok{% endif %}{% if not x is defined %}!{% endif %}",
     {"y": 1}),
    # Methods.
    ("str-methods", "{{ ' a b '.split() }} {{ 'a,b,,c'.split(',') }} {{ 'a b c'.split(' ', 1) }} {{ 'a b c'.rsplit(' ', 1) }} "
     "{{ '  a  b  '.split(none, 1) }} {{ 'xxaxx'.strip('x') }} [{{ '\\u3000a\\x1c'.strip() }}] [{{ ' x '.lstrip() }}] [{{ ' x '.rstrip() }}]", {}),
    ("str-methods-2", "{{ 'abc'.startswith('ab') }} {{ 'abc'.endswith(('x', 'c')) }} {{ 'Hello'.upper() }} {{ 'Hello'.lower() }} "
     "{{ 'a-b-c'.replace('-', '+') }} {{ 'hello'.find('l') }} {{ 'hello'.rfind('l') }} {{ 'hello'.find('z') }} "
     "{{ 'banana'.count('an') }} {{ ', '.join(['x', 'y']) }} {{ 'a\\r\\nb\\nc'.splitlines() }} {{ 'pre-x'.removeprefix('pre-') }} "
     "{{ 'x.txt'.removesuffix('.txt') }} {{ '123'.isdigit() }} {{ '  '.isspace() }} {{ 'hello wORLD'.capitalize() }}", {}),
    ("str-unicode-positions", "{{ 'héllo'.find('l') }} {{ 'héllo'[1] }} {{ 'héllo'|length }} {{ '日本語'[::-1] }}", {}),
    ("str-qwen3-think-split", "{% set c = '<think>\\nreason\\n</think>\\n\\nanswer' %}"
     "[{{ c.split('</think>')[0].rstrip('\\n').split('<think>')[-1].lstrip('\\n') }}][{{ c.split('</think>')[-1].lstrip('\\n') }}]", {}),
    ("dict-methods", "{{ d.get('a') }} {{ d.get('z') }} {{ d.get('z', 5) }} {{ d.keys()|list }} {{ d.values()|list }} {{ d.items()|list }}",
     {"d": {"a": 1, "b": "x"}}),
    ("globals", "{{ range(3)|list }} {{ range(1, 7, 2)|list }} {{ range(5, 0, -2)|list }} {{ dict(a=1) }} {{ namespace(a=1).a }}"
     " {{ strftime_now is defined }} {{ raise_exception is defined }}", {}),
    ("loop-cycle", "{% for i in range(4) %}{{ loop.cycle('a', 'b', 'c') }}{% endfor %}", {}),
    # A chat-shaped template with typical idioms.
    ("chat-shape", "{%- if messages[0]['role'] == 'system' %}{{- '<s>' + messages[0]['content'] + '\\n' }}"
     "{%- set loop_messages = messages[1:] %}{%- else %}{%- set loop_messages = messages %}{%- endif %}"
     "{%- for message in loop_messages %}{{- '[' + message.role|upper + '] ' + message['content'] | trim }}"
     "{%- if not loop.last %}{{ '\\n' }}{%- endif %}{%- endfor %}{%- if add_generation_prompt %}{{- '\\n[ASSISTANT]' }}{%- endif %}",
     {"messages": MSGS, "add_generation_prompt": True}),
]
