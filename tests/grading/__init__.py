"""A whole class graded: statuses, broken notebooks, reports, the cluster."""
