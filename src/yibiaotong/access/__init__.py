"""Users, roles and scope (用户与权限): who may see and change what, where."""

from yibiaotong.access.users import ROLES, User, authenticate, create_user, get_user

__all__ = ["ROLES", "User", "authenticate", "create_user", "get_user"]
