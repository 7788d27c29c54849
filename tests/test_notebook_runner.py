"""`tools/run_notebooks.py` (make notebooks): fresh-kernel runs, clean storage, clear failures."""

from __future__ import annotations

import json

import nbformat
import pytest
import run_notebooks
from run_notebooks import NotebookRunError, execute, main

pytestmark = pytest.mark.notebooks

WIDGET = """\
import ipywidgets as widgets
slider = widgets.IntSlider(value=3)
slider"""


def write_notebook(path, *sources, tags=None):
    nb = nbformat.v4.new_notebook()
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    nb.cells = [nbformat.v4.new_markdown_cell("# title")]
    for i, source in enumerate(sources):
        cell = nbformat.v4.new_code_cell(source)
        cell.metadata["execution"] = {"iopub.status.busy": "2024-01-01T00:00:00Z"}
        if tags and i in tags:
            cell.metadata["tags"] = tags[i]
        nb.cells.append(cell)
    nbformat.write(nb, path)
    return path


@pytest.fixture
def notebook(tmp_path, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "agg")  # must not leak into the kernel
    (tmp_path / "data.txt").write_text("next to the notebook", encoding="utf-8")
    return write_notebook(
        tmp_path / "demo.ipynb",
        "print(open('data.txt').read())",
        "import matplotlib\nprint(matplotlib.get_backend())",
        WIDGET,
        "import sys, time\nprint('a', flush=True)\ntime.sleep(0.3)\nprint(slider.value * 2)",
    )


def test_executes_in_the_notebook_folder_stores_clean_and_reruns_identically(notebook, capsys):
    assert main([str(notebook)]) == 0
    stored = json.loads(notebook.read_text(encoding="utf-8"))
    code = [c for c in stored["cells"] if c["cell_type"] == "code"]
    assert [c["execution_count"] for c in code] == [1, 2, 3, 4]
    texts = ["".join(c["outputs"][0].get("text", "")) for c in code]
    assert texts[0] == "next to the notebook\n"
    assert "inline" in texts[1]
    assert texts[3] == "a\n6\n", "stream chunks must be merged into one output"
    assert len(code[3]["outputs"]) == 1
    widget_data = code[2]["outputs"][0]["data"]
    assert list(widget_data) == ["text/plain"], "widget view must be dropped, text kept"
    assert "widgets" not in stored["metadata"]
    assert all("execution" not in c["metadata"] for c in code)
    # a second run (one kernel less than a separate test) leaves the file byte-identical
    first = notebook.read_bytes()
    capsys.readouterr()
    assert main([str(notebook), "--check"]) == 0
    assert notebook.read_bytes() == first
    assert "unchanged" in capsys.readouterr().out


def test_check_mode_reports_a_change_and_writes_nothing(notebook, capsys):
    before = notebook.read_bytes()
    assert main([str(notebook), "--check"]) == 1
    assert notebook.read_bytes() == before
    assert "would change" in capsys.readouterr().out


def test_error_names_notebook_cell_and_exception_and_keeps_the_file(tmp_path, capsys):
    path = write_notebook(tmp_path / "broken.ipynb", "x = 1", "1 / 0", "print('never')")
    before = path.read_bytes()
    with pytest.raises(NotebookRunError) as info:
        execute(path)
    assert info.value.cell == 3  # the markdown title is cell 1
    assert str(path) in str(info.value)
    assert "cell 3: ZeroDivisionError: division by zero" in str(info.value)
    assert "1 / 0" in str(info.value)
    assert main([str(path)]) == 1
    assert "broken.ipynb, cell 3" in capsys.readouterr().err
    assert path.read_bytes() == before


def test_cells_tagged_raises_exception_may_fail(tmp_path):
    path = write_notebook(
        tmp_path / "tagged.ipynb",
        "raise ValueError('shown')",
        "print(1)",
        tags={0: ["raises-exception"]},
    )
    nb = execute(path)
    assert nb.cells[1].outputs[0].output_type == "error"
    assert nb.cells[2].outputs[0].text == "1\n"


def test_timeout_names_the_cell(tmp_path):
    path = write_notebook(tmp_path / "slow.ipynb", "x = 1", "import time\ntime.sleep(30)")
    with pytest.raises(NotebookRunError, match=r"slow.ipynb, cell 3: timed out after 2 s"):
        execute(path, timeout=2)


@pytest.mark.parametrize("timeout", [0, -1.0, "300"])
def test_bad_timeout_is_a_value_error(tmp_path, timeout):
    with pytest.raises(ValueError, match="timeout must be a number of seconds > 0"):
        execute(tmp_path / "unused.ipynb", timeout=timeout)


def test_default_notebooks_are_the_repository_notebooks(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notebooks").mkdir()
    write_notebook(tmp_path / "notebooks" / "b.ipynb", "1")
    write_notebook(tmp_path / "notebooks" / "a.ipynb", "1")
    names = [p.name for p in run_notebooks.default_notebooks()]
    assert names == ["a.ipynb", "b.ipynb"]


def test_live_measurements_run_but_are_stored_without_output(tmp_path):
    path = write_notebook(
        tmp_path / "live.ipynb",
        "x = 6 * 7\nprint('measured on this computer:', x)",
        "print(x)",
        tags={0: ["live-measurement"]},
    )
    nb = execute(path)
    first, second = (c for c in nb.cells if c.cell_type == "code")
    assert first.outputs == [] and first.execution_count == 1  # it ran, nothing is kept
    assert second.outputs[0]["text"] == "42\n"  # and later cells saw its variables
