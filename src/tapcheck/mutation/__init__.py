"""Mutation and equivalence testing of the gate.

- ``operators``: changes that break exactly one requirement (tagged with its id);
- ``rewrites``: changes that keep the meaning (the gate must still pass);
- ``strategies``: hypothesis strategies over both;
- ``evaluate``: run the gate on a mutant or rewrite (fast checks, or the full gate with tools);
- ``score``: ``tapcheck score``, the deterministic mutation score per requirement.
"""
