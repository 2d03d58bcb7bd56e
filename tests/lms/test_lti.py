"""LTI 1.3 score passback against a local platform that checks the JWT, token and payloads."""
import json
import os
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from autograder.lms import lti
from autograder.lms.__main__ import main
from autograder.lms.config import ConfigError, check_credentials_path, load_config
from tests.support.lms_platform import Platform, class_gradebook

CLIENT_ID, KEY_ID = "10000000000042", "nn-course-2026"
USERS = {"alice": "u-alice", "bob": "u-bob", "carol": "u-carol", "dave": "u-dave",
         "erin": "u-erin"}
# What the class gradebook should send: graded scores of students with a platform user id.
# (carol did not submit 01_loss, dave's was not autograded, erin's written answer waits;
# bob did not submit 02_gradients; frank has no user id.)
EXPECTED = {(31, "u-alice"): (9.5, 10.0), (31, "u-bob"): (0.0, 10.0),
            (32, "u-alice"): (10.0, 10.0), (32, "u-carol"): (3.0, 10.0),
            (32, "u-dave"): (8.0, 10.0), (32, "u-erin"): (6.0, 10.0)}


def new_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


TOOL_KEY = new_key()


def write_key(path, key):
    """Write `key` as PEM, readable by its owner only; the path."""
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    path.chmod(0o600)
    return path


def config_text(platform, students=USERS):
    lines = ["[lti]", f'client_id = "{CLIENT_ID}"', f'token_url = "{platform.token_url}"',
             f'key_id = "{KEY_ID}"', "",
             "[assignments.01_loss]", f'lineitem = "{platform.lineitem(31)}"', "",
             "[assignments.02_gradients]", f'lineitem = "{platform.lineitem(32)}"']
    for student, user in students.items():
        lines += ["", f"[students.{student}]", f'lti = "{user}"']
    return "\n".join(lines) + "\n"


@pytest.fixture
def platform():
    with Platform(TOOL_KEY.public_key(), CLIENT_ID, KEY_ID, USERS.values()) as running:
        yield running


@pytest.fixture
def course(tmp_path, platform):
    """The course root, with its gradebook, lms.toml and (outside it) the tool's key."""
    root = tmp_path / "course"
    root.mkdir()
    class_gradebook(root)
    (root / "lms.toml").write_text(config_text(platform))
    write_key(tmp_path / "tool-key.pem", TOOL_KEY)
    return root


def run_push(course, *options, key="tool-key.pem"):
    """main()'s exit status for `push`, with the credentials named by the environment."""
    os.environ["AUTOGRADER_LMS_CREDENTIALS"] = str(course.parent / key)
    try:
        return main(["push", "--root", str(course), *options])
    finally:
        del os.environ["AUTOGRADER_LMS_CREDENTIALS"]


def received(platform):
    """{(line item, userId): (scoreGiven, scoreMaximum)} of what the platform accepted."""
    return {(n, p["userId"]): (p["scoreGiven"], p["scoreMaximum"]) for n, p in platform.scores}


def ledger_of(course):
    path = course / "reports" / "lms" / "lti-ledger.json"
    return json.loads(path.read_text())["scores"] if path.exists() else {}


def scores_requests(platform):
    return [status for path, status in platform.log if path.endswith("/scores")]


def test_push_sends_each_graded_score_once_with_a_checked_token(course, platform, capsys):
    status = run_push(course)
    out = capsys.readouterr().out
    assert status == 0, f"push exit status: expected 0, got {status}\n{out}"
    assert received(platform) == EXPECTED, f"expected {EXPECTED}, platform got {received(platform)}"
    assert len(platform.scores) == len(EXPECTED), f"each score once: got {platform.scores}"
    assert platform.issued == 1, f"one token for the push: {platform.issued} issued"
    first = platform.scores[0][1]
    assert first["activityProgress"] == "Completed" and first["gradingProgress"] == "FullyGraded"
    assert "not sent: carol, 01_loss (not submitted)" in out, out
    assert "not sent: dave, 01_loss (not graded: no autograded score recorded)" in out, out
    assert "not sent: frank, 01_loss (no platform user id" in out, out
    ledger = ledger_of(course)
    assert ledger[platform.lineitem(32)]["u-erin"]["scoreGiven"] == 6.0, ledger
    assert ledger[platform.lineitem(32)]["u-erin"]["student"] == "erin", ledger


