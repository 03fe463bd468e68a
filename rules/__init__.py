"""The requirement folders: one folder per requirement of the specification.

Each folder holds the requirement's spec sentence, AWS documentation links and values
(requirement.toml), its static checks (checks.py), its cfn-guard rules with their tests,
its live probes (probes.py), its mutation operators (operators.py) and its passing and
failing examples (examples.py). tapcheck.requirements.registry discovers them; see README.md.
"""
