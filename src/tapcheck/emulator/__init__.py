"""Local emulator: moto extended with this project's CloudFormation models, plus real PostgreSQL.

Rooms: control.py starts and stops the server process (server.py), whose API answers only its own
credentials (api_guard.py); resources/ holds the emulated AWS resources and the state they own,
stacks/ runs stacks as CloudFormation does, and moto_patches/ is every change to moto, in one
recorded list. pgcluster.py, failover.py, netns.py and processes.py are the data plane (no moto);
parameters.py, capabilities.py and rds_offerings.py are AWS's rules as data and pure functions.
"""