def test_pushing_twice_sends_nothing_new(course, platform, capsys):
    assert run_push(course) == 0
    ledger, requests = ledger_of(course), len(platform.log)
    assert run_push(course) == 0
    out = capsys.readouterr().out
    assert len(platform.log) == requests, \
        f"second push made {len(platform.log) - requests} requests: {platform.log[requests:]}"
    assert ledger_of(course) == ledger, "the second push changed the ledger"
    assert "sent 0, already on the platform 6" in out, out


def test_a_changed_score_is_sent_again_and_only_it(course, platform):
    assert run_push(course) == 0
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        grade = gradebook.find_grade("test_b", "01_loss", "01_loss", "alice")
        grade.manual_score = 4.0  # a regrade by hand: alice now has 10
        gradebook.db.commit()
    before = len(platform.scores)
    assert run_push(course) == 0
    assert platform.scores[before:] == [(31, platform.scores[-1][1])] and \
        platform.scores[-1][1]["scoreGiven"] == 10.0 and \
        platform.scores[-1][1]["userId"] == "u-alice", \
        f"expected alice's new 10 only, got {platform.scores[before:]}"


def test_a_wrong_key_is_refused_with_a_clear_message_and_nothing_sent(course, platform,
                                                                       capsys):
    write_key(course.parent / "other-key.pem", new_key())
    status = run_push(course, key="other-key.pem")
    out = capsys.readouterr().out
    assert status == 1, f"exit status: expected 1, got {status}"
    assert "the platform refused the tool's token request (HTTP 401: invalid_client" in out, out
    assert f"the public key registered for client id {CLIENT_ID} (kid {KEY_ID})" in out, out
    assert "nothing was sent, 6 left" in out, out
    assert platform.scores == [] and scores_requests(platform) == [], platform.log
    assert ledger_of(course) == {}, "a refused push wrote a ledger"


def test_an_expired_token_is_replaced_and_the_push_goes_on(course, platform):
    platform.uses_per_token = 2
    assert run_push(course) == 0
    assert received(platform) == EXPECTED, f"platform got {received(platform)}"
    assert platform.issued == 3, f"expected 3 tokens for 6 scores, {platform.issued} issued"
    assert scores_requests(platform).count(401) == 2, f"requests: {platform.log}"


def test_a_token_about_to_expire_is_renewed_before_it_is_used(platform, tmp_path):
    """The tool renews a token whose announced lifetime has (almost) run out."""
    settings = load_settings(platform, tmp_path)
    now = [time.time() - 100]  # the assertions' iat stays in the past, their exp ahead
    tokens = lti.TokenSource(settings, TOOL_KEY, clock=lambda: now[0])
    platform.expires_in = 60
    first = tokens.get()
    now[0] += 20
    assert tokens.get() == first, "a token with 40 s left was replaced"
    now[0] += 20
    assert tokens.get() != first and platform.issued == 2, \
        f"a token with 20 s left was kept ({platform.issued} issued)"


