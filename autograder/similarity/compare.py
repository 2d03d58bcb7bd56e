"""Scores every pair of students per graded function and per notebook, with copydetect.

copydetect tokenises each answer with Pygments, writes every name as `V`, drops comments
and whitespace (the "tokens" below are the characters of that normalised code) and hashes
its k-grams into fingerprints. Those of the released scaffold are boilerplate; so are those
a large part of the class shares, which are not evidence. A pair's score is the share of
their distinctive code they have in common; it is flagged when that share passes a
threshold that rises as the code gets shorter or is shared by more students.
"""
import copy
import io
import math
import os
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import matplotlib

matplotlib.use("Agg")  # copydetect imports pyplot; the report never opens a window

import numpy as np  # noqa: E402
from copydetect.detector import CodeFingerprint, compare_files  # noqa: E402
from copydetect.utils import get_token_coverage  # noqa: E402

NOTEBOOK = "(notebook)"
FLAGGED = "flagged"
NOT_FLAGGED = "not flagged"
TOO_SHORT = "cannot judge: too short"
TOO_COMMON = "cannot judge: common answer"


@dataclass(frozen=True)
class Settings:
    """What counts as shared code and how much of it flags a pair.

    Attributes:
        noise: copydetect's k, the shortest run of tokens counted as shared.
        min_tokens: an answer with fewer tokens outside the scaffold is too short to judge;
            a pair is judged only if the shorter answer has this many distinctive tokens
            for each student beyond the first who holds the code the two share.
        threshold: the score that flags two very long answers; shorter ones need more.
        common_share: a fingerprint found in at least this share of the answers is common,
        common_min: ... if it is found in at least this many answers too.
    """
    noise: int = 12
    min_tokens: int = 24
    threshold: float = 0.6
    common_share: float = 0.1
    common_min: int = 4

    def threshold_for(self, tokens):
        """Score needed by a pair with `tokens` effective distinctive tokens (float).

        1.0 at min_tokens, 0.7 at twice as many, falling towards `threshold`.
        """
        return self.threshold + (1.0 - self.threshold) * min(1.0, self.min_tokens / tokens) ** 2

    def common_count(self, answered):
        """How many of `answered` answers must share a fingerprint for it to be common (int)."""
        return max(self.common_min, math.ceil(self.common_share * answered))


@dataclass(frozen=True)
class Answer:
    """One student's answer to one function, fingerprinted.

    Attributes:
        student, function: whose answer to what.
        source: the answer cell as handed in.
        normalised: copydetect's normalised code of the whole cell (str of T characters).
        tokens: tokens of the answer outside the released scaffold (int).
        distinctive: tokens outside the scaffold and the class's common code (int).
        mask: (T,) bool, True at the distinctive tokens.
        fingerprint: copydetect's CodeFingerprint, its distinctive fingerprints only.
    """
    student: str
    function: str
    source: str
    normalised: str
    tokens: int
    distinctive: int
    mask: np.ndarray = field(repr=False, compare=False)
    fingerprint: object = field(repr=False, compare=False)


@dataclass(frozen=True)
class Holdings:
    """Which students hold which distinctive fingerprints of one function.

    Attributes:
        students: the students with an answer, in row order (list of str).
        column: {fingerprint: column}, distinctive fingerprints only.
        matrix: (S, F) bool, True where student s holds fingerprint f.
    """
    students: list
    column: dict
    matrix: np.ndarray = field(repr=False)

    def group(self, shared):
        """How many students hold at least half of the fingerprints in `shared` (int)."""
        if not shared:
            return 0
        held = self.matrix[:, [self.column[h] for h in shared]].sum(axis=1)
        return int(np.count_nonzero(2 * held >= len(shared)))

    def pairs(self):
        """Pairs (a, b), a < b, of students holding a fingerprint in common (set)."""
        found = set()
        for j in range(self.matrix.shape[1]):
            rows = np.flatnonzero(self.matrix[:, j])
            names = sorted(self.students[i] for i in rows)
            found.update((a, b) for i, a in enumerate(names) for b in names[i + 1:])
        return found


