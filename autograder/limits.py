"""Every limit grading applies, each set once here; nbgrader_config.py and the commands read them.

An instructor changes one here, or overrides the matching nbgrader setting named beside it.
"""

CHECK_SECONDS = 20.0
"""A hidden check's time, unless the check sets its own `timeout` (autograder/checks/)."""

CELL_SECONDS = 60
"""A notebook cell's time before it is interrupted (c.Execute.timeout); later cells still run.
A test cell gets its hidden checks' time on top."""

MEMORY_MB = 4096
"""Address space of a grading kernel and of a hidden check's worker process
(c.ResilientExecute.memory_limit_mb)."""

CPU_SECONDS = 600
"""CPU time of everything in one jail (c.ResilientExecute.cpu_seconds)."""

PROCESSES = 256
"""Processes at once in one jail, through a pids cgroup (c.ResilientExecute.max_processes)."""

FILE_MB = 256
"""Largest file a jailed process may write (c.ResilientExecute.max_file_mb)."""

SCRATCH_MB = 512
"""Size of each of the jail's writable folders, /tmp and /home/student
(c.ResilientExecute.scratch_mb)."""

KERNEL_RESTARTS = 20
"""Kernel restarts per notebook after the kernel died (c.ResilientExecute.max_kernel_restarts)."""

STUDENT_SECONDS = 1800
"""Wall time for one student's assignment in the class grader before its worker is stopped
(`--student-timeout`)."""

RECYCLE_AFTER = 25
"""Jobs a class-grading worker process grades before a fresh fork replaces it."""

SOLUTION_CELL_SECONDS = 120
"""A cell's time while the build executes a solution notebook."""

WATCH_RATE = 3
"""Graded submissions per student and assignment within WATCH_RATE_MINUTES; one more is queued
and graded once a slot frees up (watch.toml `rate`)."""

WATCH_RATE_MINUTES = 60
"""The window of the rate limit, in minutes (watch.toml `rate_minutes`)."""

WATCH_QUEUE = 200
"""Submissions the watcher holds queued at most; more stay in the exchange's inbound (or in
submitted/) until there is room (`--queue`)."""

WATCH_POLL_SECONDS = 2.0
"""How often the watcher looks for new submissions (`--poll`)."""

WATCH_SETTLE_SECONDS = 5.0
"""A submission still being written is left alone: an exchange folder without its
submission_secret.txt, or a submitted/ folder without timestamp.txt, until its newest file is
this old."""

WATCH_RETRIES = 2
"""Times the watcher grades a submission again after the grader itself failed (a worker
crash) before it gives up and says so in the feedback."""