def test_a_platform_failure_stops_the_push_and_a_rerun_sends_only_the_rest(course, platform,
                                                                          capsys):
    platform.fail_after = 2
    status = run_push(course)
    out = capsys.readouterr().out
    assert status == 1, f"exit status: expected 1, got {status}"
    assert "stopped: the platform failed on alice's score for 02_gradients (HTTP 503: " \
        "Service Unavailable); 2 sent before it, 4 left: run the push again" in out, out
    sent = received(platform)
    recorded = {(int(item.rsplit("/", 1)[1]), user) for item, users in ledger_of(course).items()
                for user in users}
    assert recorded == set(sent) and len(sent) == 2, \
        f"ledger {recorded} should hold exactly what the platform took: {sent}"
    platform.fail_after = None
    before = len(platform.scores)
    assert run_push(course) == 0
    rest = {(n, p["userId"]) for n, p in platform.scores[before:]}
    assert rest == set(EXPECTED) - set(sent), f"rerun sent {rest}, expected the other four"
    assert received(platform) == EXPECTED and len(platform.scores) == 6, platform.scores


def test_a_student_unknown_to_the_platform_is_named_and_the_others_sent(course, platform,
                                                                      capsys):
    (course / "lms.toml").write_text(config_text(platform, {**USERS, "bob": "u-ghost"}))
    status = run_push(course)
    out = capsys.readouterr().out
    assert status == 1, f"exit status: expected 1, got {status}"
    assert "refused by the platform: bob (user id u-ghost) for 01_loss: HTTP 422 User not " \
        "found in course or is not a student" in out, out
    expected = {k: v for k, v in EXPECTED.items() if k[1] != "u-bob"}
    assert received(platform) == expected, f"expected the other five, got {received(platform)}"
    assert "u-ghost" not in ledger_of(course)[platform.lineitem(31)], "a refused score recorded"


def test_dry_run_prints_the_requests_and_sends_nothing(course, platform, capsys):
    status = main(["push", "--root", str(course), "--dry-run"])
    out = capsys.readouterr().out
    assert status == 0, f"exit status: expected 0, got {status}"
    assert platform.log == [], f"a dry run reached the platform: {platform.log}"
    assert not (course / "reports").exists(), "a dry run wrote a ledger"
    posts = [line for line in out.splitlines() if line.startswith("POST ")]
    assert len(posts) == 6, f"expected 6 requests printed, got {posts}"
    assert f"POST {platform.lineitem(31)}/scores (bob, 01_loss)" in posts, posts
    payload = json.loads(out.splitlines()[out.splitlines().index(posts[1]) + 1])
    assert payload["userId"] == "u-bob" and payload["scoreGiven"] == 0.0, payload
    assert "dry run: would send 6, already on the platform 0, skipped 6; nothing was sent" \
        in out, out


def test_the_tool_jwt_carries_the_claims_the_platform_checks(platform, tmp_path):
    settings = load_settings(platform, tmp_path)
    assertion = lti.client_assertion(settings, TOOL_KEY, now=1_700_000_000, jti="j-1")
    claims = jwt.decode(assertion, TOOL_KEY.public_key(), algorithms=["RS256"],
                        audience=platform.token_url, options={"verify_exp": False})
    assert claims == {"iss": CLIENT_ID, "sub": CLIENT_ID, "aud": platform.token_url,
                      "iat": 1_700_000_000, "exp": 1_700_000_300, "jti": "j-1"}, claims
    assert jwt.get_unverified_header(assertion)["kid"] == KEY_ID


def test_scores_url_keeps_a_query():
    assert lti.scores_url("https://lms.example/api/lti/courses/1/line_items/2?type=x") == \
        "https://lms.example/api/lti/courses/1/line_items/2/scores?type=x"


def test_credentials_inside_the_repository_are_refused(tmp_path):
    repository = tmp_path / "repo"
    (repository / ".git").mkdir(parents=True)
    (repository / "course").mkdir()
    key = write_key(repository / "key.pem", TOOL_KEY)
    with pytest.raises(ConfigError, match="refusing credentials inside the repository"):
        check_credentials_path(key, repository / "course")


def test_credentials_readable_by_others_are_refused(tmp_path):
    key = write_key(tmp_path / "key.pem", TOOL_KEY)
    key.chmod(0o644)
    with pytest.raises(ConfigError, match=f"chmod 600 {key}"):
        check_credentials_path(key, tmp_path / "course")


