"""The other side of the LMS tests: a small class gradebook and a local LTI 1.3 platform.

`class_gradebook` builds a real nbgrader gradebook with the Gradebook API: a
score, a zero, a student who did not submit, a notebook that was not
autograded, a written answer still to grade, and a student Canvas does not
know. `Platform` serves an OAuth 2 token endpoint and AGS scores endpoints on
127.0.0.1 (a free port) from a thread, checking what a platform checks.
"""
import functools
import json
import os
import secrets
import shutil
import sys
import tempfile
import threading
import warnings
import urllib.parse
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jwt
from nbgrader.api import Gradebook
from sqlalchemy.exc import SAWarning

ASSIGNMENTS = ("01_loss", "02_gradients")
CELLS = {"test_a": ("code", 4.0), "test_b": ("code", 4.0), "written": ("markdown", 2.0)}
STUDENTS = {"alice": ("Alice", "Anders"), "bob": ("Bob", "Brown"), "carol": ("Carol", "Chen"),
            "dave": ("Dave", "Diaz"), "erin": ("Erin", "Eze"), "frank": ("Frank", "Fox")}
# {assignment: {student: {cell: score}}}: None is a cell never scored; a student left
# out did not submit; "written" absent means the written answer still waits for a grader.
SCORES = {
    "01_loss": {"alice": {"test_a": 4, "test_b": 3.5, "written": 2},
                "bob": {"test_a": 0, "test_b": 0, "written": 0},
                "dave": {"test_a": None, "test_b": 4, "written": 1},
                "erin": {"test_a": 4, "test_b": 4},
                "frank": {"test_a": 4, "test_b": 4, "written": 2}},
    "02_gradients": {"alice": {"test_a": 4, "test_b": 4, "written": 2},
                     "carol": {"test_a": 3, "test_b": 0, "written": 0},
                     "dave": {"test_a": 4, "test_b": 4, "written": 0},
                     "erin": {"test_a": 4, "test_b": 0, "written": 2},
                     "frank": {"test_a": 2, "test_b": 0, "written": 0}},
}
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
MEMBERSHIP_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
GRANTED = {SCORE_SCOPE, LINEITEM_SCOPE, MEMBERSHIP_SCOPE}
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
LINEITEMS_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
MEMBERSHIP_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
ACTIVITY = {"Initialized", "Started", "InProgress", "Submitted", "Completed"}
GRADING = {"FullyGraded", "Pending", "PendingManual", "Failed", "NotReady"}
LINEITEMS = "/api/lti/courses/7/line_items/"
MEMBERS = "/api/lti/courses/7/names_and_roles"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"


def set_score(gradebook, cell, assignment, student, score):
    """Score one cell as nbgrader does: autograded code, a written answer graded by hand."""
    grade = gradebook.find_grade(cell, assignment, assignment, student)
    if CELLS[cell][0] == "code":
        grade.auto_score = score
    else:
        grade.manual_score = score
    grade.needs_manual_grade = score is None and CELLS[cell][0] != "code"
    gradebook.db.commit()


@functools.lru_cache(maxsize=None)
def _template_gradebook():
    """The path of a gradebook holding STUDENTS and SCORES, built once per session.

    nbgrader creates a new gradebook with the `alembic` command of its environment.
    """
    bin_folder = os.path.dirname(sys.executable)
    if bin_folder not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = os.pathsep.join([bin_folder, os.environ.get("PATH", "")])
    path = Path(tempfile.mkdtemp(prefix="lms-gradebook-")) / "gradebook.db"
    with warnings.catch_warnings(), Gradebook(f"sqlite:///{path}") as gradebook:
        warnings.simplefilter("ignore", SAWarning)  # nbgrader's add_submission, harmless
        for student, (first, last) in STUDENTS.items():
            gradebook.add_student(student, first_name=first, last_name=last)
        for assignment in ASSIGNMENTS:
            gradebook.add_assignment(assignment)
            gradebook.add_notebook(assignment, assignment)
            for cell, (kind, points) in CELLS.items():
                gradebook.add_grade_cell(cell, assignment, assignment, max_score=points,
                                         cell_type=kind)
            for student, cells in SCORES[assignment].items():
                gradebook.add_submission(assignment, student)
                for cell in CELLS:
                    set_score(gradebook, cell, assignment, student, cells.get(cell))
    return path


def class_gradebook(folder):
    """The SQLAlchemy URL of a fresh copy of the class gradebook, in `folder`."""
    path = Path(folder) / "gradebook.db"
    shutil.copyfile(_template_gradebook(), path)
    return f"sqlite:///{path}"


