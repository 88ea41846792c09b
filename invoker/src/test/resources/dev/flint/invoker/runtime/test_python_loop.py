"""Tests of python_loop.py, the Python instance-mode launcher, started the way the invoker starts it.

Run: python3 test_python_loop.py -v  (python_loop.py beside this file, or in the source tree).
The launcher runs with FLINT_TMP pointing at a temporary directory and FLINT_NO_KILL_ALL=1, so it
neither empties the host's /tmp nor sends kill(-1) to the test runner's processes; one test checks
kill(-1) for real inside a new user and pid namespace when `unshare` allows it.
"""
import json
import os
import platform
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest
from pathlib import Path

MARKER = b"XXX_THE_END_OF_A_WHISK_ACTIVATION_XXX\n"
TIMEOUT = 10.0
NOBODY = 65534


def find_launcher():
    here = Path(__file__).resolve().parent  # .../src/test/resources/dev/flint/invoker/runtime
    candidates = [here / "python_loop.py"]
    if len(here.parents) > 5:
        candidates.append(here.parents[5] / "main/resources/dev/flint/invoker/runtime/python_loop.py")
    for candidate in candidates:
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8")
    raise FileNotFoundError(f"python_loop.py not found in {[str(c) for c in candidates]}")


SOURCE = find_launcher()


class Launcher:
    """One launcher process: fd 3 is our socketpair's other end; its stdout and stderr are pipes."""

    def __init__(self, tmp_dir, prefix=(), extra_env=None, user=None, python=sys.executable):
        self.channel, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        child_fd = child_end.fileno()
        env = {**os.environ, "FLINT_TMP": str(tmp_dir), "FLINT_NO_KILL_ALL": "1", **(extra_env or {})}
        # The child end becomes fd 3 by a dup2 in the child. Not pass_fds: subprocess closes the fds
        # not listed there after preexec_fn, and cannot list fd 3 before it exists in the child.
        # With close_fds=False only inheritable fds pass, and Python makes its own non-inheritable.
        self.process = subprocess.Popen(
            [*prefix, python, "-u", "-c", SOURCE],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            cwd=tmp_dir, env=env, close_fds=False, user=user, start_new_session=True,
            preexec_fn=lambda: os.dup2(child_fd, 3))
        child_end.close()
        self.channel.settimeout(TIMEOUT)
        self.responses = self.channel.makefile("rb")
        self.output = {"stdout": bytearray(), "stderr": bytearray()}
        self.activations = 0
        self.incomplete = None  # set once output timed out: later waits would only time out again
        self.ready = self.read_line()

    def read_line(self):
        line = self.responses.readline()
        if not line:
            raise AssertionError(f"launcher closed fd 3; stderr: {self.drain()['stderr']}")
        assert line.endswith(b"\n"), line
        self.last_raw = line
        return json.loads(line)

    def send_raw(self, line):
        """Sends one line, waits for its response and for one more marker on stdout and stderr."""
        self.channel.sendall(line)
        response = self.read_line()
        self.activations += 1
        self.read_output_until(lambda out: out.count(MARKER) >= self.activations)
        return response

    def call(self, value, **fields):
        return self.send_raw(json.dumps(dict(fields, value=value)).encode("utf-8") + b"\n")

    def stdout(self, activation=-1):
        return self.segment("stdout", activation)

    def stderr(self, activation=-1):
        return self.segment("stderr", activation)

    def segment(self, stream, activation):
        """What the stream got during one activation, before its marker."""
        segments = bytes(self.output[stream]).split(MARKER)[:self.activations]
        return segments[activation].decode("utf-8", "replace")

    def read_output_until(self, done, deadline=None):
        if self.incomplete:
            raise AssertionError(self.incomplete)
        deadline = deadline or time.monotonic() + TIMEOUT
        pipes = {self.process.stdout: "stdout", self.process.stderr: "stderr"}
        with selectors.DefaultSelector() as selector:
            for pipe in pipes:
                if not pipe.closed:
                    selector.register(pipe, selectors.EVENT_READ)
            while not all(done(self.output[name]) for name in pipes.values()):
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not selector.get_map():
                    self.incomplete = f"output incomplete: {self.output}"
                    raise AssertionError(self.incomplete)
                for key, _ in selector.select(remaining):
                    data = os.read(key.fileobj.fileno(), 65536)
                    if data:
                        self.output[pipes[key.fileobj]] += data
                    else:
                        selector.unregister(key.fileobj)

    def close(self):
        """Closes fd 3 (EOF for the launcher) and returns its exit code."""
        self.responses.close()  # the socket's fd stays open while a makefile of it is
        self.channel.close()
        try:
            code = self.process.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"the launcher did not exit after EOF on fd 3") from None
        self.drain()
        return code

    def drain(self):
        self.incomplete = None
        try:
            self.read_output_until(lambda out: False, time.monotonic() + 1)
        except AssertionError:
            pass
        return {name: bytes(data).decode("utf-8", "replace") for name, data in self.output.items()}

    def kill(self):
        try:
            os.killpg(self.process.pid, signal.SIGKILL)  # with unshare, more than one process
        except ProcessLookupError:
            pass
        self.process.wait()
        self.responses.close()
        self.channel.close()
        self.process.stdout.close()
        self.process.stderr.close()


