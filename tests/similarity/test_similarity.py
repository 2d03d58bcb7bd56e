"""Does the similarity report find planted copies and leave honest look-alikes alone?

The classes are built from the real release and solution notebooks: honest students hand in
the solution or one of four other correct implementations written differently (checked
against the solution below), and copiers a renamed copy, a copy with moved statements and
new comments, or one function taken from someone else.
"""
import ast
import copy
import csv
import io
import json
import re
import textwrap
import tokenize
from pathlib import Path

import numpy as np
import pytest

from autograder.course import ROOT
from autograder.similarity.__main__ import main
from autograder.similarity.answers import load_class
from autograder.similarity.compare import (FLAGGED, NOTEBOOK, TOO_COMMON, TOO_SHORT, Settings,
                                           compare_class)
from autograder.similarity.report import write_report

MLP = "04_deep_mlp"
ACTIVATIONS = "05_activations"
LONG = ("mlp_forward", "mlp_backward", "train_mlp")

# Correct answers to 04_deep_mlp written four ways besides the solution: only the body, the
# released signature, docstring and return line stay around it.
VARIANTS = {
    "A": {
        "xor_params": """
            W1 = np.array([[20.0, -20.0], [20.0, -20.0]])
            b1 = np.array([-10.0, 30.0])
            W2 = np.array([[20.0], [20.0]])
            b2 = np.array([-30.0])
            params = {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
            """,
        "linear_forward": """
            Z = np.dot(X, W) + b[None, :]
            cache = X, W, b
            """,
        "linear_backward": """
            X_in, weights, _ = cache
            dW = np.dot(X_in.T, dZ)
            db = np.sum(dZ, axis=0)
            dX = np.dot(dZ, weights.T)
            """,
        "mlp_forward": """
            cache = []
            A_prev = X
            n_layers = len(params) // 2
            l = 1
            while l <= n_layers:
                W_l = params["W" + str(l)]
                b_l = params["b" + str(l)]
                Z_l, lin = linear_forward(A_prev, W_l, b_l)
                A_l = sigmoid(Z_l)
                cache.append((lin, Z_l, A_l))
                A_prev = A_l
                l += 1
            y_hat = A_prev[:, 0]
            """,
        "mlp_backward": """
            n = y.shape[0]
            L = len(cache)
            grads = {}
            y_hat = cache[L - 1][2][:, 0]
            dA = None
            dZ = (y_hat - y).reshape(-1, 1) / n
            for l in reversed(range(1, L + 1)):
                lin_cache = cache[l - 1][0]
                dA, dW, db = linear_backward(dZ, lin_cache)
                grads["W" + str(l)] = dW
                grads["b" + str(l)] = db
                if l == 1:
                    break
                Z_below = cache[l - 2][1]
                dZ = dA * sigmoid(Z_below) * (1 - sigmoid(Z_below))
            """,
        "train_mlp": """
            params = init_params(layer_sizes, rng)
            history = []
            epoch = 0
            while epoch < epochs:
                batches = minibatches(X, y, batch_size, rng)
                for xb, yb in batches:
                    y_hat_b, c = mlp_forward(xb, params)
                    g = mlp_backward(yb, c)
                    params = sgd_step(params, g, lr)
                full_pred, _ = mlp_forward(X, params)
                history.append(cost(y, full_pred))
                epoch += 1
            losses = np.array(history)
            """,
    },
    "B": {
        "xor_params": """
            params = dict()
            params["W1"] = 15.0 * np.ones((2, 2))
            params["b1"] = np.array([-7.5, -22.5])  # OR, AND
            params["W2"] = np.array([15.0, -15.0]).reshape(2, 1)
            params["b2"] = -7.5 * np.ones(1)
            """,
        "linear_forward": """
            cache = (X, W, b)
            Z = X.dot(W) + b.reshape(1, -1)
            """,
        "linear_backward": """
            X = cache[0]
            W = cache[1]
            dX = np.matmul(dZ, W.transpose())
            dW = np.matmul(X.transpose(), dZ)
            db = dZ.sum(0)
            """,
        "mlp_forward": """
            depth = sum(1 for key in params if key.startswith("W"))
            activations = X
            cache = list()
            for i in range(depth):
                weight, bias = params["W%d" % (i + 1)], params["b%d" % (i + 1)]
                net, linear_cache = linear_forward(activations, weight, bias)
                activations = sigmoid(net)
                cache += [(linear_cache, net, activations)]
            y_hat = activations.ravel()
            """,
        "mlp_backward": """
            count = len(y)
            layers = list(cache)
            top = layers[-1][2]
            delta = (top - y[:, np.newaxis]) / count
            grads = dict()
            for idx in range(len(layers) - 1, -1, -1):
                (A_in, W_l, b_l), _, _ = layers[idx]
                grads[f"W{idx + 1}"] = A_in.T @ delta
                grads[f"b{idx + 1}"] = delta.sum(axis=0)
                if idx > 0:
                    A_below = layers[idx - 1][2]
                    delta = (delta @ W_l.T) * A_below * (1.0 - A_below)
            """,
        "train_mlp": """
            params = init_params(layer_sizes, rng)
            losses = np.empty(epochs)
            for e in range(epochs):
                for batch in minibatches(X, y, batch_size, rng):
                    grads = mlp_backward(batch[1], mlp_forward(batch[0], params)[1])
                    params = sgd_step(params, grads, lr)
                predictions = mlp_forward(X, params)[0]
                losses[e] = cost(y, predictions)
            """,
    },
    "C": {
        "xor_params": """
            big = 50.0
            hidden_weights = np.array([[1.0, 1.0], [1.0, 1.0]]) * big
            hidden_bias = np.array([-0.5, -1.5]) * big
            output_weights = np.array([[1.0], [-2.0]]) * big
            output_bias = np.array([-0.5]) * big
            params = {"W1": hidden_weights, "b1": hidden_bias,
                      "W2": output_weights, "b2": output_bias}
            """,
        "linear_forward": """
            Z = np.einsum("nd,dk->nk", X, W) + b
            cache = tuple([X, W, b])
            """,
        "linear_backward": """
            inputs, weights, bias = cache
            dW = np.einsum("nd,nk->dk", inputs, dZ)
            dX = np.einsum("nk,dk->nd", dZ, weights)
            db = np.ones(dZ.shape[0]) @ dZ
            """,
        "mlp_forward": """
            def layer(A_in, l):
                Z = A_in @ params[f"W{l}"] + params[f"b{l}"]
                return (A_in, params[f"W{l}"], params[f"b{l}"]), Z, sigmoid(Z)

            cache = []
            out = X
            for l in range(1, len(params) // 2 + 1):
                entry = layer(out, l)
                cache.append(entry)
                out = entry[-1]
            y_hat = out[:, 0]
            """,
        "mlp_backward": """
            N = y.size
            depth = len(cache)
            dZ = None
            grads = {}
            for l in range(depth, 0, -1):
                linear_cache, Z, A = cache[l - 1]
                if dZ is None:
                    dZ = (A - y.reshape(A.shape)) / N
                else:
                    dZ = dA_prev * sigmoid_grad(Z)
                dA_prev, dW, db = linear_backward(dZ, linear_cache)
                grads.update({f"W{l}": dW, f"b{l}": db})
            """,
        "train_mlp": """
            params = init_params(layer_sizes, rng)
            losses = []
            for _ in range(epochs):
                for X_batch, y_batch in minibatches(X, y, batch_size, rng):
                    cache = mlp_forward(X_batch, params)[1]
                    gradients = mlp_backward(y_batch, cache)
                    params = {name: value - lr * gradients[name] for name, value in params.items()}
                y_hat_all = mlp_forward(X, params)[0]
                losses.append(cost(y, y_hat_all))
            losses = np.asarray(losses, dtype=float)
            """,
    },
    "D": {
        "xor_params": """
            s = 30.0
            params = {}
            params["W1"] = s * np.array([[1.0, -1.0], [-1.0, 1.0]])
            params["b1"] = s * np.array([-0.5, -0.5])
            params["W2"] = s * np.array([[1.0], [1.0]])
            params["b2"] = s * np.array([-0.5])
            """,
        "linear_forward": """
            Z = X @ W
            Z = Z + b
            cache = (X, W, b)
            """,
        "linear_backward": """
            (inp, w, _b) = cache
            dX = dZ.dot(w.T)
            dW = inp.T.dot(dZ)
            db = dZ.sum(axis=0, keepdims=True).reshape(-1)
            """,
        "mlp_forward": """
            layers = [(params["W%d" % i], params["b%d" % i])
                      for i in range(1, len(params) // 2 + 1)]
            cache = []
            current = X
            for W_i, b_i in layers:
                Z_i, lc = linear_forward(current, W_i, b_i)
                current = sigmoid(Z_i)
                cache.append((lc, Z_i, current))
            y_hat = current[:, 0]
            """,
        "mlp_backward": """
            m = len(y)
            grads = {}
            upstream = cache[-1][2] - y[:, None]  # dZ of the output layer
            upstream = upstream / m
            for depth in range(len(cache), 0, -1):
                lin, Z_here, _ = cache[depth - 1]
                X_in, W_here, _ = lin
                grads["W" + str(depth)] = X_in.T @ upstream
                grads["b" + str(depth)] = upstream.sum(axis=0)
                if depth > 1:
                    upstream = (upstream @ W_here.T) * sigmoid_grad(cache[depth - 2][1])
            """,
        "train_mlp": """
            rng_used = rng
            params = init_params(layer_sizes, rng_used)
            losses = np.full(epochs, np.nan)
            for epoch_index in range(epochs):
                for (inputs, labels) in minibatches(X, y, batch_size, rng_used):
                    grad = mlp_backward(labels, mlp_forward(inputs, params)[1])
                    params = sgd_step(params, grad, lr)
                probabilities, _ = mlp_forward(X, params)
                losses[epoch_index] = cost(y, probabilities)
            """,
    },
}



