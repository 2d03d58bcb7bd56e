"""Interactive explorers, one module per widget; each wires sliders to pure functions.

Every explorer returns an ipywidgets box whose slider carries the CSS class
`<name>-slider` and whose figure is an Image with the class `<name>-figure`.
While nbgrader grades a notebook (`course.is_grading()`), an explorer shows a
one-line note instead of computing anything.
"""