@dataclass(frozen=True)
class PairScore:
    """How alike two students' answers are, in one function or the whole notebook.

    Attributes:
        scope: the function's name, or NOTEBOOK for all functions together.
        a, b: the two students (a < b).
        share_a, share_b: share of each one's distinctive tokens found in the other's answer.
        score: the mean of share_a and share_b, in [0, 1].
        tokens: distinctive tokens of the shorter of the two answers (int).
        holders: how many students hold at least half of the code the two share (at
            least 2); the pair is judged on tokens / (holders - 1).
        threshold: the score this pair needed to be flagged (nan where it cannot be judged).
        verdict: FLAGGED, NOT_FLAGGED, TOO_SHORT or TOO_COMMON.
    """
    scope: str
    a: str
    b: str
    share_a: float
    share_b: float
    score: float
    tokens: int
    holders: int
    threshold: float
    verdict: str


@dataclass(frozen=True)
class FunctionSummary:
    """What the class's answers to one function allow to judge.

    Attributes:
        function: its name.
        answered: answers with code beyond the scaffold (int).
        median_tokens: their median length in tokens beyond the scaffold (int).
        common_count: answers that must share a fingerprint for it to be common (int).
        largest_group: students handing in the most frequent normalised answer (int).
        too_short, too_common: answers that cannot be judged, and why (int each).
    """
    function: str
    answered: int
    median_tokens: int
    common_count: int
    largest_group: int
    too_short: int
    too_common: int


@dataclass(frozen=True)
class Similarity:
    """The comparison of a class.

    Attributes:
        assignment: the assignment id.
        students: the students compared, sorted (tuple of str).
        settings: the Settings used.
        pairs: {scope: [PairScore, ...]} per function and NOTEBOOK, highest score first;
            pairs that share no distinctive code are left out (their score is 0).
        summaries: [FunctionSummary] in the notebook's order.
        answers: {(student, function): Answer}.
        matrix: (S, S) notebook scores, S = len(students), students in `students` order.
        unreadable: {student: why their notebook could not be read}.
    """
    assignment: str
    students: tuple
    settings: Settings
    pairs: dict
    summaries: list
    answers: dict
    matrix: np.ndarray
    unreadable: dict

    def flagged(self, scope=None):
        """Flagged PairScores, in `scope` only or everywhere (list)."""
        scopes = [scope] if scope else list(self.pairs)
        return [p for s in scopes for p in self.pairs.get(s, []) if p.verdict == FLAGGED]

    def flagged_pairs(self):
        """{(a, b): [scopes in which they are flagged]} (dict of lists)."""
        found = defaultdict(list)
        for pair in self.flagged():
            found[(pair.a, pair.b)].append(pair.scope)
        return dict(found)


def fingerprint(source, k):
    """copydetect's CodeFingerprint of Python `source`, every k-gram kept (window 1)."""
    return CodeFingerprint("answer.py", k, 1, language="python", fp=io.StringIO(source))


def without(print_, hashes):
    """A copy of CodeFingerprint `print_` without the fingerprints in `hashes` (set of int).

    The copy's token_coverage counts the tokens its remaining fingerprints cover.
    """
    kept = copy.copy(print_)
    kept.hashes = print_.hashes - hashes
    kept.hash_idx = {h: i for h, i in print_.hash_idx.items() if h not in hashes}
    kept.token_coverage = int(get_token_coverage(kept.hash_idx, kept.k, len(kept.filtered_code)))
    return kept


def covered(print_, hashes):
    """(T,) bool: the tokens of `print_`'s normalised code that its k-grams in `hashes` cover."""
    length, k = len(print_.filtered_code), print_.k
    starts = np.array([i for h in hashes for i in print_.hash_idx[h]], dtype=int)
    edges = np.zeros(length + 1, dtype=int)
    np.add.at(edges, starts, 1)
    np.add.at(edges, starts + k, -1)
    return np.cumsum(edges[:length]) > 0