def moved(body, order, comments):
    """`body` with its lines in `order` and a comment added at the end of some of them.

    Args:
        body: lines of code (str).
        order: a permutation of the line numbers; only independent statements are moved.
        comments: {line number: comment text}.
    """
    lines = textwrap.dedent(body).strip("\n").split("\n")
    assert sorted(order) == list(range(len(lines))), f"{order} is no permutation of {len(lines)}"
    return "\n".join(lines[i] + (f"  # {comments[i]}" if i in comments else "") for i in order)


# Variant A with independent statements moved and comments added: {function: (order, comments)}.
MOVES = {
    "xor_params": ([2, 3, 1, 0, 4], {2: "output unit: AND of the two hidden units",
                                     1: "hidden units: OR and NAND"}),
    "linear_forward": ([1, 0], {1: "what the backward pass needs"}),
    "linear_backward": ([0, 2, 3, 1], {2: "the bias gradient sums over the batch"}),
    "mlp_forward": ([2, 1, 0, 3, 4, 6, 5, 7, 8, 9, 11, 10, 12], {2: "how many layers",
                                                                 11: "next layer"}),
    "mlp_backward": ([1, 0, 3, 2, 5, 4, 6, 7, 8, 10, 9, 11, 12, 13, 14],
                     {5: "output layer", 13: "chain rule through the sigmoid below"}),
    "train_mlp": ([0, 2, 1, 3, 4, 5, 6, 7, 8, 11, 9, 10, 12], {9: "loss on the whole set"}),
}
MOVED_A = {name: moved(VARIANTS["A"][name], *MOVES[name]) for name in MOVES}


