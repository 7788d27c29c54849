"""The project's promises about itself: the lock, packaging, the conda file, the CI contract."""

from __future__ import annotations

import fnmatch
import importlib.util
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

pytestmark = pytest.mark.project
ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PROJECT = PYPROJECT["project"]
LOCKED_EXTRAS = ("test", "dev", "hub")


def _load_tasks():
    spec = importlib.util.spec_from_file_location("tasks", ROOT / "tasks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tasks = _load_tasks()


def locked_requirements() -> list[Requirement]:
    """What the lock must cover: the runtime dependencies and the test, dev and hub extras."""
    extras = PROJECT["optional-dependencies"]
    return [Requirement(r) for r in PROJECT["dependencies"]] + [
        Requirement(r) for extra in LOCKED_EXTRAS for r in extras[extra]
    ]


def parse_lock(text: str) -> dict[str, dict]:
    """``{name: {"versions": [Version, ...], "via": {name, ...}}}`` from uv's annotated output."""
    packages: dict[str, dict] = {}
    current = None
    for line in text.splitlines():
        if not line.strip():
            continue
        if not line.startswith((" ", "#")):
            pin = Requirement(line)
            (spec,) = pin.specifier
            assert spec.operator == "==", f"the lock must pin exactly: {line!r}"
            current = packages.setdefault(
                canonicalize_name(pin.name), {"versions": [], "via": set()}
            )
            current["versions"].append(Version(spec.version))
        elif current is not None and line.lstrip().startswith("#"):
            words = line.strip().lstrip("#").split()
            if words[:1] == ["via"]:
                words = words[1:]
            if words:
                current["via"].add(canonicalize_name(words[0]))
    return packages


@pytest.fixture(scope="module")
def lock() -> dict[str, dict]:
    return parse_lock(tasks.LOCK.read_text(encoding="utf-8"))


# --- the lock ------------------------------------------------------------------------------------


def test_lock_pins_every_dependency_at_a_version_pyproject_allows(lock):
    for requirement in locked_requirements():
        name = canonicalize_name(requirement.name)
        assert name in lock, f"{requirement} is not in the lock: run python tasks.py lock"
        for version in lock[name]["versions"]:
            assert requirement.specifier.contains(version, prereleases=True), (
                f"the lock pins {name}=={version}, outside pyproject's {requirement}: "
                "run python tasks.py lock"
            )


def test_lock_has_nothing_stale(lock):
    """Direct pins are exactly pyproject's names; every other pin is needed by another pin."""
    project = canonicalize_name(PROJECT["name"])
    named = {canonicalize_name(r.name) for r in locked_requirements()}
    direct = {name for name, entry in lock.items() if project in entry["via"]}
    assert direct == named, (
        f"lock and pyproject.toml disagree: only in the lock {sorted(direct - named)}, "
        f"only in pyproject {sorted(named - direct)}; run python tasks.py lock"
    )
    for name, entry in lock.items():
        assert entry["via"], f"{name} is in the lock without a reason (no 'via' annotation)"
        assert entry["via"] <= set(lock) | {project}, f"{name} is needed by {entry['via']}"


def test_parse_lock_sees_what_the_checks_rely_on():
    text = (
        "numpy==2.4.6\n    # via lecture-lib (pyproject.toml)\n"
        "six==1.17.0 ; os_name == 'nt'\n    # via\n    #   numpy\n    #   lecture-lib\n"
    )
    lock = parse_lock(text)
    assert lock["numpy"] == {"versions": [Version("2.4.6")], "via": {"lecture-lib"}}
    assert lock["six"]["via"] == {"numpy", "lecture-lib"}
    with pytest.raises(AssertionError, match="must pin exactly"):
        parse_lock("numpy>=2\n")


def test_lock_is_made_by_the_documented_command_for_the_oldest_python():
    header = tasks.LOCK.read_text(encoding="utf-8").splitlines()[:3]
    assert any(line.strip("# ") == "python tasks.py lock" for line in header), header
    floor = SpecifierSet(PROJECT["requires-python"])
    assert f">={tasks.LOCK_PYTHON}" in str(floor).split(","), (
        "the lock is resolved for the oldest Python that requires-python allows"
    )
    command = tasks.LOCK_COMMAND
    assert command[command.index("--python-version") + 1] == tasks.LOCK_PYTHON
    assert "--universal" in tasks.LOCK_COMMAND, "Windows and macOS pins must be in the lock too"
    assert tuple(LOCKED_EXTRAS) == tasks.LOCK_EXTRAS


def test_developer_tools_are_pinned_exactly():
    for requirement in map(Requirement, PROJECT["optional-dependencies"]["dev"]):
        assert [s.operator for s in requirement.specifier] == ["=="], requirement
    dev = {canonicalize_name(Requirement(r).name) for r in PROJECT["optional-dependencies"]["dev"]}
    assert {"ruff", "uv"} <= dev
    test = {Requirement(r).name for r in PROJECT["optional-dependencies"]["test"]}
    assert "ruff" not in test, "students' make test does not lint; ruff is in the dev extra"


# --- how .venv follows the lock ------------------------------------------------------------------


@pytest.fixture
def fake_venv(tmp_path, monkeypatch):
    """tasks.py with .venv, the stamp, pyproject and the lock in tmp_path; pip calls recorded."""
    for name in ("pyproject.toml", "constraints.txt"):
        (tmp_path / name).write_bytes((ROOT / name).read_bytes())
    python = tmp_path / "python"
    python.touch()
    calls: list[tuple[str, ...]] = []
    monkeypatch.setattr(tasks, "PY", python)
    monkeypatch.setattr(tasks, "STAMP", tmp_path / "stamp")
    monkeypatch.setattr(tasks, "PYPROJECT", tmp_path / "pyproject.toml")
    monkeypatch.setattr(tasks, "LOCK", tmp_path / "constraints.txt")
    monkeypatch.setattr(tasks, "_pip", lambda *args: calls.append(args) or 0)
    return tmp_path, calls


def test_venv_installs_from_the_lock_and_again_when_the_lock_changes(fake_venv):
    folder, calls = fake_venv
    tasks.ensure_venv(("test",))
    assert calls == [("install", "-q", "-c", "constraints.txt", "-e", ".[test]")]
    tasks.ensure_venv(("test",))
    assert len(calls) == 1, "up to date: nothing to install"
    lock = folder / "constraints.txt"
    lock.write_text(lock.read_text() + "# any change\n")
    tasks.ensure_venv(("test",))
    assert len(calls) == 2, "the lock changed: .venv must follow it"
    tasks.ensure_venv(("dev",))
    assert calls[-1][-1] == ".[dev,test]", "lint adds the dev extra, keeping the test extra"
    tasks.ensure_venv(("test",))
    assert len(calls) == 3
    (folder / "pyproject.toml").write_text("changed")
    tasks.ensure_venv(("test",))
    assert calls[-1][-1] == ".[dev,test]" and len(calls) == 4


def test_missing_lock_is_a_clear_error(fake_venv):
    folder, calls = fake_venv
    (folder / "constraints.txt").unlink()
    with pytest.raises(SystemExit, match=r"constraints\.txt is missing; write it with"):
        tasks.ensure_venv(("test",))
    assert calls == []


def test_conda_and_binder_install_from_the_lock():
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    (pip,) = [d["pip"] for d in env["dependencies"] if isinstance(d, dict)]
    assert sorted(re.split(r"[=<>]", d)[0] for d in conda) == ["pip", "python"], (
        "conda provides Python and pip only; every package comes from the lock"
    )
    assert f"python={tasks.LOCK_PYTHON}" in conda
    assert pip == [f"-c {tasks.LOCK.name}", "-e .[test]"]
    # conda runs pip on a temporary file next to environment.yml: -c is relative to this folder
    assert (ROOT / tasks.LOCK.name).is_file()


# --- metadata, layout, documentation -------------------------------------------------------------


def test_metadata_declares_both_licences_and_ships_their_files():
    assert PROJECT["license"] == "MIT AND CC-BY-SA-3.0"
    files = PROJECT["license-files"]
    assert "LICENSE" in files and "lecture_lib/data/LICENSE-MNIST.txt" in files
    for name in files:
        assert (ROOT / name).is_file(), name
    package_data = PYPROJECT["tool"]["setuptools"]["package-data"]["lecture_lib"]
    for shipped in ("data/mnist_sample.npz", "data/LICENSE-MNIST.txt"):
        assert any(fnmatch.fnmatch(shipped, pattern) for pattern in package_data), shipped


def test_repository_chores_are_not_in_the_package():
    include = PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]
    assert not any(fnmatch.fnmatch("tools", pattern) for pattern in include)
    assert not (ROOT / "tools" / "__init__.py").exists()
    for module in ("figures", "notebook_runner"):
        assert not (ROOT / "lecture_lib" / f"{module}.py").exists(), f"{module} moved to tools/"
    assert (ROOT / "tools" / "run_notebooks.py").is_file()
    assert (ROOT / "tools" / "make_figures.py").is_file()


