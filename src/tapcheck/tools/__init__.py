"""Adapters for the external tools the gate runs: cfn-lint in-process, cfn-guard as a subprocess."""
