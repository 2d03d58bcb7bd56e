"""Build `release/` (with nbgrader) and `solutions/` (executed) from `source/`.

    python -m autograder.build [--no-execute] [assignment ...]

The release is what `nbgrader generate_assignment` makes of each source
notebook. A solution notebook is the source notebook with the hidden tests
and the nbgrader markers removed, executed top to bottom with its figures
and widget states saved, for learners who read rather than run.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
HIDDEN_BLOCK = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS[^\n]*\n?",
                          re.MULTILINE | re.DOTALL)
SOLUTION_MARKER = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[^\n]*\n?", re.MULTILINE)
EXECUTION_TIMEOUT = 120


def assignments(root=ROOT):
    """Assignment ids that have a source notebook, in course order."""
    return sorted(p.parent.name for p in (root / "source").glob("*/*.ipynb")
                  if p.stem == p.parent.name)


def tool_environment(root=ROOT):
    """Environment for nbgrader and kernels: this venv's bin/ first, the course importable."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["PYTHONPATH"] = os.pathsep.join(p for p in [str(root), env.get("PYTHONPATH", "")] if p)
    return env


def build_release(assignment, root=ROOT):
    """Run `nbgrader generate_assignment` for one assignment in the course at `root`."""
    result = subprocess.run(
        [sys.executable, "-m", "nbgrader", "generate_assignment", assignment, "--force"],
        cwd=root, env=tool_environment(root), capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"nbgrader generate_assignment {assignment} failed:\n"
                           f"{result.stdout}\n{result.stderr}")


def solution_cell_source(cell):
    """A cell's source with hidden tests and solution markers taken out."""
    source = HIDDEN_BLOCK.sub("", cell.source)
    return SOLUTION_MARKER.sub("", source).strip("\n")


def solution_notebook(source_path):
    """The unexecuted solution notebook made from one source notebook."""
    notebook = nbformat.read(source_path, as_version=4)
    for cell in notebook.cells:
        nbgrader = cell.metadata.pop("nbgrader", None)
        cell.source = solution_cell_source(cell)
        if nbgrader and cell.cell_type == "markdown" and nbgrader.get("solution"):
            cell.source = "**Model answer.** " + cell.source
    return notebook


def execute(notebook, workdir, root=ROOT):
    """Execute a notebook in `workdir`, keeping figures and widget states."""
    env = tool_environment(root)
    env.pop("MPLBACKEND", None)
    env.pop("NBGRADER_EXECUTION", None)
    client = NotebookClient(notebook, timeout=EXECUTION_TIMEOUT, kernel_name="python3",
                            resources={"metadata": {"path": str(workdir)}},
                            store_widget_state=True, record_timing=False)
    client.execute(env=env)
    return notebook


def build_solution(assignment, root=ROOT, run=True):
    """Write solutions/<id>/: the solution notebook (executed if `run`) and its files."""
    source_dir = root / "source" / assignment
    target_dir = root / "solutions" / assignment
    if target_dir.exists():
        shutil.rmtree(target_dir)
    shutil.copytree(source_dir, target_dir,
                    ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints", "__pycache__"))
    notebook = solution_notebook(source_dir / f"{assignment}.ipynb")
    seconds = 0.0
    if run:
        start = time.perf_counter()
        execute(notebook, target_dir, root)
        seconds = time.perf_counter() - start
    nbformat.write(notebook, target_dir / f"{assignment}.ipynb")
    return seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignments", nargs="*", help="ids to build (default: all)")
    parser.add_argument("--no-execute", action="store_true",
                        help="write the solution notebooks without running them")
    args = parser.parse_args(argv)
    for assignment in args.assignments or assignments():
        build_release(assignment)
        seconds = build_solution(assignment, run=not args.no_execute)
        timing = f", solutions executed in {seconds:.1f} s" if seconds else ""
        print(f"built {assignment}: release/{assignment}, solutions/{assignment}{timing}")


if __name__ == "__main__":
    main()
