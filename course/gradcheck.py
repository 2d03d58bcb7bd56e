"""The course's one table for reading a gradient check.

A gradient check compares an analytic gradient `a` with centred differences `b`
(`numerical_gradient`, h = 1e-5, float64) by the relative error of assignment 02,
max_i |a_i - b_i| / max(1e-8, |a_i| + |b_i|). Every notebook that checks a gradient reads
that number with this table:

| relative error | reading |
|---|---|
| below 1e-7 | right |
| 1e-7 to 1e-5 | right for a deep network or near a kink; on a small smooth function, look again |
| 1e-5 to 1e-3 | suspicious: right only with a kink (ReLU, hinge, abs) within h of an input, or tiny entries |
| above 1e-3 | wrong |

Tiny gradients: centred differences carry noise of about 1e-16·|f|/h ≈ 1e-11, so where the
entries are below about 1e-6 the relative error is large even for a correct gradient; compare
the absolute error max |a - b| instead (below 1e-9 is right). Deeper networks give larger
errors (more roundoff), and so do kinks: check at points away from them, with dropout off or
its mask held fixed, and check the regularised loss too.
"""
import numpy as np

from course.testing import TestFailure

RIGHT = 1e-7
DEEP_OR_KINK = 1e-5
SUSPICIOUS = 1e-3
TINY = 1e-6
TINY_ABSOLUTE = 1e-9

TABLE = __doc__[__doc__.index("| relative"):__doc__.index("\n\nTiny")]


def reading(error, analytic=None, numeric=None):
    """What a gradient check's relative error says, by the course's table.

    Args:
        error: float, the relative error of the analytic and the numerical gradient.
        analytic, numeric: optional arrays of the same shape; when every entry of both is
            below TINY in size, the absolute error max |a - b| decides instead.

    Returns:
        str starting with "right", "probably right", "suspicious" or "wrong".
    """
    if analytic is not None and numeric is not None:
        a, b = np.asarray(analytic, dtype=float), np.asarray(numeric, dtype=float)
        if max(np.max(np.abs(a), initial=0.0), np.max(np.abs(b), initial=0.0)) < TINY:
            absolute = float(np.max(np.abs(a - b), initial=0.0))
            word = "right" if absolute < TINY_ABSOLUTE else "wrong"
            return (f"{word}: the entries are tiny (below {TINY:g}), so the absolute error "
                    f"{absolute:.1e} decides (right below {TINY_ABSOLUTE:g})")
    if error < RIGHT:
        return f"right (relative error {error:.1e} < {RIGHT:g})"
    if error < DEEP_OR_KINK:
        return (f"probably right (relative error {error:.1e}): fine for a deep network or "
                "near a kink, worth a second look on a small smooth function")
    if error < SUSPICIOUS:
        return (f"suspicious (relative error {error:.1e}): right only with a kink within h "
                "of an input or with tiny entries")
    return f"wrong (relative error {error:.1e} > {SUSPICIOUS:g})"


def expect_gradient(error, what, analytic=None, numeric=None):
    """Fail with a TestFailure unless the table reads the check as right or probably right.

    Args:
        error: float relative error; what: str naming the gradient checked.
        analytic, numeric: optional arrays, for the tiny-gradient rule of `reading`.
    """
    verdict = reading(error, analytic, numeric)
    if not verdict.startswith(("right", "probably right")):
        raise TestFailure(f"gradient check of {what}: {verdict}")
