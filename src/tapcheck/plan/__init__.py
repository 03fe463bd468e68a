"""`tapcheck plan`: what an edit of a template does to the stack already running from it.

load two versions (sources) -> resolve both with the same parameter values (tapcheck.model)
-> diff resources, propagating replacement (diff, replacement, schema, values) -> risks per
change (risks, parameter_groups) -> allow explicitly (planner) -> text or JSON (render).
"""
