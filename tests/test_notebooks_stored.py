"""The stored notebooks as a student downloads them: executed once, clean, small, portable.

Static checks of notebooks/*.ipynb (no kernel): each failure names the notebook and the cell, and
the fix is almost always `make notebooks` (tools/run_notebooks.py).
"""

from __future__ import annotations

import json
import re

import nbformat
import pytest
from conftest import INTERACTIVE_SOURCE, NOTEBOOKS, ROOT

from lecture_lib.widgets import FALLBACK_TEXT

pytestmark = pytest.mark.notebooks

MAX_BYTES = 2_000_000  # per notebook; a figure is ~30-80 kB as PNG
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
TEXT_MIMES = ("text/plain", "text/html", "text/markdown", "text/latex")
FIX = "re-run `make notebooks`"
LIVE = "live-measurement"  # cell tag: measured live on the student's machine, stored empty

# Text that differs between machines or runs; it breaks nbval and means nothing to a student.
MACHINE_SPECIFIC = {
    "a memory address": re.compile(r"\b0x[0-9a-fA-F]{6,}\b"),
    "a file-system path": re.compile(
        r"(/home/|/Users/|/root/|/tmp/|/var/folders/|[A-Za-z]:\\\\?Users|site-packages|"
        + re.escape(str(ROOT))
        + ")"
    ),
    "a timing": re.compile(
        r"(Wall time|CPU times|\b\d+(\.\d+)?\s?(ms|µs|us|ns)\b|\b\d+(\.\d+)?\s?s/it\b|it/s\b)"
    ),
    "a progress bar": re.compile(r"(\d+%\|[█▏▎▍▌▋▊▉ #]*\||█{3,})"),
}
# A cell shows a live widget when its stored text is lecture_lib's fallback sentence or its source
# builds one (conftest.INTERACTIVE_SOURCE).
DATA_URI = re.compile(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=\s]+")


def ids(paths):
    return [p.name for p in paths]


@pytest.fixture(params=NOTEBOOKS, ids=ids(NOTEBOOKS))
def notebook(request):
    path = request.param
    return path, nbformat.read(path, as_version=4)


