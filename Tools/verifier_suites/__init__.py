# The case lists of Tools/make_verifier_suites.py, one module per kind.
