"""tapcheck: a compliance gate and test suite for the TapStack Aurora CloudFormation template."""

__version__ = "0.1.0"

# The template every command reads when none is named (`check`, `score`, `deploy`, the integration suite).
DEFAULT_TEMPLATE = "lib/TapStack.json"
