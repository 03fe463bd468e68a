"""Deploy and probe: deploy a template to a target (the local emulator or AWS), probe
the live stack's control plane (boto3) and data plane (psycopg), destroy it.

Nothing heavy is imported here: boto3, psycopg and moto load inside the functions that
need them, so `tapcheck check` stays fast.
"""
