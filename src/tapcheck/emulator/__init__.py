"""Local emulator: moto extended with this project\x27s CloudFormation models, plus real PostgreSQL."""