def kept_ends(code, scaffold):
    """(T,) bool: the start and end of normalised `code` (T characters) equal to the scaffold's.

    Catches the signature and the return line where they are too short to be a k-gram.
    """
    start = len(os.path.commonprefix([code, scaffold]))
    end = len(os.path.commonprefix([code[start:][::-1], scaffold[start:][::-1]]))
    mask = np.zeros(len(code), dtype=bool)
    mask[:start] = True
    mask[len(code) - end:] = True
    return mask


def fingerprint_function(function, sources, scaffold, settings):
    """Answers of the class to one function, fingerprinted against scaffold and class.

    Args:
        function: the function's name.
        sources: {student: answer cell source} (students who left it out are absent).
        scaffold: the released answer cell of the function.
        settings: Settings.

    Returns:
        (answers, count, holdings): {student: Answer} for the students who wrote code
        beyond the scaffold, the number of answers that makes a fingerprint common, and
        the Holdings of the distinctive fingerprints.
    """
    released = fingerprint(scaffold, settings.noise)
    own, written = {}, {}
    for student, source in sources.items():
        whole = fingerprint(source, settings.noise)
        own[student] = without(whole, released.hashes)
        written[student] = (covered(whole, own[student].hashes)
                            & ~covered(whole, whole.hashes & released.hashes)
                            & ~kept_ends(whole.filtered_code, released.filtered_code))
    own = {s: p for s, p in own.items() if written[s].any()}
    count = settings.common_count(len(own))
    held = Counter(h for p in own.values() for h in p.hashes)
    common = {h for h, n in held.items() if n >= count}
    answers = {}
    for student, print_ in own.items():
        mask = written[student] & ~covered(print_, print_.hashes & common)
        answers[student] = Answer(student, function, sources[student], print_.filtered_code,
                                  int(written[student].sum()), int(mask.sum()), mask,
                                  without(print_, common))
    return answers, count, holdings(answers)


def holdings(answers):
    """Holdings of the distinctive fingerprints of {student: Answer}."""
    students = sorted(answers)
    column = {}
    for student in students:
        for h in answers[student].fingerprint.hashes:
            column.setdefault(h, len(column))
    matrix = np.zeros((len(students), len(column)), dtype=bool)
    for row, student in enumerate(students):
        matrix[row, [column[h] for h in answers[student].fingerprint.hashes]] = True
    return Holdings(students, column, matrix)


def verdict(tokens, distinctive, holders, score, settings):
    """(verdict, threshold) of a pair.

    Args:
        tokens: tokens outside the scaffold of the shorter answer.
        distinctive: its distinctive tokens.
        holders: students holding the code the pair shares (>= 2).
        score: the pair's score.
        settings: Settings.
    """
    if tokens < settings.min_tokens:
        return TOO_SHORT, math.nan
    effective = distinctive / max(1.0, holders - 1.0)
    if effective < settings.min_tokens:
        return TOO_COMMON, math.nan
    threshold = settings.threshold_for(effective)
    return (FLAGGED if score >= threshold else NOT_FLAGGED), threshold


def shared_code(answer_a, answer_b, holdings):
    """(share_a, share_b, holders) of two answers to one function.

    share_x is the share of x's distinctive tokens covered by fingerprints the two share;
    holders the number of students holding at least half of those (int, at least 2).
    """
    shared = answer_a.fingerprint.hashes & answer_b.fingerprint.hashes
    share_a, share_b = (float((covered(x.fingerprint, shared) & x.mask).sum()) /
                        max(x.distinctive, 1) for x in (answer_a, answer_b))
    return share_a, share_b, max(2, holdings.group(shared))


def shared_slices(answer_a, answer_b):
    """copydetect's (a's, b's) (2, M) [start, end) positions of the shared distinctive code."""
    overlap, _, slices = compare_files(answer_a.fingerprint, answer_b.fingerprint)
    return tuple(slices) if overlap else ()


def score_pair(function, answer_a, answer_b, holdings, settings):
    """PairScore of two Answers to one function (a's student sorts first).

    Args:
        holdings: the function's Holdings.
    """
    share_a, share_b, holders = shared_code(answer_a, answer_b, holdings)
    score = (share_a + share_b) / 2
    shorter = min((answer_a, answer_b), key=lambda x: x.distinctive)
    verdict_, threshold = verdict(min(answer_a.tokens, answer_b.tokens), shorter.distinctive,
                                  holders, score, settings)
    return PairScore(function, answer_a.student, answer_b.student, share_a, share_b, score,
                     shorter.distinctive, holders, threshold, verdict_)


