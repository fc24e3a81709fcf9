"""The check stage: unique URLs in, one ``CheckResult`` each out."""

from linkkeeper.checking.checker import Checker

__all__ = ["Checker"]
