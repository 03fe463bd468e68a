"""tapcheck: a compliance gate and test suite for the TapStack Aurora CloudFormation template."""

__version__ = "0.1.0"
