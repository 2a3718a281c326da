"""Run one command; write its wall time, peak memory and exit status to a file.

``python -I -S benchmarks/spawn.py RESULT TIMEOUT -- COMMAND...``

A child's ``ru_maxrss`` starts at its parent's resident size: the child begins with a
copy of the parent's address space, and ``exec`` keeps that high-water mark. run.py,
with lxml and attrs loaded, is about 30 MiB, which would hide the memory of every
small command. So run.py starts this bare interpreter (``-S``: no site packages; only
``os``, ``signal``, ``sys`` and ``time``) and it starts the command, times it and takes
the child's own ``ru_maxrss`` from ``os.wait4``. A command still running after TIMEOUT
seconds (0: never) is killed. RESULT gets one line: ``seconds maxrss_kib status
timed_out``.
"""

import os
import signal
import sys
import time


def main(argv: list[str]) -> int:
    result, timeout, command = argv[0], float(argv[1]), argv[3:]
    timed_out = []

    def kill(signum: int, frame: object) -> None:
        timed_out.append(True)
        os.kill(pid, signal.SIGKILL)

    start = time.perf_counter()
    try:
        pid = os.posix_spawnp(command[0], command, os.environ)
    except OSError as error:
        print(f"spawn.py: {command[0]}: {error.strerror}", file=sys.stderr)
        return 127
    if timeout > 0:
        signal.signal(signal.SIGALRM, kill)
        signal.setitimer(signal.ITIMER_REAL, timeout)
    _, status, usage = os.wait4(pid, 0)
    seconds = time.perf_counter() - start
    signal.setitimer(signal.ITIMER_REAL, 0)
    code = os.waitstatus_to_exitcode(status)
    with open(result, "w", encoding="ascii") as out:
        out.write(f"{seconds!r} {usage.ru_maxrss} {code} {int(bool(timed_out))}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
