"""The project's promises about itself: packaging, the conda file, lint, the CI contract."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

pytestmark = pytest.mark.project
ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0].strip().lower().replace("_", "-")


def _spec(requirement: str) -> str:
    return requirement[len(_name(requirement)) :].split(";")[0].replace(" ", "")


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = {_name(r): _spec(r) for r in project["dependencies"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda = {}
    pip_lines = []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip_lines += dep["pip"]
        elif _name(dep) not in {"python", "pip"}:
            conda[_name(dep)] = _spec(dep)
    assert conda == runtime, "environment.yml and pyproject.toml list different runtime packages"
    assert "-e .[test]" in pip_lines, "environment.yml must install the project itself, editable"
    python = next(d for d in env["dependencies"] if isinstance(d, str) and _name(d) == "python")
    assert _spec(python) == project["requires-python"]


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]], ids=["lint", "format"])
def test_ruff_is_clean(command):
    result = subprocess.run(
        [sys.executable, "-m", "ruff", *command, "--no-cache", str(ROOT)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in readme and "make lab" in readme
    assert re.search(r"^make test$", ci, flags=re.M), ".ci/run must call the README's test command"


def test_lab_binds_localhost_and_keeps_the_token():
    tasks = (ROOT / "tasks.py").read_text(encoding="utf-8")
    assert "--ServerApp.ip=127.0.0.1" in tasks
    assert not re.search(r"token\s*=\s*['\"]{2}|disable_check_xsrf|--ip=0\.0\.0\.0", tasks)
