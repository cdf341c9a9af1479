"""Runs a command at a pseudo-terminal and types into it, as a person would.

    python3 pty_driver.py STEPS_JSON COMMAND [ARGS...]

STEPS_JSON is a list of steps: {"expect": TEXT} waits until TEXT has been
printed, {"send": TEXT} writes TEXT to the terminal in one write (as a paste
arrives), {"sleep": MS} waits. Prints one JSON object: the exit code and
everything the terminal showed. Gives up after 30 s.
"""

import json
import os
import pty
import select
import sys
import signal
import time

DEADLINE = time.monotonic() + 30


def read_some(fd, output):
    ready, _, _ = select.select([fd], [], [], 0.05)
    if not ready:
        return True
    try:
        data = os.read(fd, 4096)
    except OSError:
        return False
    if not data:
        return False
    output.extend(data)
    return True


def main():
    steps = json.loads(sys.argv[1])
    command = sys.argv[2:]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(command[0], command)
    output = bytearray()
    alive = True
    for step in steps:
        if "expect" in step:
            wanted = step["expect"].encode()
            while alive and wanted not in output and time.monotonic() < DEADLINE:
                alive = read_some(fd, output)
        elif "send" in step:
            os.write(fd, step["send"].encode())
        elif "sleep" in step:
            time.sleep(step["sleep"] / 1000)
    while alive and time.monotonic() < DEADLINE:
        alive = read_some(fd, output)
    if alive:
        # Past the deadline: a hung command fails its test, not the suite.
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    print(json.dumps({"code": code, "output": output.decode(errors="replace")}))


main()