def read(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def source_of(cell):
    return cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])


def defined(source):
    """The name of the first function `source` defines at the top level (or None)."""
    names = [node.name for node in ast.parse(source).body if isinstance(node, ast.FunctionDef)]
    return names[0] if names else None


def released_cells(assignment):
    """{function: released answer cell} of an assignment, read from release/."""
    notebook = read(ROOT / "release" / assignment / f"{assignment}.ipynb")
    return {defined(source_of(c)): source_of(c) for c in notebook["cells"]
            if c["cell_type"] == "code" and c["metadata"].get("nbgrader", {}).get("solution")}


def solution(assignment):
    """{function: answer cell of solutions/<id>} for the graded functions."""
    graded = released_cells(assignment)
    notebook = read(ROOT / "solutions" / assignment / f"{assignment}.ipynb")
    cells = {}
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code" and source_of(cell).startswith("def "):
            name = defined(source_of(cell))
            if name in graded:
                cells[name] = source_of(cell)
    assert sorted(cells) == sorted(graded), f"solution cells {sorted(cells)}, graded {graded}"
    return cells


def with_body(released, body):
    """The released answer cell with `body` where `raise NotImplementedError()` was."""
    placeholder = "    # YOUR CODE HERE\n    raise NotImplementedError()\n"
    assert placeholder in released, f"no placeholder in {released[:60]!r}"
    return released.replace(placeholder, textwrap.indent(textwrap.dedent(body).strip("\n"),
                                                         "    ") + "\n")


