"""LTI 1.3 Assignment and Grade Services: send each graded score to the platform's line item.

The tool asks the platform's token endpoint for an OAuth 2 access token
(client-credentials grant) with a JWT client assertion signed RS256 by its
private key, then posts one score per student to `{lineitem}/scores`
(`application/vnd.ims.lis.v1.score+json`).

A ledger (a JSON file, reports/lms/lti-ledger.json by default) records each
score the platform accepted, as soon as it accepted it. A push sends only
the scores that differ from the ledger's, so pushing twice sends nothing the
second time, and a push stopped by an error is resumed by running it again.
Only graded scores are sent: a student not submitted or not graded yet is
skipped and listed, never sent as a zero.
"""
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import jwt

from autograder.lms.grades import GRADED

SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
MEMBERSHIP_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
LINEITEMS_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
MEMBERSHIP_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
MAX_PAGES = 100
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
CONTENT_FIELDS = ("userId", "scoreGiven", "scoreMaximum", "activityProgress", "gradingProgress")
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
ASSERTION_LIFETIME = 300


class LtiError(Exception):
    """The push cannot go on (credentials refused, platform failing); the message says why."""


@dataclass(frozen=True)
class Response:
    """An HTTP response: status, body and the {rel: url} of its Link header."""
    status: int
    body: bytes
    links: dict = field(default_factory=dict)

    def message(self):
        """The platform's own words: its JSON error fields, else the start of the body."""
        try:
            data = json.loads(self.body)
        except ValueError:
            return self.body.decode("utf-8", "replace").strip()[:200]
        if not isinstance(data, dict):
            return str(data)[:200]
        errors = data.get("errors")
        if isinstance(errors, dict) and errors.get("message"):
            return str(errors["message"])
        parts = [str(data[k]) for k in ("error", "error_description", "message") if data.get(k)]
        return ": ".join(parts) or json.dumps(data)[:200]


def parse_links(header):
    """{rel: url} of a Link header ('<https://...>; rel="next", ...')."""
    links = {}
    for part in (header or "").split(","):
        url, _, params = part.partition(";")
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "rel" and url.strip().startswith("<"):
                links[value.strip('"')] = url.strip()[1:-1]
    return links


