"""The lockfiles install exactly what pyproject.toml pins, every package with its hashes.

(Whether they are still what ``pip-compile`` makes of pyproject.toml is checked by
``./scripts/lock --check`` in the deployment tier, which needs the package index.)"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENTRY = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+) \\$")


def _name(raw: str) -> str:
    return re.sub(r"[-_.]+", "-", raw).lower()


def _pins(requirements: list[str]) -> dict[str, str]:
    pins = {}
    for requirement in requirements:
        name, _, version = requirement.partition("==")
        pins[_name(name.split("[")[0])] = version
    return pins


def _lock(name: str) -> dict[str, tuple[str, int]]:
    """package → (version, number of hashes)."""
    out: dict[str, tuple[str, int]] = {}
    current = ""
    for line in (ROOT / "requirements" / name).read_text(encoding="utf-8").splitlines():
        if found := ENTRY.match(line):
            current = _name(found[1])
            out[current] = (found[2], 0)
        elif line.strip().startswith("--hash=sha256:") and current:
            version, hashes = out[current]
            out[current] = (version, hashes + 1)
        elif line and not line.startswith((" ", "#")):
            raise AssertionError(f"requirements/{name}: unexpected line {line!r}")
    return out


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_every_direct_dependency_is_locked_at_its_pinned_version():
    project = _project()
    base, dev = _lock("base.txt"), _lock("dev.txt")
    for name, version in _pins(project["dependencies"]).items():
        assert base[name][0] == version, f"{name}: pyproject {version}, base.txt {base[name][0]}"
        assert dev[name][0] == version
    extras = project["optional-dependencies"]
    for name, version in _pins(extras["dev"] + extras["bench"]).items():
        assert dev[name][0] == version, f"{name}: pyproject {version}, dev.txt {dev[name][0]}"


def test_every_locked_package_has_hashes_and_both_files_agree():
    base, dev = _lock("base.txt"), _lock("dev.txt")
    assert len(base) >= 40 and len(dev) > len(base)
    for name, (version, hashes) in {**base, **dev}.items():
        assert hashes >= 1, f"{name}=={version} has no hash"
    for name, (version, _) in base.items():
        assert dev[name][0] == version, f"{name}: base.txt {version}, dev.txt {dev[name][0]}"
    # the build backend is locked too, so chiiki itself is built from hashed packages
    assert {"setuptools", "wheel"} <= base.keys()
