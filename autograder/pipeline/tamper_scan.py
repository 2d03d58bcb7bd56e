"""Autograde step: an AST scan of the cells a student could edit, for tampering with the grader.

Tampering (rebinding NumPy or builtins, writing into `sys.modules`, importing
the hidden `autograder` package, dynamic code, reading the grader's stack
frames) is *neutralised* when grading runs without the jail: the statement is
replaced by `pass` and a comment,
so the notebook is graded as if the student had not written it; a check the
tampering would have fooled then fails on its own, and nothing else changes.
Suspicious but harmless-to-grading code (`os._exit`, `ctypes`, signals) and
functions that return the visible tests' expected outputs are only flagged.
While grading runs in the jail (`autograder.sandbox.jail`) the scan only reports: the
jail and the trusted checker are the defence, and honest code is never changed;
without the jail it also neutralises.
"""
import ast
from dataclasses import asdict, dataclass, replace

from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool

from autograder import cells, gradebook
from autograder.pipeline import METADATA_KEY

NEUTRALISED = "neutralised"
TAMPERING = "tampering"  # what would be neutralised, reported without changing the cell
FLAGGED = "flagged"
HARDCODED = "hardcoded"

MODULE_NAMES = {"np", "numpy", "builtins", "math", "sys", "os", "json", "subprocess",
                "cloudpickle", "secrets", "course", "autograder", "IPython", "warnings",
                "importlib", "types", "operator", "functools", "pickle", "signal",
                "multiprocessing", "tempfile"}
DUNDER_HOOKS = {"__dict__", "__setattr__", "__delattr__", "__setitem__", "__code__",
                "__globals__", "__builtins__", "__closure__", "__defaults__",
                "__kwdefaults__", "__class__", "__subclasses__", "__getattribute__"}
FRAME_NAMES = {"_getframe", "currentframe", "f_back", "f_locals", "f_globals", "tb_frame",
               "get_referrers", "get_objects", "getouterframes", "stack", "settrace",
               "setprofile"}
DYNAMIC_CALLS = {"exec", "eval", "compile", "__import__", "import_module", "reload"}
SUSPICIOUS = {"_exit": "ends the Python process (os._exit)", "kill": "sends a signal",
              "ctypes": "uses ctypes", "setrlimit": "changes resource limits",
              "get_ipython": "drives the IPython shell", "signal": "handles signals",
              "system": "runs shell commands"}
MARK = "pass  # removed by the autograder: "


@dataclass(frozen=True)
class Finding:
    """One thing the scan found in a cell.

    Attributes:
        kind: NEUTRALISED (removed before grading), FLAGGED or HARDCODED (reported only).
        message: str for the instructor's report.
        line, end_line: 1-based lines of the statement in the cell.
        cell: grade_id of the cell, or "cell <index>".
    """

    kind: str
    message: str
    line: int
    end_line: int
    cell: str = ""


def _dotted(node):
    """'np.testing.assert_allclose' for an Attribute/Name chain, '' otherwise."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    if isinstance(node, ast.Call):
        inner = _dotted(node.func)
        return ".".join([f"{inner}()"] + list(reversed(parts))) if inner else ""
    return ""


def _root(node):
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def imported_names(tree):
    """Names an Import/ImportFrom binds anywhere in `tree`."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.asname or a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            names |= {a.asname or a.name for a in node.names}
    return names