def variant(assignment, bodies):
    """{function: full answer cell} for a dict of bodies."""
    released = released_cells(assignment)
    return {name: with_body(released[name], body) for name, body in bodies.items()}


def renamed(source):
    """`source` with every argument and assigned variable of its function renamed.

    Only names change (inside f-strings too): the layout, the comments and the docstring stay.
    """
    function = ast.parse(source).body[0]
    local = [a.arg for a in function.args.args]
    local += [n.id for n in ast.walk(function) if isinstance(n, ast.Name)
              and isinstance(n.ctx, ast.Store)]
    names = {name: f"q{i}_{name.lower()[::-1]}" for i, name in enumerate(dict.fromkeys(local))}

    def in_braces(match):
        return re.sub(r"\b\w+\b", lambda m: names.get(m.group(), m.group()), match.group())

    tokens = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        text = token.string
        if token.type == tokenize.NAME:
            text = names.get(text, text)
        elif token.type == tokenize.STRING and text[:1] in "fF":
            text = re.sub(r"\{[^{}]*\}", in_braces, text)
        tokens.append(token._replace(string=text))
    result = tokenize.untokenize(tokens)
    left = {n.id for n in ast.walk(ast.parse(result)) if isinstance(n, ast.Name)} & set(names)
    assert names and not left, f"expected every variable renamed, {left} left in {result}"
    return result


def write_class(root, assignment, students):
    """Write release/ and submitted/<student>/<assignment>/<assignment>.ipynb under `root`.

    Args:
        students: {student: {function: answer cell}}; unlisted functions stay as released.
    """
    released = read(ROOT / "release" / assignment / f"{assignment}.ipynb")
    (root / "release" / assignment).mkdir(parents=True, exist_ok=True)
    (root / "release" / assignment / f"{assignment}.ipynb").write_text(json.dumps(released))
    for student, cells in students.items():
        notebook = copy.deepcopy(released)
        for cell in notebook["cells"]:
            name = defined(source_of(cell)) if cell["cell_type"] == "code" and \
                cell["metadata"].get("nbgrader", {}).get("solution") else None
            if name in cells:
                cell["source"] = cells[name]
        folder = root / "submitted" / student / assignment
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{assignment}.ipynb").write_text(json.dumps(notebook))
    return root


def mlp_class():
    """The planted 04_deep_mlp class: {student: {function: answer cell}}."""
    own = {name: variant(MLP, VARIANTS[name]) for name in VARIANTS}
    one_function = dict(own["D"], mlp_backward=own["C"]["mlp_backward"])
    return {
        "honest_solution": solution(MLP),
        "honest_a": own["A"], "honest_b": own["B"], "honest_c": own["C"],
        "copy_renamed": {name: renamed(src) for name, src in solution(MLP).items()},
        "copy_moved": variant(MLP, MOVED_A),
        "copy_one_function": one_function,
    }