def test_push_without_credentials_says_where_they_come_from(course, capsys):
    assert main(["push", "--root", str(course)]) == 2
    err = capsys.readouterr().err
    assert "pass --credentials PATH or set AUTOGRADER_LMS_CREDENTIALS" in err, err


def test_jwks_prints_the_public_key_the_platform_verifies_with(course, capsys):
    os.environ["AUTOGRADER_LMS_CREDENTIALS"] = str(course.parent / "tool-key.pem")
    try:
        assert main(["jwks", "--root", str(course)]) == 0
    finally:
        del os.environ["AUTOGRADER_LMS_CREDENTIALS"]
    jwk = json.loads(capsys.readouterr().out)
    assert (jwk["kid"], jwk["alg"], jwk["use"], jwk["kty"]) == (KEY_ID, "RS256", "sig", "RSA")
    public = jwt.algorithms.RSAAlgorithm.from_jwk(jwk)
    assert public.public_numbers() == TOOL_KEY.public_key().public_numbers()


def load_settings(platform, folder):
    """The LtiSettings lms.toml gives for `platform`."""
    (folder / "lms.toml").write_text(config_text(platform))
    return load_config(folder / "lms.toml", folder).lti


def run_listing(course, capsys, command, *arguments):
    """(exit status, stdout lines) of `lineitems` or `members`."""
    os.environ["AUTOGRADER_LMS_CREDENTIALS"] = str(course.parent / "tool-key.pem")
    try:
        status = main([command, "--root", str(course), *arguments])
    finally:
        del os.environ["AUTOGRADER_LMS_CREDENTIALS"]
    return status, capsys.readouterr().out.splitlines()


def test_lineitems_lists_every_page_of_the_course_line_items(course, platform, capsys):
    status, lines = run_listing(course, capsys, "lineitems",
                                platform.base + "/api/lti/courses/7/line_items")
    expected = [f"{platform.lineitem(31)}\t10\t01 Loss",
                f"{platform.lineitem(32)}\t10\t02 Gradients"]
    assert (status, lines) == (0, expected), f"expected {expected}, got {status}: {lines}"


def test_members_lists_learners_with_their_platform_user_ids(course, platform, capsys):
    status, lines = run_listing(course, capsys, "members",
                                platform.base + "/api/lti/courses/7/names_and_roles")
    assert status == 0 and len(lines) == len(USERS), f"expected the 5 learners, got {lines}"
    assert "u-carol\tS-carol\tcarol@school.edu\tCarol" in lines, lines
    assert not any("u-teacher" in line for line in lines), f"the instructor listed: {lines}"


def test_lineitems_create_makes_only_the_missing_ones_and_prints_their_config(course, platform,
                                                                             capsys):
    url = platform.base + "/api/lti/courses/7/line_items"
    status, lines = run_listing(course, capsys, "lineitems", url, "--create")
    new = platform.lineitem(33)
    expected = ["[assignments.01_loss]  # already there", f'lineitem = "{platform.lineitem(31)}"',
                "", "[assignments.02_gradients]  # created", f'lineitem = "{new}"', ""]
    assert (status, lines) == (0, expected), f"expected {expected}, got {status}: {lines}"
    assert platform.lineitems[-1] == {"id": new, "label": "02_gradients", "scoreMaximum": 10.0,
                                      "resourceId": "02_gradients"}, platform.lineitems[-1]
    status, lines = run_listing(course, capsys, "lineitems", url, "--create")
    assert len(platform.lineitems) == 3, f"a second --create made more: {platform.lineitems}"
    assert status == 0 and lines[3] == "[assignments.02_gradients]  # already there", lines


def test_plain_http_to_another_host_is_refused():
    with pytest.raises(lti.LtiError, match="must be https"):
        lti.require_https("http://lms.example/login/oauth2/token")
    assert lti.require_https("http://127.0.0.1:8000/t") == "http://127.0.0.1:8000/t"
