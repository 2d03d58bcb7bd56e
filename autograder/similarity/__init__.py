"""Similarity report: which students handed in the same answers, through renamed variables.

`answers` reads each submission's answer cells per graded function, `compare` scores every
pair of students with copydetect (winnowed fingerprints of the code with names normalised),
`report` writes the tables, the side-by-side pages and the heatmap to
reports/<id>/similarity/. Run it with `python -m autograder.similarity <id>`.
"""
