"""List what the tamper scan would report in notebooks, one JSON line per finding.

    python -m autograder.apps.scan path/to/notebook.ipynb [...]
"""
import json
import sys
from dataclasses import asdict

import nbformat

from autograder.pipeline.tamper_scan import scan_notebook


def main(argv=None):
    for path in argv or sys.argv[1:]:
        notebook = nbformat.read(path, as_version=4)
        for finding in scan_notebook(notebook, fix=False):
            print(json.dumps({"notebook": path, **asdict(finding)}))


if __name__ == "__main__":
    main()