class _Scanner(ast.NodeVisitor):
    """Collects (kind, message, node) for one cell's tree."""

    def __init__(self, modules, protected=frozenset()):
        self.modules = modules
        self.protected = protected
        self.hits = []

    def hit(self, kind, message, node):
        self.hits.append((kind, message, node))

    def _check_target(self, target, node):
        if isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self._check_target(element, node)
            return
        if isinstance(target, ast.Name) and target.id in self.protected:
            self.hit(NEUTRALISED, f"rebinds the test helper {target.id}", node)
        elif isinstance(target, ast.Attribute) and _root(target) in self.modules:
            self.hit(NEUTRALISED, f"rebinds {_dotted(target)}", node)
        elif isinstance(target, ast.Subscript):
            where = _dotted(target.value)
            if where in {"sys.modules", "__builtins__", "builtins.__dict__"} or \
                    where.endswith("__dict__") or where.startswith(("vars()", "globals()")):
                self.hit(NEUTRALISED, f"writes into {where}", node)

    def visit_Assign(self, node):
        for target in node.targets:
            self._check_target(target, node)
        self.generic_visit(node)

    def visit_AugAssign(self, node):
        self._check_target(node.target, node)
        self.generic_visit(node)

    visit_AnnAssign = visit_AugAssign

    def visit_Delete(self, node):
        for target in node.targets:
            self._check_target(target, node)
        self.generic_visit(node)

    def visit_FunctionDef(self, node):
        if node.name in self.protected:
            self.hit(NEUTRALISED, f"redefines the test helper {node.name}", node)
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_ClassDef = visit_FunctionDef

    def visit_Import(self, node):
        for alias in node.names:
            if alias.name.split(".")[0] == "autograder":
                self.hit(NEUTRALISED, f"imports the hidden package {alias.name}", node)
            elif alias.name.split(".")[0] in SUSPICIOUS:
                self.hit(FLAGGED, SUSPICIOUS[alias.name.split(".")[0]], node)

    def visit_ImportFrom(self, node):
        module = node.module or ""
        if module.split(".")[0] == "autograder":
            self.hit(NEUTRALISED, f"imports the hidden package {module}", node)
        names = {a.name for a in node.names}
        if names & FRAME_NAMES:
            self.hit(NEUTRALISED, f"imports frame inspection ({', '.join(sorted(names))})", node)

    def visit_Call(self, node):
        name = _dotted(node.func)
        last = name.rsplit(".", 1)[-1]
        if last in {"setattr", "delattr"} and node.args:
            self.hit(NEUTRALISED, f"calls {last} on {_dotted(node.args[0]) or 'an object'}",
                     node)
        elif last in DYNAMIC_CALLS and (name == last or name.startswith("importlib")):
            self.hit(NEUTRALISED, f"runs dynamic code with {name}()", node)
        elif last in SUSPICIOUS and (last != "system" or "get_ipython" not in name):
            self.hit(FLAGGED, SUSPICIOUS[last], node)
        self.generic_visit(node)

    def visit_Attribute(self, node):
        if node.attr in DUNDER_HOOKS:
            self.hit(NEUTRALISED, f"reaches into {_dotted(node) or node.attr}", node)
        elif node.attr in FRAME_NAMES and node.attr != "stack" or \
                node.attr == "stack" and _root(node) == "inspect":
            self.hit(NEUTRALISED, f"inspects the grader's stack frames ({node.attr})", node)
        self.generic_visit(node)

    def visit_Name(self, node):
        if node.id == "__builtins__":
            self.hit(NEUTRALISED, "reaches into __builtins__", node)


def _parseable(source):
    """(tree, line offset) of a cell's Python, skipping IPython magics; None if it cannot parse."""
    lines = source.split("\n")
    offset = 0
    if lines and lines[0].lstrip().startswith("%%"):
        lines, offset = lines[1:], 1
    lines = [("pass" + " " * (len(l) - 4)) if l.lstrip().startswith(("%", "!")) and
             not l.startswith((" ", "\t")) else l for l in lines]
    try:
        return ast.parse("\n".join(lines)), offset
    except SyntaxError:
        return None, offset


def _statements(tree):
    """Every statement node with its parent chain length, innermost last."""
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt):
            yield node


def _enclosing_statement(tree, node):
    """The innermost statement that contains `node` (or `node` itself)."""
    if isinstance(node, ast.stmt):
        return node
    best = None
    for statement in _statements(tree):
        if statement.lineno <= node.lineno and statement.end_lineno >= node.end_lineno and \
                not isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef,
                                           ast.ClassDef, ast.If, ast.For, ast.While,
                                           ast.With, ast.Try)):
            if best is None or statement.lineno >= best.lineno:
                best = statement
    return best or node


def scan_source(source, modules=frozenset(), protected=frozenset()):
    """Findings of one cell's source.

    Args:
        source: str, the cell's text.
        modules: names the notebook binds by import (attributes of these are protected).
        protected: names the locked cells define (the test helpers), which may not be rebound.
    """
    tree, offset = _parseable(source)
    if tree is None:
        return []
    scanner = _Scanner(set(modules) | MODULE_NAMES | imported_names(tree), set(protected))
    scanner.visit(tree)
    findings, seen = [], set()
    for kind, message, node in scanner.hits:
        statement = _enclosing_statement(tree, node)
        start = min([statement.lineno] + [d.lineno for d in
                                          getattr(statement, "decorator_list", [])])
        key = (kind, message, start)
        if key not in seen:
            seen.add(key)
            findings.append(Finding(kind, message, start + offset,
                                    statement.end_lineno + offset))
    return findings


def neutralise(source, findings):
    """`source` with the lines of every NEUTRALISED finding replaced by a `pass`."""
    lines = source.split("\n")
    done_until = 0
    for finding in sorted((f for f in findings if f.kind == NEUTRALISED),
                          key=lambda f: (f.line, -f.end_line)):
        if finding.line <= done_until:
            continue
        first = lines[finding.line - 1]
        indent = first[:len(first) - len(first.lstrip())]
        lines[finding.line - 1] = f"{indent}{MARK}{finding.message}"
        for index in range(finding.line, finding.end_line):
            lines[index] = ""
        done_until = finding.end_line
    return "\n".join(lines)


