"""Eligibility policies (资格政策): criteria as pack data, checked for one person or household."""

from yibiaotong.rules.policies.check import CriterionResult, Subject, Verdict, check, check_all, resolve_subject
from yibiaotong.rules.policies.definitions import Criterion, Param, PolicyDef, RecordRef, load_policies

__all__ = ["Criterion", "CriterionResult", "Param", "PolicyDef", "RecordRef", "Subject", "Verdict", "check",
           "check_all", "load_policies", "resolve_subject"]