def test_one_python_floor_everywhere():
    floor = tasks.LOCK_PYTHON
    assert PROJECT["requires-python"] == f">={floor}"
    assert PYPROJECT["tool"]["ruff"]["target-version"] == "py" + floor.replace(".", "")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"You need Python {floor} or newer" in readme
    assert f"Python {floor} 이상" in readme
    source = (ROOT / "tasks.py").read_text(encoding="utf-8")
    major, minor = floor.split(".")
    assert f"sys.version_info < ({major}, {minor})" in source
    assert f"Python {floor} or newer is needed" in source


def test_readme_documents_the_lock_and_how_to_upgrade():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert tasks.LOCK.name in readme
    assert "python tasks.py lock --upgrade" in readme and "make notebooks" in readme


# --- CI and the commands -------------------------------------------------------------------------


def test_ci_runs_the_readme_test_command_the_two_thread_notebooks_and_lint():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in readme and "make lab" in readme
    assert re.search(r"^make test$", ci, flags=re.M), ".ci/run must call the README's test command"
    assert re.search(r"^make lint$", ci, flags=re.M), "CI lints (students' make test does not)"
    two_threads = re.search(
        r"^OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=2 .*\\\n\s*python3 tasks.py test (.*)$",
        ci,
        flags=re.M,
    )
    assert two_threads, ".ci/run must run nbval again with two BLAS threads"
    assert ci.index("make test") < two_threads.start()
    # Collect what that line selects: every notebook cell, and nothing else (a marker filter
    # that tests/conftest.py cannot apply outside tests/ once selected nothing: exit 5 in CI).
    args = shlex.split(two_threads.group(1))
    listed = subprocess.run(
        [sys.executable, "-m", "pytest", *args, "--collect-only", "-q"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert listed.returncode == 0, listed.stdout[-2000:] + listed.stderr[-2000:]
    items = [line for line in listed.stdout.splitlines() if "::" in line]
    notebooks = {line.split("::")[0] for line in items}
    assert notebooks == {f"notebooks/{p.name}" for p in (ROOT / "notebooks").glob("*.ipynb")}
    assert not re.search(r"OPENBLAS_(CORETYPE|L2_SIZE)=|unset", ci), "leave the BLAS kernel alone"


def test_lint_runs_ruff_check_and_format(monkeypatch):
    calls = []
    monkeypatch.setattr(tasks, "_run", lambda *args, **kwargs: calls.append(args) or 0)
    assert tasks.lint() == 0
    assert calls == [("-m", "ruff", "check", "."), ("-m", "ruff", "format", "--check", ".")]
    assert tasks.EXTRAS["lint"] == ("dev",)


def test_lab_binds_localhost_and_keeps_the_token():
    source = (ROOT / "tasks.py").read_text(encoding="utf-8")
    assert "--ServerApp.ip=127.0.0.1" in source
    assert not re.search(r"token\s*=\s*['\"]{2}|disable_check_xsrf|--ip=0\.0\.0\.0", source)
