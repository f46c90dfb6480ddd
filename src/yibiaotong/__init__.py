"""yibiaotong (一表通): collect grassroots data once, reuse it everywhere."""

__version__ = "0.1.0"