def visible_expected_values(cells):
    """Numbers the visible tests expect: constants in expect_close's `expected` argument."""
    values = set()
    for cell in cells:
        tree, _ = _parseable(cell.source)
        if tree is None:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _dotted(node.func).endswith("expect_close") \
                    and len(node.args) >= 2:
                values |= _numbers(node.args[1])
    return {v for v in values if not (float(v).is_integer() and abs(v) <= 10)}


def _numbers(node):
    found = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Constant) and type(sub.value) in (int, float):
            found.add(float(sub.value))
            found.add(-float(sub.value))
    return found


def _bare_constants(tree):
    """(value, node) of numeric constants returned, assigned, listed or compared as such."""
    for node in ast.walk(tree):
        holders = []
        if isinstance(node, (ast.Return, ast.Assign)) and node.value is not None:
            holders = [node.value]
        elif isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            holders = node.elts
        elif isinstance(node, ast.Dict):
            holders = list(node.values)
        elif isinstance(node, ast.Compare):
            holders = node.comparators + [node.left]
        for holder in holders:
            value = holder.operand if isinstance(holder, ast.UnaryOp) and \
                isinstance(holder.op, ast.USub) else holder
            if isinstance(value, ast.Constant) and type(value.value) in (int, float):
                sign = -1.0 if value is not holder else 1.0
                yield sign * float(value.value), holder


def hardcoded_findings(source, expected):
    """HARDCODED findings for constants of `source` that equal a visible expected output."""
    tree, offset = _parseable(source)
    if tree is None or not expected:
        return []
    findings = []
    for value, node in _bare_constants(tree):
        if any(abs(value - e) <= 1e-9 + 1e-6 * abs(e) for e in expected):
            findings.append(Finding(HARDCODED, f"returns the visible test's expected output "
                                    f"{value:g} as a constant", node.lineno + offset,
                                    node.end_lineno + offset))
    return findings


def scan_notebook(notebook, locked_ids=None, fix=True):
    """Scan (and with `fix`, neutralise) every cell a student could have edited.

    Args:
        notebook: nbformat notebook, changed in place when `fix`.
        locked_ids: set of grade_ids whose source nbgrader restores from the
            gradebook (not scanned); default: cells marked locked.
        fix: replace neutralised statements in the notebook's cells.

    Returns:
        list of Finding, each with its cell's name.
    """
    def locked(cell):
        meta = cells.nbgrader_meta(cell)
        if locked_ids is None:
            return bool(meta.get("locked")) and not meta.get("solution")
        return meta.get("grade_id") in locked_ids and bool(meta.get("locked"))

    code = [(i, c) for i, c in enumerate(notebook.cells) if c.cell_type == "code"]
    modules = set()
    for _, cell in code:
        tree, _ = _parseable(cell.source)
        if tree is not None:
            modules |= imported_names(tree)
    expected = visible_expected_values([c for _, c in code if locked(c)])
    protected = {"check"}
    for _, cell in code:
        tree, _ = _parseable(cell.source) if locked(cell) else (None, 0)
        if tree is not None:
            protected |= imported_names(tree)
    findings = []
    for index, cell in code:
        if locked(cell):
            continue
        name = cells.cell_name(cell, index)
        found = scan_source(cell.source, modules, protected)
        if cells.is_solution(cell):
            found += hardcoded_findings(cell.source, expected)
        if fix and any(f.kind == NEUTRALISED for f in found):
            cell.source = neutralise(cell.source, found)
        findings += [Finding(f.kind, f.message, f.line, f.end_line, name) for f in found]
    return findings


class TamperScan(NbGraderPreprocessor):
    """Scan the editable cells before they run; record what tampers (without the jail, remove it).

    The findings go to the notebook's metadata, "autograder" → "cheats".
    """

    remove = Bool(False, help="Replace each tampering statement by `pass` before the notebook "
                  "runs. Leave off while grading runs in the jail: the jail and the trusted "
                  "checker are the defence, and honest code is never changed.").tag(config=True)

    def preprocess(self, nb, resources):
        findings = scan_notebook(nb, gradebook.locked_ids(resources), fix=self.remove)
        if not self.remove:
            findings = [replace(f, kind=TAMPERING) if f.kind == NEUTRALISED else f
                        for f in findings]
        nb.metadata.setdefault(METADATA_KEY, {})["cheats"] = [asdict(f) for f in findings]
        return nb, resources