def http_request(url, body, headers, timeout=30):
    """POST `body` to `url` (GET when body is None).

    Returns:
        a Response for every HTTP status.
    Raises:
        LtiError: the platform could not be reached.
    """
    request = urllib.request.Request(url, data=body, headers=headers,
                                     method="GET" if body is None else "POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            return Response(reply.status, reply.read(), parse_links(reply.headers.get("Link")))
    except urllib.error.HTTPError as error:
        return Response(error.code, error.read(), parse_links(error.headers.get("Link")))
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise LtiError(f"cannot reach {url}: {reason}") from None


def require_https(url):
    """`url`, refused unless it is https (plain http only to this machine's loopback)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK):
        return url
    raise LtiError(f"refusing to send credentials or grades to {url}: the platform's URLs "
                   f"must be https")


def client_assertion(settings, key, now, jti=None):
    """The JWT that authenticates the tool at the token endpoint, signed RS256.

    Args:
        settings: LtiSettings (client_id is iss and sub, audience is aud, key_id the kid).
        key: the tool's RSA private key.
        now: seconds since the epoch.
        jti: the token's unique id (a fresh UUID by default).
    Returns:
        the compact JWT, valid for ASSERTION_LIFETIME seconds.
    """
    claims = {"iss": settings.client_id, "sub": settings.client_id, "aud": settings.audience,
              "iat": int(now), "exp": int(now) + ASSERTION_LIFETIME,
              "jti": jti or str(uuid.uuid4())}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": settings.key_id})


def public_jwk(key, key_id):
    """The tool's public key as a JWK (RS256, for signing), to register with the platform."""
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    return {**jwk, "kid": key_id, "alg": "RS256", "use": "sig"}


def token_request(assertion, scopes=(SCORE_SCOPE,)):
    """The form body of the client-credentials token request."""
    return urllib.parse.urlencode({
        "grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": assertion, "scope": " ".join(scopes)}).encode()


@dataclass
class TokenSource:
    """The platform's access token, obtained when missing, expiring or invalidated.

    Attributes:
        settings: LtiSettings.
        key: the tool's RSA private key.
        scopes: the scopes asked for (the score scope by default).
        http: the HTTP function (http_request).
        clock: seconds since the epoch (time.time).
    """
    settings: object
    key: object = field(repr=False)
    scopes: tuple = (SCORE_SCOPE,)
    http: object = http_request
    clock: object = time.time
    _token: str | None = field(default=None, repr=False)
    _expires_at: float = field(default=0.0, repr=False)

    def get(self):
        """A bearer token valid for a while yet (LtiError if the platform refuses)."""
        now = self.clock()
        if self._token is None or now >= self._expires_at:
            self._token, lifetime = self._obtain(now)
            self._expires_at = now + lifetime - min(30.0, lifetime / 2)
        return self._token

    def invalidate(self):
        """Forget the token (the platform said it has expired)."""
        self._token = None

    def _obtain(self, now):
        url = require_https(self.settings.token_url)
        body = token_request(client_assertion(self.settings, self.key, now), self.scopes)
        reply = self.http(url, body, {"Content-Type": "application/x-www-form-urlencoded",
                                      "Accept": "application/json"})
        if reply.status in (400, 401, 403):
            raise LtiError(
                f"the platform refused the tool's token request (HTTP {reply.status}: "
                f"{reply.message()}): the public key registered for client id "
                f"{self.settings.client_id} (kid {self.settings.key_id}) must be the one of "
                f"the private key in the credentials file, with the scopes "
                f"{' '.join(self.scopes)} granted")
        if reply.status != 200:
            raise LtiError(f"the token endpoint {url} failed (HTTP {reply.status}: "
                           f"{reply.message()})")
        try:
            data = json.loads(reply.body)
            return data["access_token"], float(data.get("expires_in", 3600))
        except (ValueError, KeyError, TypeError):
            raise LtiError(f"the token endpoint {url} answered without an access token: "
                           f"{reply.message()}") from None


def scores_url(lineitem):
    """The line item's scores endpoint: "/scores" added to its path, its query kept."""
    parts = urllib.parse.urlsplit(lineitem)
    return urllib.parse.urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/scores"))


def utc_timestamp(now):
    """ISO 8601 with milliseconds and the UTC offset, as AGS asks."""
    return datetime.fromtimestamp(now, timezone.utc).isoformat(timespec="milliseconds")


def score_payload(grade, user_id):
    """The score of a graded Grade for the platform's user `user_id`, without timestamp."""
    return {"userId": user_id, "scoreGiven": grade.score, "scoreMaximum": grade.max_score,
            "activityProgress": "Completed", "gradingProgress": "FullyGraded"}


@dataclass(frozen=True)
class Score:
    """One score to send: whose, for which assignment, where, and what."""
    student: str
    assignment: str
    lineitem: str
    payload: dict


@dataclass(frozen=True)
class Skip:
    """A grade not sent, and why."""
    student: str
    assignment: str
    reason: str


@dataclass(frozen=True)
class Plan:
    """What a push would do: scores to send, scores the platform already has, grades skipped."""
    to_send: tuple
    unchanged: tuple
    skipped: tuple


@dataclass
class Ledger:
    """The scores the platform accepted: {lineitem: {userId: payload sent, with student}}."""
    path: Path
    scores: dict = field(default_factory=dict)

    @classmethod
    def load(cls, path):
        """The ledger at `path` (empty if the file does not exist yet)."""
        path = Path(path)
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError:
            return cls(path)
        except ValueError as error:
            raise LtiError(f"the ledger {path} is damaged ({error}); it records what the "
                           f"platform has: restore it rather than delete it") from None
        return cls(path, data.get("scores", {}))

    def has(self, score):
        """True when the platform accepted this very score (same fields) before."""
        sent = self.scores.get(score.lineitem, {}).get(score.payload["userId"])
        return sent is not None and all(sent.get(k) == score.payload[k] for k in CONTENT_FIELDS)

    def record(self, score, timestamp):
        """Note that the platform accepted `score`, and save the ledger at once."""
        entry = {**score.payload, "timestamp": timestamp, "student": score.student}
        self.scores.setdefault(score.lineitem, {})[score.payload["userId"]] = entry
        self.save()

    def save(self):
        """Write the ledger atomically (a crash leaves the old or the new file)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(self.path.name + ".partial")
        partial.write_text(json.dumps({"version": 1, "scores": self.scores}, indent=1,
                                      sort_keys=True))
        os.replace(partial, self.path)


def skip_reason(grade, user_id):
    """Why `grade` is not sent, or None when it is to be sent."""
    if grade.state != GRADED:
        return f"{grade.state}: {grade.note}" if grade.note else grade.state
    if user_id is None:
        return (f"no platform user id: add [students.{grade.student}] lti = \"...\" to "
                f"the LMS config")
    return None


def plan_push(grades, config, assignments, ledger, force=False):
    """The Plan of pushing `assignments` (each needs a line item in the config).

    Args:
        grades: ClassGrades of these assignments.
        config: LmsConfig.
        assignments: nbgrader assignment names.
        ledger: Ledger; scores it has already are left out unless `force`.
    Raises:
        ConfigError: an assignment without a line item, named in the message.
    """
    config.require(assignments, "lineitem")
    to_send, unchanged, skipped = [], [], []
    for grade in grades.grades:
        if grade.assignment not in assignments:
            continue
        user_id = config.lti_user(grade.student)
        reason = skip_reason(grade, user_id)
        if reason:
            skipped.append(Skip(grade.student, grade.assignment, reason))
            continue
        score = Score(grade.student, grade.assignment,
                      config.targets[grade.assignment].lineitem, score_payload(grade, user_id))
        (unchanged if ledger.has(score) and not force else to_send).append(score)
    return Plan(tuple(to_send), tuple(unchanged), tuple(skipped))


@dataclass(frozen=True)
class Refused:
    """A score the platform would not take (an unknown user, a rejected value)."""
    score: Score
    status: int
    message: str


@dataclass
class PushResult:
    """What a push did: sent, refused, and, if it stopped, why and what is left."""
    sent: list = field(default_factory=list)
    refused: list = field(default_factory=list)
    stopped: str | None = None
    left: list = field(default_factory=list)


def authorised(url, body, headers, tokens, http):
    """The reply to a request made with the current token, once more with a new one on 401."""
    url = require_https(url)
    for attempt in range(2):
        reply = http(url, body, {**headers, "Authorization": f"Bearer {tokens.get()}"})
        if reply.status != 401 or attempt:
            return reply
        tokens.invalidate()
    return reply


def stop_reason(reply, score):
    """Why the push stops after this reply, or None if only this score was refused."""
    if reply.status == 401:
        return f"the platform refused a new access token too (HTTP 401: {reply.message()})"
    if reply.status == 403:
        return (f"the platform forbids sending scores to {score.lineitem} (HTTP 403: "
                f"{reply.message()}): grant the tool the score scope")
    if reply.status >= 500 or reply.status < 400:
        return (f"the platform failed on {score.student}'s score for {score.assignment} "
                f"(HTTP {reply.status}: {reply.message()})")
    return None


def push(plan, tokens, ledger, http=http_request, clock=time.time):
    """Send the plan's scores, recording each accepted one in the ledger at once.

    A refused score (an unknown user, HTTP 400, 404, 409 or 422) is listed and
    the others go on; an expired token is replaced once; anything else (the
    credentials refused, HTTP 403 or 5xx, the platform unreachable) stops the
    push, and what is left is sent by running it again.

    Returns:
        PushResult.
    """
    result = PushResult()
    for index, score in enumerate(plan.to_send):
        timestamp = utc_timestamp(clock())
        body = json.dumps({**score.payload, "timestamp": timestamp}).encode()
        try:
            reply = authorised(scores_url(score.lineitem), body,
                               {"Content-Type": SCORE_TYPE, "Accept": "application/json"},
                               tokens, http)
            reason = None if 200 <= reply.status < 300 else stop_reason(reply, score)
        except LtiError as error:
            reason = str(error)
        if reason:
            result.stopped, result.left = reason, list(plan.to_send[index:])
            return result
        if 200 <= reply.status < 300:
            ledger.record(score, timestamp)
            result.sent.append(score)
        else:
            result.refused.append(Refused(score, reply.status, reply.message()))
    return result


def describe(plan, result):
    """The lines that tell the instructor what was sent, refused, skipped and left."""
    lines = [f"sent {len(result.sent)}, already on the platform {len(plan.unchanged)}, "
             f"refused {len(result.refused)}, skipped {len(plan.skipped)}, "
             f"left {len(result.left)}"]
    for refused in result.refused:
        s = refused.score
        lines.append(f"refused by the platform: {s.student} (user id {s.payload['userId']}) "
                     f"for {s.assignment}: HTTP {refused.status} {refused.message}")
    for skip in plan.skipped:
        lines.append(f"not sent: {skip.student}, {skip.assignment} ({skip.reason})")
    if result.stopped:
        done = f"{len(result.sent)} sent before it" if result.sent else "nothing was sent"
        lines.append(f"stopped: {result.stopped}; {done}, {len(result.left)} left: run the "
                     f"push again to send the rest")
    return lines


def dry_run(plan, clock=time.time):
    """The lines a dry run prints: each request the push would make, and nothing sent."""
    lines = []
    for score in plan.to_send:
        payload = {**score.payload, "timestamp": utc_timestamp(clock())}
        lines.append(f"POST {scores_url(score.lineitem)} ({score.student}, "
                     f"{score.assignment})\n  {json.dumps(payload)}")
    lines.append(f"dry run: would send {len(plan.to_send)}, already on the platform "
                 f"{len(plan.unchanged)}, skipped {len(plan.skipped)}; nothing was sent")
    lines += [f"not sent: {s.student}, {s.assignment} ({s.reason})" for s in plan.skipped]
    return lines


def get_pages(url, accept, tokens, http=http_request):
    """The JSON documents of a paged container, following its Link rel="next" (LtiError on
    any status but 200)."""
    documents = []
    while url and len(documents) < MAX_PAGES:
        reply = authorised(url, None, {"Accept": accept}, tokens, http)
        if reply.status != 200:
            raise LtiError(f"GET {url} failed (HTTP {reply.status}: {reply.message()})")
        documents.append(json.loads(reply.body))
        url = reply.links.get("next")
    return documents


def lineitem_lines(pages):
    """One line per line item of a line items container: its URL, maximum and label."""
    return [f"{item['id']}\t{item.get('scoreMaximum', '')}\t{item.get('label', '')}"
            for page in pages for item in page]


def member_lines(pages):
    """One line per learner of a membership container: user id, SIS id, email and name."""
    return ["\t".join(str(m.get(k) or "") for k in ("user_id", "lis_person_sourcedid", "email",
                                                     "name"))
            for page in pages for m in page.get("members", [])
            if LEARNER in m.get("roles", []) or "Learner" in m.get("roles", [])]


def create_lineitems(url, wanted, tokens, http=http_request):
    """Make a line item for each assignment the platform has none for, found by resourceId.

    Args:
        url: the course's line items URL.
        wanted: [(assignment, label, maximum score)].
        tokens: a TokenSource with the lineitem scope.
    Returns:
        [(assignment, line item URL, True if created now)], in the order of `wanted`.
    Raises:
        LtiError: the platform would not list or create them.
    """
    pages = get_pages(url, LINEITEMS_TYPE, tokens, http)
    existing = {item.get("resourceId"): item["id"] for page in pages for item in page}
    made = []
    for assignment, label, maximum in wanted:
        if assignment in existing:
            made.append((assignment, existing[assignment], False))
            continue
        body = json.dumps({"label": label, "scoreMaximum": maximum,
                           "resourceId": assignment}).encode()
        reply = authorised(url, body, {"Content-Type": LINEITEM_TYPE,
                                       "Accept": LINEITEM_TYPE}, tokens, http)
        if reply.status not in (200, 201):
            raise LtiError(f"the platform did not create a line item for {assignment} "
                           f"(HTTP {reply.status}: {reply.message()})")
        made.append((assignment, json.loads(reply.body)["id"], True))
    return made


def lineitem_config(made):
    """The lms.toml lines that name each created or found line item."""
    return [f"[assignments.{assignment}]  # {'created' if created else 'already there'}\n"
            f"lineitem = \"{url}\"\n" for assignment, url, created in made]
