"""Grades into the LMS, from the course root.

    python -m autograder.lms canvas --roster ROSTER.csv [--to CSV] [assignment ...]
    python -m autograder.lms push [assignment ...] [--dry-run] [--force]
                                  [--credentials PATH]
    python -m autograder.lms jwks [--credentials PATH]
    python -m autograder.lms lineitems URL [--create [assignment ...]]
                                               # the platform's line items of a course
    python -m autograder.lms members URL       # its learners and their user ids (NRPS)

Every command takes --root (the course root, default .), --config (default
<root>/lms.toml) and --db-url (default sqlite:///<root>/gradebook.db). Without
assignment names, `canvas` exports every assignment with a Canvas id in the
config and `push` sends every one with a line item. The credentials file (the
tool's private key) comes from --credentials or $AUTOGRADER_LMS_CREDENTIALS.

Exit status: 0 when everything went, 1 when a score was refused or the push
stopped (run it again to send the rest), 2 for a problem with the config, the
credentials, the roster or the arguments.
"""
import argparse
import json
import sys
from pathlib import Path

from autograder.lms import canvas, lti
from autograder.lms.config import ConfigError, credentials_path, load_config, load_private_key
from autograder.lms.grades import read_grades


def arguments(argv):
    """The parsed command line."""
    parser = argparse.ArgumentParser(prog="python -m autograder.lms", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--root", type=Path, default=Path("."), help="the course root")
    common.add_argument("--config", type=Path, help="the LMS config (default <root>/lms.toml)")
    common.add_argument("--db-url", help="the gradebook (default sqlite:///<root>/gradebook.db)")
    common.add_argument("--credentials", help="the tool's private key, outside the repository "
                        "(default $AUTOGRADER_LMS_CREDENTIALS)")
    commands = parser.add_subparsers(dest="command", required=True)
    export = commands.add_parser("canvas", parents=[common], help="write Canvas's import CSV")
    export.add_argument("--roster", type=Path, required=True,
                        help="the gradebook CSV exported from Canvas")
    export.add_argument("--to", type=Path,
                        help="the import file (default <root>/reports/lms/canvas.csv)")
    export.add_argument("assignments", nargs="*")
    send = commands.add_parser("push", parents=[common], help="send scores by LTI 1.3 AGS")
    send.add_argument("--dry-run", action="store_true", help="print the requests, send nothing")
    send.add_argument("--force", action="store_true",
                      help="send every graded score again, even those the ledger has")
    send.add_argument("assignments", nargs="*")
    commands.add_parser("jwks", parents=[common], help="print the tool's public JWK")
    for name, what, url in [
            ("lineitems", "list (or --create) a course's line items", "its line items URL (AGS)"),
            ("members", "list a course's learners and their platform user ids",
             "its context memberships URL (NRPS)")]:
        listing = commands.add_parser(name, parents=[common], help=what)
        listing.add_argument("url", help=url)
    lineitems = commands.choices["lineitems"]
    lineitems.add_argument("--create", nargs="*", metavar="ASSIGNMENT",
                           help="make the line items these assignments (default: those of "
                                "the config) do not have yet, and print their config lines")
    return parser.parse_args(argv)


def chosen(args, config, key):
    """The assignments named on the command line, else those the config gives `key`."""
    return args.assignments or [t.assignment for t in config.targets.values()
                                if getattr(t, key)]


def class_grades(args, assignments):
    """ClassGrades of `assignments` from the gradebook the arguments name."""
    db_url = args.db_url or f"sqlite:///{(args.root / 'gradebook.db').resolve()}"
    return read_grades(db_url, args.root, assignments)


def run_canvas(args, config):
    """Write the import CSV; 0 (what it leaves out is reported, not an error)."""
    assignments = chosen(args, config, "canvas_id")
    config.require(assignments, "canvas_id")
    roster = canvas.read_roster(args.roster)
    export = canvas.build_export(roster, class_grades(args, assignments), config, assignments)
    destination = args.to or args.root / "reports" / "lms" / "canvas.csv"
    destination.parent.mkdir(parents=True, exist_ok=True)
    canvas.write_export(export, destination)
    print(f"wrote {destination}: " + "\n".join(canvas.describe(export, config)))
    return 0


def lti_settings(config):
    """The config's LtiSettings (ConfigError without an [lti] section)."""
    if config.lti is None:
        raise ConfigError(f"{config.path} has no [lti] section (client_id, token_url, key_id)")
    return config.lti


def tool_key(args):
    """The tool's private key from the credentials file."""
    return load_private_key(credentials_path(args.credentials), args.root)


def run_push(args, config):
    """Send (or, with --dry-run, print) the scores; 1 if any was refused or left."""
    settings = lti_settings(config)
    assignments = chosen(args, config, "lineitem")
    config.require(assignments, "lineitem")
    ledger = lti.Ledger.load(config.ledger)
    plan = lti.plan_push(class_grades(args, assignments), config, assignments, ledger,
                         force=args.force)
    if args.dry_run:
        print("\n".join(lti.dry_run(plan)))
        return 0
    key = tool_key(args) if plan.to_send else None
    result = lti.push(plan, lti.TokenSource(settings, key), ledger)
    print("\n".join(lti.describe(plan, result)))
    return 1 if result.refused or result.stopped else 0


def run_jwks(args, config):
    """Print the public JWK to paste into the platform's developer key."""
    print(json.dumps(lti.public_jwk(tool_key(args), lti_settings(config).key_id), indent=2))
    return 0


LISTINGS = {"lineitems": (lti.LINEITEM_SCOPE, lti.LINEITEMS_TYPE, lti.lineitem_lines),
            "members": (lti.MEMBERSHIP_SCOPE, lti.MEMBERSHIP_TYPE, lti.member_lines)}


def run_listing(args, config):
    """Print the platform's line items or learners, one per line, tab-separated."""
    scope, accept, lines = LISTINGS[args.command]
    tokens = lti.TokenSource(lti_settings(config), tool_key(args), scopes=(scope,))
    if getattr(args, "create", None) is not None:
        return run_create(args, config, tokens)
    print("\n".join(lines(lti.get_pages(args.url, accept, tokens))))
    return 0


def run_create(args, config, tokens):
    """Make the missing line items, labelled with the config's names; print their config."""
    assignments = args.create or list(config.targets)
    grades = class_grades(args, assignments)
    wanted = [(a, getattr(config.targets.get(a), "canvas_name", None) or a,
               grades.max_scores[a]) for a in assignments]
    print("\n".join(lti.lineitem_config(lti.create_lineitems(args.url, wanted, tokens))))
    return 0


COMMANDS = {"canvas": run_canvas, "push": run_push, "jwks": run_jwks,
            "lineitems": run_listing, "members": run_listing}


def main(argv=None):
    """Run one command; its exit status."""
    args = arguments(argv)
    try:
        config = load_config(args.config or args.root / "lms.toml", args.root)
        return COMMANDS[args.command](args, config)
    except (ConfigError, lti.LtiError, KeyError, ValueError, OSError) as error:
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        print(f"error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