class Platform:
    """An LTI 1.3 platform on 127.0.0.1: token endpoint and line items' scores endpoints.

    Attributes:
        token_url: the token endpoint (also the aud the tool's JWT must carry).
        users: the platform's user ids in the course.
        scores: [(line item number, payload)] the platform accepted, in order.
        lineitems: the course's line items (31, made for 01_loss, and 32), listed one a page.
        log: [(path, status)] of every request.
        issued: how many access tokens were given out.
        fail_after: answer 503 to every score once this many were accepted (None: never).
        uses_per_token: a token expires after this many scores (None: never).
        expires_in: the lifetime the token endpoint announces, in seconds.
    """

    def __init__(self, public_key, client_id, key_id, users):
        self.public_key, self.client_id, self.key_id = public_key, client_id, key_id
        self.users = set(users)
        self.scores, self.log, self.issued = [], [], 0
        self.fail_after = self.uses_per_token = None
        self.expires_in = 3600
        self._tokens, self._jtis, self._lock = {}, set(), threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.token_url = self.base + "/login/oauth2/token"
        self.lineitems = [
            {"id": self.lineitem(31), "label": "01 Loss", "scoreMaximum": 10,
             "resourceId": "01_loss"},
            {"id": self.lineitem(32), "label": "02 Gradients", "scoreMaximum": 10}]

    def lineitem(self, number):
        """The URL of line item `number`."""
        return f"{self.base}{LINEITEMS}{number}"

    def __enter__(self):
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()

    def token(self, form):
        """(status, reply) of a client-credentials token request."""
        field = {k: v[0] for k, v in form.items()}
        if field.get("grant_type") != "client_credentials" or \
                field.get("client_assertion_type") != ASSERTION_TYPE:
            return 400, {"error": "unsupported_grant_type"}
        scopes = set(field.get("scope", "").split())
        if not scopes or not scopes <= GRANTED:
            return 400, {"error": "invalid_scope", "error_description": field.get("scope")}
        try:
            claims = self.verify(field.get("client_assertion", ""))
        except jwt.PyJWTError as error:
            return 401, {"error": "invalid_client", "error_description": str(error)}
        self._jtis.add(claims["jti"])
        token = secrets.token_hex(16)
        self._tokens[token] = {"uses": self.uses_per_token, "scopes": scopes}
        self.issued += 1
        return 200, {"access_token": token, "token_type": "Bearer",
                     "expires_in": self.expires_in, "scope": " ".join(sorted(scopes))}

    def verify(self, assertion):
        """The claims of the tool's JWT, checked against its registered public key."""
        if jwt.get_unverified_header(assertion).get("kid") != self.key_id:
            raise jwt.InvalidTokenError("unknown kid")
        claims = jwt.decode(assertion, self.public_key, algorithms=["RS256"],
                            audience=self.token_url, issuer=self.client_id,
                            options={"require": ["iss", "sub", "aud", "exp", "iat", "jti"]})
        if claims["sub"] != self.client_id:
            raise jwt.InvalidTokenError(f"sub {claims['sub']} is not the client id")
        if claims["jti"] in self._jtis:
            raise jwt.InvalidTokenError("jti used before")
        return claims

    def score(self, number, headers, body):
        """(status, reply) of a score posted to line item `number`."""
        if headers.get("Content-Type") != SCORE_TYPE:
            return 415, {"errors": {"message": f"Content-Type {headers.get('Content-Type')}"}}
        refused = self.refuse_token(headers, SCORE_SCOPE)
        if refused:
            return refused
        if self.fail_after is not None and len(self.scores) >= self.fail_after:
            return 503, {"errors": {"message": "Service Unavailable"}}
        payload = json.loads(body)
        problem = payload_problem(payload)
        if problem:
            return 400, {"errors": {"type": "bad_request", "message": problem}}
        if payload["userId"] not in self.users:
            return 422, {"errors": {"type": "unprocessable_entity",
                                    "message": "User not found in course or is not a student"}}
        self.scores.append((number, payload))
        return 200, {"resultUrl": f"{self.lineitem(number)}/results/{len(self.scores)}"}

    def refuse_token(self, headers, scope):
        """(401 or 403, reply) unless the request's bearer token is valid for `scope`."""
        token = self._tokens.get((headers.get("Authorization") or "").removeprefix("Bearer "))
        if token is None or token["uses"] == 0:
            return 401, {"errors": {"type": "unauthorized", "message": "Invalid access token"}}
        if scope not in token["scopes"]:
            return 403, {"errors": {"type": "forbidden", "message": f"scope {scope} missing"}}
        if token["uses"] is not None:
            token["uses"] -= 1
        return None

    def listing(self, path, query, headers):
        """(status, reply, next page URL) of a GET of the line items or the members."""
        page = int(query.get("page", ["1"])[0])
        if path == LINEITEMS.rstrip("/"):
            scope, kind = LINEITEM_SCOPE, LINEITEMS_TYPE
            pages = [[item] for item in self.lineitems]
        else:
            scope, kind = MEMBERSHIP_SCOPE, MEMBERSHIP_TYPE
            members = [{"user_id": "u-teacher", "name": "Tess Teacher", "roles": [INSTRUCTOR]}]
            members += [{"user_id": user, "name": user[2:].title(), "roles": [LEARNER],
                         "email": f"{user[2:]}@school.edu", "lis_person_sourcedid": f"S-{user[2:]}"}
                        for user in sorted(self.users)]
            pages = [{"id": self.base + MEMBERS, "members": members}]
        if headers.get("Accept") != kind:
            return 406, {"errors": {"message": f"Accept {headers.get('Accept')}"}}, None
        refused = self.refuse_token(headers, scope)
        if refused:
            return (*refused, None)
        following = f"{self.base}{path}?page={page + 1}" if page < len(pages) else None
        return 200, pages[page - 1], following

    def create_lineitem(self, headers, body):
        """(status, reply) of a new line item posted to the course's container."""
        if headers.get("Content-Type") != LINEITEM_TYPE:
            return 415, {"errors": {"message": f"Content-Type {headers.get('Content-Type')}"}}
        refused = self.refuse_token(headers, LINEITEM_SCOPE)
        if refused:
            return refused
        item = json.loads(body)
        if not item.get("label") or not item.get("scoreMaximum", 0) > 0:
            return 400, {"errors": {"message": "label and a positive scoreMaximum required"}}
        item["id"] = self.lineitem(31 + len(self.lineitems))
        self.lineitems.append(item)
        return 201, item

    def _handler(self):
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                path = urllib.parse.urlsplit(self.path).path
                with platform._lock:
                    if path == urllib.parse.urlsplit(platform.token_url).path:
                        status, reply = platform.token(urllib.parse.parse_qs(body.decode()))
                    elif path == LINEITEMS.rstrip("/"):
                        status, reply = platform.create_lineitem(self.headers, body)
                    elif path.startswith(LINEITEMS) and path.endswith("/scores"):
                        number = int(path[len(LINEITEMS):-len("/scores")])
                        status, reply = platform.score(number, self.headers, body)
                    else:
                        status, reply = 404, {"errors": {"message": f"no route {path}"}}
                    platform.log.append((path, status))
                self.reply(status, reply)

            def do_GET(self):
                parts = urllib.parse.urlsplit(self.path)
                with platform._lock:
                    if parts.path in (LINEITEMS.rstrip("/"), MEMBERS):
                        status, reply, following = platform.listing(
                            parts.path, urllib.parse.parse_qs(parts.query), self.headers)
                    else:
                        status, reply, following = 404, {"errors": {"message": "no route"}}, None
                    platform.log.append((parts.path, status))
                self.reply(status, reply, {"Link": f'<{following}>; rel="next"'} if following
                           else {})

            def reply(self, status, reply, headers=None):
                data = json.dumps(reply).encode()
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **(headers or {}),
                                    "Content-Length": str(len(data))}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        return Handler


def payload_problem(payload):
    """What is wrong with a score payload, or "" when AGS would take it."""
    required = ("userId", "scoreGiven", "scoreMaximum", "activityProgress", "gradingProgress",
                "timestamp")
    missing = [k for k in required if k not in payload]
    if missing:
        return f"missing {', '.join(missing)}"
    given, maximum = payload["scoreGiven"], payload["scoreMaximum"]
    if not all(isinstance(v, (int, float)) for v in (given, maximum)) or \
            not 0 <= given <= maximum or maximum <= 0:
        return f"scoreGiven {given!r} / scoreMaximum {maximum!r}"
    if payload["activityProgress"] not in ACTIVITY or payload["gradingProgress"] not in GRADING:
        return "unknown activityProgress or gradingProgress"
    try:
        stamp = datetime.fromisoformat(payload["timestamp"])
    except (TypeError, ValueError):
        return f"timestamp {payload['timestamp']!r} is not ISO 8601"
    return "" if stamp.tzinfo is not None else "timestamp without a time zone"