@pytest.fixture(scope="module")
def mlp(tmp_path_factory):
    root = write_class(tmp_path_factory.mktemp("mlp"), MLP, mlp_class())
    return root, compare_class(load_class(root, MLP))


def scopes_flagged(similarity, a, b):
    return set(similarity.flagged_pairs().get(tuple(sorted((a, b))), []))


def test_every_variant_is_a_correct_answer():
    """The honest implementations compute what the solution computes (else they prove nothing)."""
    toolkit = (ROOT / "release" / MLP / "toolkit.py").read_text()
    init_params = [s for s in read(ROOT / "solutions" / MLP / f"{MLP}.ipynb")["cells"]
                   if source_of(s).startswith("def init_params")]

    def namespace(cells):
        scope = {}
        exec(toolkit, scope)
        exec(source_of(init_params[0]), scope)
        for source in cells.values():
            exec(source, scope)
        return scope

    expected = namespace(solution(MLP))
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((9, 3)), (rng.random(9) > 0.5).astype(float)
    params = expected["init_params"]([3, 4, 5, 1], np.random.default_rng(1))
    inputs = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    for name in list(VARIANTS) + ["moved"]:
        got = namespace(variant(MLP, MOVED_A if name == "moved" else VARIANTS[name]))
        y_hat, cache = got["mlp_forward"](X, params)
        assert np.allclose(y_hat, expected["mlp_forward"](X, params)[0]), f"{name}: mlp_forward"
        forward_cache = expected["mlp_forward"](X, params)[1]
        grads = got["mlp_backward"](y, forward_cache)
        for key, value in expected["mlp_backward"](y, forward_cache).items():
            assert np.allclose(grads[key], value), f"{name}: mlp_backward {key}"
        dX, dW, db = got["linear_backward"](X[:, :2], (X, params["W1"][:, :2], params["b1"][:2]))
        want = expected["linear_backward"](X[:, :2], (X, params["W1"][:, :2], params["b1"][:2]))
        assert all(np.allclose(g, w) for g, w in zip((dX, dW, db), want)), (
            f"{name}: linear_backward gave {(dX, dW, db)}, expected {want}")
        trained = [f["train_mlp"](X, y, [3, 4, 1], 0.5, 3, 4, np.random.default_rng(2))
                   for f in (got, expected)]
        assert np.allclose(trained[0][1], trained[1][1]), f"{name}: train_mlp losses {trained}"
        p = got["xor_params"]()
        hidden = expected["sigmoid"](inputs @ p["W1"] + p["b1"])
        out = expected["sigmoid"](hidden @ p["W2"] + p["b2"])[:, 0]
        assert (out[[1, 2]] > 0.99).all() and (out[[0, 3]] < 0.01).all(), f"{name}: xor {out}"


def verdicts(similarity, a, b):
    """{scope: verdict} of the pair a, b wherever they share distinctive code."""
    a, b = sorted((a, b))
    return {scope: p.verdict for scope, pairs in similarity.pairs.items() for p in pairs
            if (p.a, p.b) == (a, b)}


def test_renamed_copy_is_flagged_in_the_notebook_and_wherever_its_code_is_not_common(mlp):
    """The solution's train_mlp is mostly the loop body most of this class writes: not evidence."""
    _, similarity = mlp
    found = verdicts(similarity, "honest_solution", "copy_renamed")
    expected = {"xor_params": FLAGGED, "mlp_forward": FLAGGED, "mlp_backward": FLAGGED,
                "train_mlp": TOO_COMMON, NOTEBOOK: FLAGGED}
    assert {scope: found.get(scope) for scope in expected} == expected, found


def test_copy_with_moved_statements_and_new_comments_is_flagged(mlp):
    _, similarity = mlp
    found = scopes_flagged(similarity, "honest_a", "copy_moved")
    assert set(LONG) | {NOTEBOOK} <= found, f"expected {LONG} and the notebook, got {found}"


