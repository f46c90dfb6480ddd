"""Org tree (组织机构): district → town/subdistrict → village/community → grid."""

from yibiaotong.orgunits.csvio import read_csv, write_csv
from yibiaotong.orgunits.store import load_tree, save_tree, subtree_codes
from yibiaotong.orgunits.tree import GRASSROOTS, KINDS, OrgTree, OrgUnit

__all__ = ["GRASSROOTS", "KINDS", "OrgTree", "OrgUnit", "load_tree", "read_csv", "save_tree", "subtree_codes", "write_csv"]
