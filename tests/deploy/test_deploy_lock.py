"""The lock files cover pyproject.toml: every dependency (and the test extra) is pinned
to one exact version with hashes, each pin satisfies pyproject's bounds, the runtime and
dev locks agree, and set-up, CI and the image install from them. After a dependency
change, `scripts/lock` regenerates both."""
import re
from importlib import metadata
from pathlib import Path

import tomllib
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s\\;]+)")


def pins(name: str) -> dict[str, str]:
    out, hashed = {}, set()
    current = None
    for line in (ROOT / name).read_text().splitlines():
        m = PIN.match(line)
        if m:
            current = canonicalize_name(m.group(1))
            out[current] = m.group(2)
        if "--hash=sha256:" in line and current:
            hashed.add(current)
    assert set(out) == hashed, f"{name}: pins without hashes: {sorted(set(out) - hashed)}"
    return out


def requirements(extra: str | None = None) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    listed = project["dependencies"] + (project["optional-dependencies"][extra] if extra else [])
    return [Requirement(r) for r in listed]


def test_every_dependency_is_pinned_within_its_bounds():
    for lock, extra in (("requirements.lock", None), ("requirements-dev.lock", "test")):
        pinned = pins(lock)
        for req in requirements(extra):
            name = canonicalize_name(req.name)
            assert name in pinned, f"{lock} lacks {req.name}: run scripts/lock"
            assert req.specifier.contains(pinned[name], prereleases=True), \
                f"{lock}: {req.name}=={pinned[name]} is outside {req.specifier}: run scripts/lock"
    runtime, dev = pins("requirements.lock"), pins("requirements-dev.lock")
    assert {k: dev[k] for k in runtime} == runtime, "the dev lock must use the runtime lock's versions"
    assert "cryptography" in runtime  # pyjwt[crypto]
    major, minor = (int(x) for x in runtime["pyjwt"].split(".")[:2])
    assert (major, minor) >= (2, 14)


def test_setup_ci_and_the_image_install_from_the_lock():
    setup = (ROOT / "scripts" / "setup.sh").read_text()
    assert "--require-hashes -r requirements-dev.lock" in setup and "--no-deps -e ." in setup
    assert "scripts/setup.sh" in (ROOT / "scripts" / "test").read_text()
    assert "./scripts/test" in (ROOT / ".ci" / "run").read_text()
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert "--require-hashes -r requirements.lock" in dockerfile
    assert "!requirements.lock" in (ROOT / "deploy" / "Dockerfile.dockerignore").read_text()


def test_this_environment_is_the_locked_one():
    dev = pins("requirements-dev.lock")
    for name, version in dev.items():
        if name in ("pip", "setuptools"):
            continue
        assert metadata.version(name) == version, f"{name} {metadata.version(name)} installed, {version} locked"