def test_a_single_copied_function_is_flagged_and_only_that_one(mlp):
    _, similarity = mlp
    found = scopes_flagged(similarity, "honest_c", "copy_one_function")
    assert found == {"mlp_backward"}, f"expected only mlp_backward, got {found}"


def test_independent_correct_solutions_are_not_flagged(mlp):
    _, similarity = mlp
    planted = {("copy_renamed", "honest_solution"), ("copy_moved", "honest_a"),
               ("copy_one_function", "honest_c")}
    others = {pair: scopes for pair, scopes in similarity.flagged_pairs().items()
              if pair not in planted}
    assert others == {}, f"expected only the planted pairs to be flagged, also got {others}"
    honest = {"honest_solution", "honest_a", "honest_b", "honest_c"}
    judged = [p for scope in LONG for p in similarity.pairs[scope]
              if {p.a, p.b} <= honest and not p.verdict.startswith("cannot judge")]
    assert judged, "expected honest pairs sharing some code to be judged, found none"


def test_the_threshold_grows_as_answers_get_shorter_or_more_common():
    settings = Settings()
    thresholds = [settings.threshold_for(n) for n in (settings.min_tokens, 2 * settings.min_tokens,
                                                       4 * settings.min_tokens, 10_000)]
    assert thresholds[0] == pytest.approx(1.0) and thresholds == sorted(thresholds, reverse=True), (
        f"expected 1.0 at min_tokens, then falling: got {thresholds}")
    assert thresholds[-1] == pytest.approx(settings.threshold, abs=0.01), thresholds
    assert [settings.common_count(n) for n in (8, 40, 300)] == [4, 4, 30]


def test_short_functions_cannot_be_judged_in_the_mlp_class(mlp):
    _, similarity = mlp
    pairs = similarity.pairs["linear_forward"]
    renamed_pair = [p for p in pairs if (p.a, p.b) == ("copy_renamed", "honest_solution")]
    assert renamed_pair and renamed_pair[0].verdict in (TOO_SHORT, TOO_COMMON), (
        f"expected the renamed one-line linear_forward to be unjudged, got {renamed_pair}")


def activations_class(students=8, unusual=()):
    """05_activations where everyone hands in the solution's one-liners (and no long answer)."""
    answers = {name: src for name, src in solution(ACTIVATIONS).items()
               if name != "layer_gradient_norms"}
    odd = with_body(released_cells(ACTIVATIONS)["relu"], "out = z * (z > 0)")
    return {f"student{i:02d}": dict(answers, relu=odd) if f"student{i:02d}" in unusual
            else dict(answers) for i in range(students)}


def test_a_class_writing_the_one_liners_the_same_way_is_not_flagged(tmp_path):
    root = write_class(tmp_path, ACTIVATIONS, activations_class())
    similarity = compare_class(load_class(root, ACTIVATIONS))
    flagged = similarity.flagged_pairs()
    assert flagged == {}, f"expected nothing flagged, got {flagged}"
    for summary in similarity.summaries:
        if summary.function != "layer_gradient_norms":
            assert summary.answered == 8 and summary.too_short + summary.too_common == 8, summary
            assert summary.largest_group == 8, summary


def test_without_the_length_and_commonness_rules_the_same_class_would_be_flagged(tmp_path):
    root = write_class(tmp_path, ACTIVATIONS, activations_class())
    loose = Settings(min_tokens=1, common_share=2.0)
    similarity = compare_class(load_class(root, ACTIVATIONS), loose)
    assert len(similarity.flagged_pairs()) == 8 * 7 // 2, (
        f"expected all 28 pairs flagged without the rules, got {len(similarity.flagged_pairs())}")


