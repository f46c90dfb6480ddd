"""Users, roles and scope (用户与权限): who may see and change what, where."""

from yibiaotong.access.demo import seed_demo_access
from yibiaotong.access.grants import Grant, all_grants, grants_for, revoke_grant, set_grant
from yibiaotong.access.scope import AccessDenied, LedgerAccess, NotInScope, OrgIndex, Scope
from yibiaotong.access.users import ROLES, User, authenticate, create_user, get_user, list_users, set_password

__all__ = ["ROLES", "AccessDenied", "Grant", "LedgerAccess", "NotInScope", "OrgIndex", "Scope", "User",
           "all_grants", "authenticate", "create_user", "get_user", "grants_for", "list_users", "revoke_grant",
           "seed_demo_access", "set_grant", "set_password"]
