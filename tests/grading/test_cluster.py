"""Does grading through a Dask cluster into PostgreSQL give the gradebook of the local run?"""
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from autograder.fakes import write_class
from tests.support.graded_class import ASSIGNMENT, cell_scores, course_copy

pytestmark = [pytest.mark.cluster, pytest.mark.nbgrader]
CANDIDATES = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
KINDS = {"perfect": "perfect", "crash": "exits", "notjson": "not_json"}


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_user(command):
    """`command` run as an unprivileged user when we are root (initdb refuses root)."""
    if os.geteuid() != 0:
        return command
    for user in ("postgres", "nobody"):
        try:
            pwd.getpwnam(user)
        except KeyError:
            continue
        return ["runuser", "-u", user, "--"] + command
    pytest.skip("running as root and no unprivileged user to run PostgreSQL")


@pytest.fixture
def postgres():
    """URL of a throwaway PostgreSQL server on 127.0.0.1 (stopped afterwards)."""
    binaries = [d for d in CANDIDATES if (d / "initdb").exists()]
    if not binaries and not shutil.which("initdb"):
        pytest.skip("no PostgreSQL server binaries (initdb) in /usr/lib/postgresql/*/bin")
    bindir = binaries[0] if binaries else Path(shutil.which("initdb")).parent
    folder = Path(tempfile.mkdtemp(prefix="pg-"))
    os.chmod(folder, 0o777)
    data, port = folder / "data", _free_port()
    subprocess.run(_as_user([str(bindir / "initdb"), "-D", str(data), "-U", "grader",
                             "--auth=trust", "-E", "UTF8"]), check=True,
                   capture_output=True)
    subprocess.run(_as_user([str(bindir / "pg_ctl"), "-D", str(data), "-l",
                             str(folder / "log"), "-w", "-o",
                             f"-h 127.0.0.1 -p {port} -k {folder}", "start"]),
                   check=True, capture_output=True)
    try:
        subprocess.run(_as_user([str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port),
                                 "-U", "grader", "gradebook"]), check=True,
                       capture_output=True)
        yield f"postgresql+psycopg2://grader@127.0.0.1:{port}/gradebook"
    finally:
        subprocess.run(_as_user([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate",
                                 "stop"]), capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def test_dask_workers_write_the_same_gradebook_to_postgresql(postgres, graded_class):
    from distributed import Client, LocalCluster

    from autograder.class_grading import grade_class
    local_root, local = graded_class
    root = course_copy("classgrade-cluster-")
    write_class(root, ASSIGNMENT, KINDS)
    os.environ["PYTHONPATH"] = os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])
    started = time.monotonic()
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        statuses = grade_class(root, [ASSIGNMENT], db_url=postgres, scheduler=client,
                               progress=False)
    assert time.monotonic() - started < 300
    remote = {s["student"]: s for s in statuses}
    assert {s: v["state"] for s, v in remote.items()} == \
        {s: local[s]["state"] for s in KINDS}
    for student in KINDS:
        assert cell_scores(root, student, db_url=postgres) == \
            cell_scores(local_root, student), student
    assert not (root / "gradebook.db").exists()
