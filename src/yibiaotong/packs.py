"""Packs (数据包): a deployment's metadata as a folder of data files (see docs/pack-format.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from yibiaotong.errors import Problem, YbtError


def packs_root() -> Path:
    """packs/ of a source checkout, else the copy installed inside the package."""
    checkout = Path(__file__).resolve().parents[2] / "packs"
    if (checkout / "standard").is_dir():
        return checkout
    return Path(__file__).resolve().parent / "_packs"


@dataclass(frozen=True)
class Pack:
    id: str
    name: str
    path: Path
    depends_on: tuple[str, ...] = ()
    description: str = ""
    extra: dict = field(default_factory=dict, compare=False)

    def files(self, folder: str, pattern: str = "*.yaml") -> list[Path]:
        return sorted((self.path / folder).glob(pattern))

    @property
    def orgunits_csv(self) -> Path | None:
        path = self.path / "orgunits.csv"
        return path if path.exists() else None


def load_pack(path_or_name: str | Path) -> Pack:
    path = Path(path_or_name)
    if not path.is_dir():
        path = packs_root() / str(path_or_name)
    if not path.is_dir():
        raise YbtError(Problem("file-not-found", {"file": str(path_or_name)}))
    meta_file = path / "pack.yaml"
    meta = read_yaml(meta_file) if meta_file.exists() else {}
    return Pack(
        id=str(meta.get("id", path.name)),
        name=str(meta.get("name", path.name)),
        path=path,
        depends_on=tuple(meta.get("depends_on", ["standard"] if path.name != "standard" else [])),
        description=str(meta.get("description", "")),
        extra=meta,
    )


def resolve_packs(path_or_name: str | Path) -> list[Pack]:
    """The pack and everything it depends on, dependencies first."""
    ordered: list[Pack] = []

    def visit(pack: Pack, trail: tuple[str, ...]) -> None:
        if pack.id in trail:
            raise YbtError(Problem("invalid-definition", {"reason": f"数据包循环依赖 {' → '.join(trail + (pack.id,))}"}))
        for dep in pack.depends_on:
            visit(load_pack(dep), trail + (pack.id,))
        if pack.id not in {p.id for p in ordered}:
            ordered.append(pack)

    visit(load_pack(path_or_name), ())
    return ordered


# libyaml's C loader is ~10x faster on a pack's thousands of elements; same safe subset of YAML
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> dict:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise YbtError(Problem("invalid-definition", {"reason": f"YAML 语法错误：{getattr(exc, 'problem', exc)}"},
                               {"file": str(path), "row": mark.line + 1 if mark else None})) from exc
    if not isinstance(data, dict):
        raise YbtError(Problem("invalid-definition", {"reason": "文件顶层应为键值映射"}, {"file": str(path)}))
    return data
