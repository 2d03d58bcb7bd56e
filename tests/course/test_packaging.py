"""Is what students install only the `course` package, and does it work on its own?"""
import subprocess
import sys
import zipfile

from autograder.course import ROOT


def test_student_wheel_holds_course_and_never_the_autograder(tmp_path):
    """Does the wheel built from pyproject.toml contain `course` and nothing hidden?"""
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-w", str(tmp_path), "-q"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    wheel = next(tmp_path.glob("nn_course-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    packages = {name.split("/")[0] for name in names if not name.startswith("nn_course-")}
    assert packages == {"course"}, packages
    assert "course/testing.py" in names and "course/widgets/__init__.py" in names


def test_course_package_never_imports_the_autograder():
    """Can `course` be imported, with all its modules, where no autograder exists?"""
    code = ("import sys, pkgutil, importlib, course\n"
            "sys.modules['autograder'] = None\n"
            "for m in pkgutil.walk_packages(course.__path__, 'course.'):\n"
            "    importlib.import_module(m.name)\n"
            "print('ok')\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, env={"PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg",
                                            "PATH": "/usr/bin:/bin"})
    assert result.stdout.strip() == "ok", result.stderr
