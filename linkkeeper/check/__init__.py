"""The check stage: unique URLs in, one ``CheckResult`` each out."""

from linkkeeper.check.checker import Checker

__all__ = ["Checker"]