def code_cells(nb):
    return [(i + 1, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"]


def tags(cell) -> list[str]:
    return list(cell.metadata.get("tags", []))


def output_texts(output) -> list[str]:
    """The human-readable text of an output, with embedded base64 images removed."""
    if output.output_type == "stream":
        return [output.text]
    if output.output_type == "error":
        return [f"{output.ename}: {output.evalue}"]
    data = output.get("data", {})
    texts = []
    for mime in TEXT_MIMES:
        if mime in data:
            value = data[mime]
            texts.append(
                DATA_URI.sub("data:…", "".join(value) if isinstance(value, list) else value)
            )
    return texts


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_is_valid_nbformat_4_json_below_the_size_limit(path):
    raw = path.read_text(encoding="utf-8")
    json.loads(raw)
    nb = nbformat.reads(raw, as_version=nbformat.NO_CONVERT)
    assert nb.nbformat == 4
    nbformat.validate(nb)
    size = len(raw.encode("utf-8"))
    assert size <= MAX_BYTES, (
        f"{path.name} is {size / 1e6:.1f} MB (limit {MAX_BYTES / 1e6:.1f} MB): fewer or smaller "
        "figures, lower dpi, or a GIF in img/ instead of an embedded animation"
    )


def test_executed_once_top_to_bottom(notebook):
    path, nb = notebook
    cells = [(n, c) for n, c in code_cells(nb) if c.source.strip()]
    counts = [c.execution_count for _, c in cells]
    assert counts == list(range(1, len(cells) + 1)), (
        f"{path.name}: execution counts {counts} are not 1..{len(cells)}; {FIX}"
    )
    for n, cell in cells:
        for output in cell.outputs:
            if output.output_type == "execute_result":
                assert output.execution_count == cell.execution_count, f"{path.name}, cell {n}"


def test_no_errors_or_warnings_stored(notebook):
    path, nb = notebook
    problems = []
    for n, cell in code_cells(nb):
        for output in cell.outputs:
            if output.output_type == "error" and "raises-exception" not in tags(cell):
                problems.append(f"cell {n}: {output.ename}: {output.evalue}")
            if output.output_type == "stream" and output.name == "stderr":
                problems.append(f"cell {n}: stderr: {output.text.strip()[:200]}")
    assert not problems, f"{path.name} stores errors or warnings:\n" + "\n".join(problems)


def test_no_machine_specific_text(notebook):
    path, nb = notebook
    problems = []
    for n, cell in code_cells(nb):
        for output in cell.outputs:
            for text in output_texts(output):
                for what, pattern in MACHINE_SPECIFIC.items():
                    match = pattern.search(text)
                    if match:
                        problems.append(f"cell {n}: {what}: {match.group(0)!r}")
    assert not problems, f"{path.name} stores machine-specific output:\n" + "\n".join(problems)


def test_no_widget_state_or_volatile_metadata(notebook):
    path, nb = notebook
    assert "widgets" not in nb.metadata, f"{path.name}: saved widget state in metadata; {FIX}"
    for n, cell in code_cells(nb):
        timing = {"execution", "ExecuteTime"} & set(cell.metadata)
        assert not timing, f"{path.name}, cell {n}: timing metadata {sorted(timing)}; {FIX}"


def test_widget_outputs_are_readable_text(notebook):
    """Without a kernel a widget shows its text/plain: a sentence, never ``VBox(children=...``."""
    path, nb = notebook
    for n, cell in code_cells(nb):
        for output in cell.outputs:
            data = output.get("data", {})
            assert WIDGET_VIEW not in data, (
                f"{path.name}, cell {n}: a stored widget view (shows 'Error displaying widget: "
                f"model not found' without a kernel); {FIX}"
            )
            plain = data.get("text/plain", "")
            plain = "".join(plain) if isinstance(plain, list) else plain
            assert "children=(" not in plain and not plain.startswith("interactive("), (
                f"{path.name}, cell {n}: a widget's raw repr {plain[:60]!r} is stored; give the "
                "widget a text/plain fallback"
            )


def test_nbval_ignore_output_only_on_widget_cells(notebook):
    """nbval compares every cell but the explorers and the live measurements (e.g. a speed-up
    measured on the student's computer), which are stored without output: no timing is kept."""
    path, nb = notebook
    for n, cell in code_cells(nb):
        if "NBVAL_IGNORE_OUTPUT" not in cell.source and "nbval-ignore-output" not in tags(cell):
            continue
        if LIVE in tags(cell):
            assert not cell.outputs, (
                f"{path.name}, cell {n}: a {LIVE!r} cell must be stored without output; {FIX}"
            )
            continue
        texts = " ".join(t for o in cell.outputs for t in output_texts(o))
        interactive = FALLBACK_TEXT in texts or INTERACTIVE_SOURCE.search(cell.source)
        assert interactive, (
            f"{path.name}, cell {n}: NBVAL_IGNORE_OUTPUT on a cell that shows no interactive "
            "widget; print rounded numbers instead so nbval can compare them"
        )


MARKDOWN_IMAGE = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)|<img[^>]+src=[\"']([^\"']+)")


def test_markdown_images_are_local_files_that_exist(notebook):
    """Pictures come from the repository (offline), by paths that exist next to the notebook."""
    path, nb = notebook
    for n, cell in enumerate(nb.cells, 1):
        if cell.cell_type != "markdown":
            continue
        for match in MARKDOWN_IMAGE.finditer(cell.source):
            src = match.group(1) or match.group(2)
            if src.startswith(("attachment:", "data:")):
                continue
            assert "://" not in src, f"{path.name}, cell {n}: image from the internet: {src}"
            target = (path.parent / src.split("#")[0].split("?")[0]).resolve()
            assert target.is_file(), f"{path.name}, cell {n}: image {src} does not exist"


# The glossary's rules that a machine can check (../shared/GLOSSARY.md, issue 14): a method is
# "Optimizer" (capitalised) or its name, never 옵티마이저 or a lower-case "optimizer" in a Korean
# sentence; no colloquialisms the notes' review removed.
INLINE_CODE_OR_MATH = re.compile(r"`[^`]*`|\$\$.*?\$\$|\$[^$]*\$", re.S)
VOCABULARY = {
    "옵티마이저 (write Optimizer)": re.compile(r"옵티마이저"),
    "lower-case optimizer in a Korean sentence (write Optimizer)": re.compile(
        r"optimizer(?=\s?[가-힣])|(?<=[가-힣])\s?optimizer"
    ),
    "a colloquialism (찍기 수준 -> 무작위 추측 수준)": re.compile(r"찍기 수준"),
}


def test_markdown_follows_the_glossary(notebook):
    path, nb = notebook
    problems = []
    for n, cell in enumerate(nb.cells, 1):
        if cell.cell_type != "markdown":
            continue
        text = INLINE_CODE_OR_MATH.sub(" ", cell.source)
        for what, pattern in VOCABULARY.items():
            for match in pattern.finditer(text):
                around = text[max(0, match.start() - 20) : match.end() + 20].replace("\n", " ")
                problems.append(f"cell {n}: {what}: ...{around}...")
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


PLACEHOLDER = re.compile(r"\b(TODO|FIXME|XXX|TBD)\b|placeholder|lorem ipsum", re.I)


def test_no_placeholder_cells(notebook):
    """No cell is a note to the authors ("TODO s7_read" once stood in for a section's reading)."""
    path, nb = notebook
    for n, cell in enumerate(nb.cells, 1):
        assert cell.source.strip(), f"{path.name}, cell {n} is empty"
        match = PLACEHOLDER.search(cell.source)
        assert not match, f"{path.name}, cell {n}: placeholder {match.group(0)!r}"