def test_a_rare_short_answer_shared_by_two_is_listed_as_cannot_judge(tmp_path):
    root = write_class(tmp_path, ACTIVATIONS,
                       activations_class(students=10, unusual=("student03", "student07")))
    similarity = compare_class(load_class(root, ACTIVATIONS))
    relu = [p for p in similarity.pairs["relu"] if (p.a, p.b) == ("student03", "student07")]
    assert relu and relu[0].score == pytest.approx(1.0) and relu[0].verdict == TOO_SHORT, (
        f"expected the shared unusual relu at score 1.0, too short to judge; got {relu}")
    assert similarity.flagged_pairs() == {}


def test_the_report_files(mlp, tmp_path):
    _, similarity = mlp
    folder = write_report(similarity, tmp_path / "similarity", top=3)
    rows = list(csv.DictReader(open(folder / "pairs.csv", encoding="utf-8")))
    flagged = {(r["scope"], r["student_a"], r["student_b"]) for r in rows
               if r["verdict"] == FLAGGED}
    assert ("mlp_backward", "copy_one_function", "honest_c") in flagged, flagged
    assert {r["scope"] for r in rows} >= {NOTEBOOK, *LONG}, {r["scope"] for r in rows}
    pages = sorted(p.name for p in (folder / "pairs").glob("*.html"))
    assert pages == ["copy_moved--honest_a.html", "copy_one_function--honest_c.html",
                     "copy_renamed--honest_solution.html"], pages
    page = (folder / "pairs" / "copy_one_function--honest_c.html").read_text()
    assert page.count("<mark>") >= 2 and "mlp_backward" in page, page[:500]
    marked = re.findall(r"<mark>(.*?)</mark>", page, re.S)
    assert not any("&#34;&#34;&#34;" in text for text in marked), "expected no docstring marked"
    assert (folder / "heatmap.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = (folder / "report.md").read_text()
    assert "## What this report cannot judge" in text and "`linear_forward`" in text, text
    functions = {r["function"]: r for r in csv.DictReader(open(folder / "functions.csv"))}
    assert list(functions) == list(released_cells(MLP)), list(functions)


def test_the_command_writes_the_report_and_refuses_without_a_release(mlp, tmp_path, capsys):
    root, _ = mlp
    assert main([MLP, "--root", str(root), "--threshold", "0.7"]) == 0
    out = capsys.readouterr().out
    assert "copy_one_function and honest_c: mlp_backward" in out, out
    assert (root / "reports" / MLP / "similarity" / "report.md").is_file()
    assert main(["09_missing", "--root", str(root)]) == 2


def test_answers_are_the_solution_cells_by_function_and_bad_notebooks_are_named(tmp_path):
    root = write_class(tmp_path, MLP, {"other_name": solution(MLP)})
    folder = root / "submitted" / "other_name" / MLP
    (folder / f"{MLP}.ipynb").rename(folder / "my copy.ipynb")
    (root / "submitted" / "broken" / MLP).mkdir(parents=True)
    (root / "submitted" / "broken" / MLP / f"{MLP}.ipynb").write_text("{not json")
    (root / "submitted" / "empty" / MLP).mkdir(parents=True)
    answers = load_class(root, MLP)
    assert answers.functions == tuple(released_cells(MLP)), answers.functions
    assert answers.students == ["other_name"], answers.students
    assert sorted(answers.unreadable) == ["broken", "empty"], answers.unreadable
    assert answers.answers["other_name"]["train_mlp"] == solution(MLP)["train_mlp"]
    assert all("# Tests for" not in src for src in answers.answers["other_name"].values())


def test_a_class_handing_in_the_release_compares_nothing_and_says_so(tmp_path):
    root = write_class(tmp_path, MLP, {"first": {}, "second": {}, "third": {}})
    similarity = compare_class(load_class(root, MLP))
    assert all(not pairs for pairs in similarity.pairs.values()), similarity.pairs
    assert [s.answered for s in similarity.summaries] == [0] * len(released_cells(MLP))
    text = (write_report(similarity, tmp_path / "out") / "report.md").read_text()
    assert "`train_mlp`: nobody answered it." in text, text
