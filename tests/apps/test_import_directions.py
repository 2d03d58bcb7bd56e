"""Dependencies point one way: commands use the core, never each other; the core never a command."""
import ast
from pathlib import Path

from autograder.course import ROOT

ALIASES = {"autograder.classgrade", "autograder.selfcheck"}  # the commands' short names
HELPERS = {"autograder.apps.scratch_course"}  # the self-check's temporary course, not a command


def module_name(path):
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path):
    """Every module name an import statement of the file names (anywhere in it)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def modules(folder):
    return {module_name(p): imported(p) for p in (ROOT / folder).rglob("*.py")}


def is_command(name):
    """True for a command module of autograder/apps/ (or a name inside one)."""
    return name.startswith("autograder.apps.") and \
        not any(name == h or name.startswith(h + ".") for h in HELPERS)


def test_no_command_imports_another():
    """Does every module of autograder/apps/ stay clear of the other commands?"""
    found = [(name, other) for name, names in modules("autograder/apps").items()
             for other in names if is_command(other) and other != name and
             not other.startswith(name + ".") and other != "autograder.apps"]
    assert found == [], f"expected no command importing a command, got {found}"


def test_the_core_never_imports_a_command():
    """Does nothing outside autograder/apps/ (but the two aliases) import a command?"""
    found = [(name, other) for name, names in modules("autograder").items()
             if not name.startswith("autograder.apps") and name not in ALIASES
             for other in names if other.startswith("autograder.apps")]
    assert found == [], f"expected the core to import no command, got {found}"


def test_the_student_package_never_imports_the_grader():
    """Does course/ (what students install) import nothing of autograder/?"""
    found = [(name, other) for name, names in modules("course").items()
             for other in names if other.split(".")[0] == "autograder"]
    assert found == [], f"expected course/ to import nothing of autograder, got {found}"
