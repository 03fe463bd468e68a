"""Drift after deploy: every value the deployed template sets that an operator can change with one AWS
API call, compared with what AWS reports (table.py is the one table; probe.py turns it into probes).
Live only: the static gate never imports this package."""
