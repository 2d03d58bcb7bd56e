"""Measures and verdicts of the activation explorers, as pure functions: the weight-scale
explorer's (a deep net's activations on a batch of inputs, one (n, width) array per layer)
and the sigmoid-saturation explorer's reading of a chain of neurons."""
import numpy as np

RANGES = {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0), "relu": (0.0, 3.0)}


def layer_statistics(name, layers):
    """Per-layer measures of a deep net's activations on a batch of inputs.

    Args:
        name: "tanh", "sigmoid" or "relu"; layers: list of (n, width) activations.

    Returns:
        dict of (depth,) arrays: "spread", each unit's std across the n inputs, averaged
        over the units; "flat", the share of activations within 10 % of a flat end
        (|a| > 0.9 for tanh, a < 0.05 or a > 0.95 for the sigmoid) or, for relu, the share
        of units that are 0 for every input (dead).
    """
    spread = np.array([np.asarray(A).std(axis=0).mean() for A in layers])
    if name == "relu":
        flat = np.array([np.mean(np.asarray(A).max(axis=0) <= 0) for A in layers])
    else:
        low, high = RANGES[name]
        flat = np.array([np.mean(np.abs(2 * (np.asarray(A) - low) / (high - low) - 1) > 0.9)
                         for A in layers])
    return {"spread": spread, "flat": flat}


def verdict(name, spread, flat):
    """A one-line verdict from the per-layer measures of `layer_statistics`.

    The spread across inputs is compared with layer 1's: a network whose last layer barely
    varies from input to input has collapsed, whatever its units' offsets. For tanh and the
    sigmoid, more than 10 % of the last layer's units near a flat end is saturation.

    Args:
        name: "tanh", "sigmoid" or "relu"; spread, flat: (depth,) arrays.

    Returns:
        str starting with collapse, saturation, shrinking, growing, explosion or healthy.
    """
    ratio = spread[-1] / max(spread[0], 1e-300)
    if ratio < 0.01:
        return (f"collapse: across inputs the last layer varies {ratio:.1g}× as much as "
                "layer 1, so the output hardly depends on the input")
    if name != "relu" and flat[-1] > 0.1:
        return (f"saturation: {flat[-1]:.0%} of the last layer's activations sit near a flat "
                "end, where the slope is small")
    if ratio < 0.2:
        return f"shrinking: the spread across inputs falls to {ratio:.2g}× layer 1's"
    if ratio > 20:
        return f"explosion: the spread across inputs grows {ratio:.3g}× from layer 1"
    if ratio > 2:
        return f"growing: the spread across inputs grows {ratio:.2g}× from layer 1"
    return f"healthy: the spread across inputs ends at {ratio:.2g}× layer 1's"


def stack_reading(w, slopes):
    """One sentence on what the chain's factors do to the gradient, weights included.

    Each factor backpropagation applies is w·σ′(z_k). As σ′ ≤ 1/4, it can exceed 1 only
    when |w| > 4, and only where the neuron is not saturated, σ′(z_k) > 1/|w|.

    Args:
        w: float, every neuron's weight; slopes: (depth,) factors σ′(z_k).

    Returns:
        str starting with "shrinks", "grows" or "vanishes".
    """
    slopes = np.asarray(slopes, dtype=float)
    weighted = float(np.prod(np.abs(w * slopes)))
    if abs(w) <= 4:
        return (f"shrinks: with |w| = {abs(w):.1f} ≤ 4 every factor |w·σ′| is at most "
                f"|w|/4, so the gradient can only shrink (Π |w·σ′| = {weighted:.1e})")
    if weighted >= 1:
        return (f"grows: |w| = {abs(w):.1f} > 4 makes up for σ′ ≤ 0.25 (Π |w·σ′| = "
                f"{weighted:.2g}); a factor |w·σ′| exceeds 1 only where σ′ > 1/|w| = "
                f"{1 / abs(w):.2g}, a narrow band of z: a little more |w| or |b| and the "
                "neurons saturate")
    return (f"vanishes: |w| = {abs(w):.1f} > 4 could make up for σ′ ≤ 0.25, but the neurons "
            f"sit on the flat parts (smallest σ′ = {slopes.min():.1e}), so Π |w·σ′| = "
            f"{weighted:.1e}")