def notebook_pair(a, b, function_pairs, answers, answered, settings):
    """PairScore of students a < b over every function both answered.

    Each answer's shares are weighted by its distinctive tokens, holders by the tokens shared.

    Args:
        a, b: the students.
        function_pairs: their PairScores, one per function they share code in.
        answers: {(student, function): Answer}.
        answered: {student: set of the functions they answered}.
        settings: Settings.
    """
    functions = answered[a] & answered[b]
    length_a = sum(answers[a, f].distinctive for f in functions)
    length_b = sum(answers[b, f].distinctive for f in functions)
    shared_a = [p.share_a * answers[a, p.scope].distinctive for p in function_pairs]
    shared_b = [p.share_b * answers[b, p.scope].distinctive for p in function_pairs]
    share_a, share_b = sum(shared_a) / max(length_a, 1), sum(shared_b) / max(length_b, 1)
    weights = np.add(shared_a, shared_b)
    holders = (int(round(np.average([p.holders for p in function_pairs], weights=weights)))
               if weights.sum() > 0 else 2)
    tokens = min(sum(answers[x, f].tokens for f in functions) for x in (a, b))
    score = (share_a + share_b) / 2
    verdict_, threshold = verdict(tokens, min(length_a, length_b), holders, score, settings)
    return PairScore(NOTEBOOK, a, b, share_a, share_b, score, min(length_a, length_b), holders,
                     threshold, verdict_)


def summarise(function, answers, count, settings):
    """FunctionSummary of {student: Answer} for one function."""
    lengths = [answer.tokens for answer in answers.values()]
    groups = Counter(answer.normalised for answer in answers.values())
    short = sum(answer.tokens < settings.min_tokens for answer in answers.values())
    unjudged = sum(answer.distinctive < settings.min_tokens for answer in answers.values())
    return FunctionSummary(function, len(answers), int(np.median(lengths)) if lengths else 0,
                           count, max(groups.values(), default=0), short, unjudged - short)


def compare_class(class_answers, settings=Settings()):
    """Every pair of students compared, per function and per notebook.

    Args:
        class_answers: answers.ClassAnswers.
        settings: Settings.

    Returns:
        Similarity.
    """
    students = tuple(class_answers.students)
    answers, pairs, summaries = {}, {}, []
    by_students = defaultdict(list)
    for function in class_answers.functions:
        sources = {s: class_answers.answers[s][function] for s in students
                   if function in class_answers.answers[s]}
        found, count, holders = fingerprint_function(function, sources,
                                                     class_answers.scaffold[function], settings)
        answers.update({(s, function): answer for s, answer in found.items()})
        summaries.append(summarise(function, found, count, settings))
        scored = [score_pair(function, found[a], found[b], holders, settings)
                  for a, b in sorted(holders.pairs())]
        pairs[function] = sorted([p for p in scored if p.score > 0], key=lambda p: -p.score)
        for pair in pairs[function]:
            by_students[pair.a, pair.b].append(pair)
    answered = defaultdict(set)
    for student, function in answers:
        answered[student].add(function)
    pairs[NOTEBOOK] = sorted((notebook_pair(a, b, found_pairs, answers, answered, settings)
                              for (a, b), found_pairs in by_students.items()),
                             key=lambda p: -p.score)
    return Similarity(class_answers.assignment, students, settings, pairs, summaries, answers,
                      score_matrix(students, pairs[NOTEBOOK]), dict(class_answers.unreadable))


def score_matrix(students, notebook_pairs):
    """(S, S) symmetric matrix of notebook scores, 1 on the diagonal, 0 where nothing is shared."""
    index = {s: i for i, s in enumerate(students)}
    matrix = np.eye(len(students))
    for pair in notebook_pairs:
        matrix[index[pair.a], index[pair.b]] = matrix[index[pair.b], index[pair.a]] = pair.score
    return matrix