class LauncherTest(unittest.TestCase):

    def setUp(self):
        self.tmp = Path(self.enter(tempfile.TemporaryDirectory(prefix="flint-tmp-")))
        self.code = Path(self.enter(tempfile.TemporaryDirectory(prefix="flint-code-")))
        self.launcher = None

    def enter(self, context):
        value = context.__enter__()
        self.addCleanup(context.__exit__, None, None, None)
        return value

    def start(self, **kwargs):
        self.launcher = Launcher(self.tmp, **kwargs)
        self.addCleanup(self.launcher.kill)
        return self.launcher

    def start_unprivileged(self):
        """As root, runs the launcher as nobody, as in the sandbox, so that file modes matter."""
        if os.geteuid() != 0:
            return self.start()
        os.chmod(self.code, 0o755)
        os.chown(self.tmp, NOBODY, NOBODY)
        return self.start(user=NOBODY, python=self.python_for_nobody())

    def python_for_nobody(self):
        for python in (sys.executable, "/usr/bin/python3"):
            try:
                if subprocess.run([python, "-c", ""], user=NOBODY, cwd="/").returncode == 0:
                    return python
            except OSError:
                pass
        self.skipTest("no python3 that nobody may run")

    def function(self, source, name="main.py"):
        path = self.code / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source), encoding="utf-8")
        return str(path)

    # -- start-up and round trips ------------------------------------------------------------

    def test_startup_writesTheReadyLineWithThePythonVersion(self):
        launcher = self.start()
        self.assertEqual({"ready": True, "python": platform.python_version()}, launcher.ready)
        self.assertEqual(b'{"ready":true,"python":"%s"}\n' % platform.python_version().encode(),
                         launcher.last_raw)

    def test_success_returnsTheResultOfMainWithTheArguments(self):
        code = self.function("""
            def main(args):
                return {"greeting": "hello " + args["name"], "args": args}
            if __name__ == "__main__":
                raise SystemExit("the __main__ block must not run")
        """)
        launcher = self.start()
        response = launcher.call({"name": "wörld", "n": [1, 2.5, None]}, code=code)
        self.assertEqual({"status": "success", "result": {
            "greeting": "hello wörld", "args": {"name": "wörld", "n": [1, 2.5, None]}}}, response)
        self.assertIn("hello wörld".encode("utf-8"), launcher.last_raw)  # UTF-8, not \u escapes
        self.assertNotIn(b" ", launcher.last_raw.replace(b"hello w", b""))  # compact separators

    def test_otherEntryPoint_isCalledWhenNamedByMain(self):
        code = self.function("def handler(args):\n    return {'via': 'handler'}\n")
        response = self.start().call({}, code=code, main="handler")
        self.assertEqual({"status": "success", "result": {"via": "handler"}}, response)

    def test_globals_persistBetweenActivationsAndTheModuleLoadsOnce(self):
        code = self.function("""
            print("loading module")
            count = 0
            def main(args):
                global count
                count += 1
                return {"count": count}
        """)
        launcher = self.start()
        counts = [launcher.call({}, code=code)["result"]["count"] for _ in range(2)]
        counts.append(launcher.call({})["result"]["count"])  # later requests may omit code
        self.assertEqual([1, 2, 3], counts)
        self.assertIn("loading module", launcher.stdout(0))
        self.assertNotIn("loading module", launcher.stdout(1) + launcher.stdout(2))

    # -- output and markers ------------------------------------------------------------------

    def test_output_ofEachActivationPrecedesItsOneMarkerPerStream(self):
        code = self.function("""
            import os, sys
            # Buffer despite -u: the launcher must flush what the function left in the buffers.
            sys.stdout.reconfigure(write_through=False)
            sys.stderr.reconfigure(write_through=False)
            def main(args):
                print("out-" + args["n"])
                print("err-" + args["n"], file=sys.stderr)
                sys.stdout.write("partial-" + args["n"])
                os.write(1, ("raw-" + args["n"] + "\\n").encode())
                return {}
        """)
        launcher = self.start()
        launcher.call({"n": "1"}, code=code)
        launcher.call({"n": "2"}, code=code)
        self.assertEqual(["out-1", "partial-1", "raw-1"], sorted(launcher.stdout(0).split()))
        self.assertEqual(["out-2", "partial-2", "raw-2"], sorted(launcher.stdout(1).split()))
        self.assertEqual(["err-1"], launcher.stderr(0).split())
        self.assertEqual(["err-2"], launcher.stderr(1).split())
        self.assertEqual(0, launcher.close())
        self.assertEqual(2, launcher.output["stdout"].count(MARKER))
        self.assertEqual(2, launcher.output["stderr"].count(MARKER))
        self.assertTrue(launcher.output["stdout"].endswith(MARKER))
        self.assertTrue(launcher.output["stderr"].endswith(MARKER))

    # -- failures ----------------------------------------------------------------------------

    def test_exception_isAnApplicationErrorWithItsTracebackAndTheLauncherServesOn(self):
        code = self.function("""
            import sys
            def main(args):
                kind = args.get("raise")
                if kind == "value":
                    raise ValueError("bad input")
                if kind == "exit":
                    sys.exit(3)
                if kind == "interrupt":
                    raise KeyboardInterrupt()
                return {"ok": True}
        """)
        launcher = self.start()
        self.assertEqual({"status": "application error", "error": "ValueError: bad input"},
                         launcher.call({"raise": "value"}, code=code))
        self.assertIn("Traceback (most recent call last)", launcher.stderr())
        self.assertIn('raise ValueError("bad input")', launcher.stderr())
        self.assertEqual({"status": "application error", "error": "SystemExit: 3"},
                         launcher.call({"raise": "exit"}, code=code))
        self.assertEqual({"status": "application error", "error": "KeyboardInterrupt"},
                         launcher.call({"raise": "interrupt"}, code=code))
        self.assertEqual({"status": "success", "result": {"ok": True}}, launcher.call({}, code=code))
        self.assertIsNone(launcher.process.poll())

    def test_resultThatIsNotAJsonObject_isADeveloperError(self):
        code = self.function("""
            results = {"none": None, "list": [1], "str": "x", "set": {"s": {1}},
                       "nan": {"x": float("nan")}, "ok": {"ok": 1}}
            def main(args):
                return results[args["kind"]]
        """)
        launcher = self.start()
        expected = {"none": "NoneType", "list": "list", "str": "str",
                    "set": "TypeError: Object of type set is not JSON serializable",
                    "nan": "ValueError: Out of range float values are not JSON compliant"}
        for kind, reason in expected.items():
            with self.subTest(kind):
                self.assertEqual({"status": "developer error",
                                  "error": "the action did not return a JSON object: " + reason},
                                 launcher.call({"kind": kind}, code=code))
        self.assertEqual({"status": "success", "result": {"ok": 1}},
                         launcher.call({"kind": "ok"}, code=code))

    def test_loadFailures_areDeveloperErrorsAndTheNextRequestLoadsAgain(self):
        path = str(self.code / "main.py")
        launcher = self.start()
        cases = [
            (None, "FileNotFoundError: [Errno 2] No such file or directory: '%s'" % path),
            ("def main(args):\n    return {\n\n", "SyntaxError: "),
            ("import no_such_module_for_flint\n", "ModuleNotFoundError: No module named"),
            ("raise RuntimeError('boom at import')\n", "RuntimeError: boom at import"),
            ("def handler(args):\n    return {}\n", "no callable named 'main'"),
            ("main = 42\n", "no callable named 'main'"),
        ]
        for source, reason in cases:
            with self.subTest(reason):
                if source is not None:
                    self.function(source)
                response = launcher.call({}, code=path)
                self.assertEqual("developer error", response["status"], response)
                self.assertTrue(response["error"].startswith(f"cannot load {path}: "), response)
                self.assertIn(reason, response["error"])
                self.assertNotIn("\n", response["error"])
        self.assertIn("SyntaxError", launcher.stderr(1))
        self.assertIn("Traceback (most recent call last)", launcher.stderr(3))
        self.function("def main(args):\n    return {'fixed': True}\n")
        self.assertEqual({"status": "success", "result": {"fixed": True}},
                         launcher.call({}, code=path))

    def test_requestWithoutCodeBeforeAnyLoad_isADeveloperError(self):
        response = self.start().call({})
        self.assertEqual("developer error", response["status"])
        self.assertIn("no function loaded", response["error"])

    def test_directory_loadsItsMainModuleWhichImportsASibling(self):
        self.function("def greet(name):\n    return 'hi ' + name\n", name="pkg/helper.py")
        self.function("""
            from helper import greet
            def main(args):
                return {"said": greet(args["name"])}
        """, name="pkg/__main__.py")
        response = self.start().call({"name": "dir"}, code=str(self.code / "pkg"))
        self.assertEqual({"status": "success", "result": {"said": "hi dir"}}, response)

    def test_directory_whoseSiblingFailedToImport_importsItAgainOnceFixed(self):
        self.function("W = 'not what main wants'\n", name="pkg/helper.py")  # imports, then fails main
        self.function("from helper import V\ndef main(args):\n    return {'v': V}\n", name="pkg/__main__.py")
        launcher = self.start()
        failed = launcher.call({}, code=str(self.code / "pkg"))
        self.assertEqual("developer error", failed["status"])
        self.assertIn("ImportError: cannot import name 'V' from 'helper'", failed["error"])
        self.function("V = 'fixed'\n", name="pkg/helper.py")
        self.assertEqual({"status": "success", "result": {"v": "fixed"}},
                         launcher.call({}, code=str(self.code / "pkg")))

    def test_differentCodePath_replacesTheLoadedFunction(self):
        first = self.function("def main(args):\n    return {'which': 'first'}\n", name="first.py")
        second = self.function("def main(args):\n    return {'which': 'second'}\n", name="second.py")
        launcher = self.start()
        self.assertEqual({"which": "first"}, launcher.call({}, code=first)["result"])
        self.assertEqual({"which": "second"}, launcher.call({}, code=second)["result"])

    # -- per-activation environment and clean-up ---------------------------------------------

    def test_environment_isSetPerActivation(self):
        code = self.function("""
            import os
            def main(args):
                return {k: os.environ.get(k) for k in args["keys"]}
        """)
        keys = ["__OW_ACTIVATION_ID", "__OW_ACTION_NAME", "__OW_NAMESPACE", "__OW_DEADLINE",
                "__OW_API_HOST", "GREETING", "FLINT_TMP"]
        launcher = self.start()
        first = launcher.call({"keys": keys}, code=code, activation_id="a1", action_name="/ns/hello",
                              namespace="ns", deadline=1700000000123, api_host="http://flint:8080",
                              env={"GREETING": "hallo"})
        self.assertEqual({"__OW_ACTIVATION_ID": "a1", "__OW_ACTION_NAME": "/ns/hello",
                          "__OW_NAMESPACE": "ns", "__OW_DEADLINE": "1700000000123",
                          "__OW_API_HOST": "http://flint:8080", "GREETING": "hallo",
                          "FLINT_TMP": None}, first["result"])
        second = launcher.call({"keys": keys}, code=code, activation_id="a2", action_name="/ns/hello",
                               namespace="ns", deadline=1700000000456)
        self.assertEqual("a2", second["result"]["__OW_ACTIVATION_ID"])
        self.assertEqual("1700000000456", second["result"]["__OW_DEADLINE"])
        self.assertIsNone(second["result"]["__OW_API_HOST"])  # not carried over
        self.assertIsNone(second["result"]["GREETING"])

    def test_tmpReset_removesWhatTheFunctionWroteButNothingOutsideIt(self):
        outside_file = self.code / "outside.txt"
        outside_file.write_text("keep")
        outside_dir = self.code / "outside-dir"
        outside_dir.mkdir()
        (outside_dir / "inner.txt").write_text("keep")
        code = self.function("""
            import os
            def main(args):
                tmp, seen, cwd = args["tmp"], sorted(os.listdir(args["tmp"])), os.getcwd()
                with open(os.path.join(tmp, "file.txt"), "w") as f:
                    f.write("x")
                os.makedirs(os.path.join(tmp, "a/b/c"))
                with open(os.path.join(tmp, "a/b/c/deep.txt"), "w") as f:
                    f.write("x")
                locked = os.path.join(tmp, "a/locked")
                os.makedirs(os.path.join(locked, "sub"))
                with open(os.path.join(locked, "sub/f.txt"), "w") as f:
                    f.write("x")
                os.chmod(os.path.join(locked, "sub"), 0)
                os.chmod(locked, 0)
                os.symlink(args["outside_file"], os.path.join(tmp, "link-to-file"))
                os.symlink(args["outside_dir"], os.path.join(tmp, "link-to-dir"))
                os.chdir(os.path.join(tmp, "a/b"))  # the launcher goes back to where it started
                return {"seen": seen, "cwd": cwd}
        """)
        launcher = self.start_unprivileged()
        args = {"tmp": str(self.tmp), "outside_file": str(outside_file), "outside_dir": str(outside_dir)}
        expected = {"seen": [], "cwd": os.path.realpath(self.tmp)}
        self.assertEqual(expected, launcher.call(args, code=code)["result"])
        self.assertEqual([], os.listdir(self.tmp))
        self.assertEqual("", launcher.stderr())  # nothing was left to complain about
        self.assertEqual("keep", outside_file.read_text())
        self.assertEqual("keep", (outside_dir / "inner.txt").read_text())
        self.assertEqual(expected, launcher.call(args, code=code)["result"])

    @unittest.skipUnless(os.geteuid() == 0, "needs root to make a file the launcher cannot remove")
    def test_tmpReset_notesWhatItCouldNotRemoveInThisActivationsStderr(self):
        os.chmod(self.tmp, 0o1777)  # sticky, like /tmp: nobody cannot remove root's file
        (self.tmp / "roots-file").write_text("x")
        code = self.function("def main(args):\n    open(args['tmp'] + '/mine', 'w').close()\n    return {}\n")
        os.chmod(self.code, 0o755)
        os.chmod(code, 0o644)
        launcher = self.start(user=NOBODY, python=self.python_for_nobody())
        self.assertEqual("success", launcher.call({"tmp": str(self.tmp)}, code=code)["status"])
        self.assertEqual(["roots-file"], os.listdir(self.tmp))
        note = launcher.stderr(0)
        self.assertIn(f"flint: could not empty {self.tmp}: {self.tmp}/roots-file (PermissionError", note)
        self.assertEqual(1, note.count("\n"))

    def test_exitedChildren_areReapedAfterTheActivation(self):
        code = self.function("""
            import os, time
            def main(args):
                pid = os.fork()
                if pid == 0:
                    os._exit(0)
                time.sleep(0.2)  # now a zombie until someone waits for it
                return {"pid": pid}
        """)
        launcher = self.start()
        pid = launcher.call({}, code=code)["result"]["pid"]
        self.assertFalse(os.path.exists(f"/proc/{pid}"), "the exited child was not reaped")

    @unittest.skipUnless(shutil.which("unshare") and subprocess.run(
        ["unshare", "-Urpf", "true"], capture_output=True).returncode == 0,
        "needs unshare with user and pid namespaces")
    def test_killAll_inAPidNamespace_killsWhatTheFunctionLeftRunning(self):
        code = self.function("""
            import os, subprocess
            def main(args):
                if args.get("check"):
                    return {"alive": sorted(p for p in os.listdir("/proc") if p.isdigit())}
                if args.get("start"):
                    subprocess.Popen(["sleep", "60"])
                    subprocess.Popen(["sh", "-c", "sleep 60 & sleep 60 & wait"], start_new_session=True)
                return {"me": os.getpid()}
        """)
        # unshare forks the launcher as pid 2 of a new namespace; unshare's child, a copy of sh
        # named flint-init (the launcher kills all only under Flint's init), stays pid 1.
        init = self.code / "flint-init"
        shutil.copy(shutil.which("sh"), init)
        launcher = self.start(prefix=["unshare", "-Urpf", "--mount-proc", str(init), "-c", '"$@"; :', "sh"],
                              extra_env={"FLINT_NO_KILL_ALL": "0"})
        for start in (True, False, True):  # after one that started nothing, kill(-1) may be skipped
            me = str(launcher.call({"start": start}, code=code)["result"]["me"])
            alive = launcher.call({"check": True}, code=code)["result"]["alive"]
            self.assertEqual(sorted(["1", me]), alive)

    @unittest.skipUnless(shutil.which("unshare") and subprocess.run(
        ["unshare", "-Urpf", "true"], capture_output=True).returncode == 0,
        "needs unshare with user and pid namespaces")
    def test_killAll_isNotTried_wherePid1IsNotFlintsInit(self):
        code = self.function("""
            import subprocess
            children = []
            def main(args):
                if args.get("check"):
                    return {"alive": children[0].poll() is None}
                children.append(subprocess.Popen(["sleep", "60"]))
                return {}
        """)
        # FLINT_NO_KILL_ALL=0 asks for kill(-1), but pid 1 is a plain sh, not flint-init: it must not
        # happen. (In a pid namespace of its own, so that a broken guard cannot reach the host.)
        launcher = self.start(prefix=["unshare", "-Urpf", "--mount-proc", "sh", "-c", '"$@"; :', "sh"],
                              extra_env={"FLINT_NO_KILL_ALL": "0"})
        launcher.call({}, code=code)
        response = launcher.call({"check": True}, code=code)
        self.assertTrue(response.get("result", {}).get("alive"), response)

    # -- protocol errors and end -------------------------------------------------------------

    def test_malformedLines_areBadRequestsWithMarkersAndTheLauncherServesOn(self):
        code = self.function("def main(args):\n    return {'ok': True}\n")
        launcher = self.start()
        for line in [b"not json\n", b"[1, 2]\n", b'{"code": "x"}\n', b'{"value": 3}\n',
                     b'{"value": {}, "env": {"A": 1}}\n', b"\xff\xfe\n"]:
            with self.subTest(line):
                response = launcher.send_raw(line)
                self.assertEqual("developer error", response["status"])
                self.assertTrue(response["error"].startswith("bad request: "), response)
        self.assertEqual({"status": "success", "result": {"ok": True}}, launcher.call({}, code=code))
        self.assertEqual(7, launcher.output["stdout"].count(MARKER))

    def test_eof_onFd3_exitsWithZero(self):
        launcher = self.start()
        self.assertEqual(0, launcher.close())
        self.assertNotIn("Traceback", launcher.drain()["stderr"])


if __name__ == "__main__":
    unittest.main()
