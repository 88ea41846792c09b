# Flint Python instance-mode launcher.
#
# Started inside a sandbox as `python3 -u -c "<this source>"`: loads the user's function once and
# serves activations, one JSON object per line each way, on the AF_UNIX stream socket at fd 3.
# After each activation it flushes the function's output, kills what the function left running,
# empties the tmp directory, writes the end-of-activation marker to fd 1 and fd 2, and only then
# answers. The Java invoker (dev.flint.invoker) is written against this protocol; change both.
#
# Test hooks, read once here: FLINT_TMP replaces the tmp directory to empty (default /tmp);
# FLINT_NO_KILL_ALL=1 skips kill(-1), which outside a pid namespace would reach the caller's processes.
# Everything the activations need is imported up front so the first one does not pay for it.
import json
import os
import platform
import signal
import socket
import stat
import sys
import traceback
import types

MARKER = b"XXX_THE_END_OF_A_WHISK_ACTIVATION_XXX\n"
TMP = os.environ.pop("FLINT_TMP", "/tmp")


def in_flint_sandbox():
    """kill(-1) is safe only where pid 1 is Flint's init, that is in a sandbox's own pid namespace:
    anywhere else (a launcher started by hand on a host) it would reach every process of the uid."""
    try:
        with open("/proc/1/comm") as f:
            return f.read().strip() == "flint-init"
    except OSError:
        return False


NO_KILL_ALL = os.environ.pop("FLINT_NO_KILL_ALL", "") == "1"
KILL_ALL = False  # set by start(), in the sandbox (a zygote imports this file outside of one)
LAST_PID_FD = None  # /proc/sys/kernel/ns_last_pid of the sandbox, opened by start()
LAST_PID_ID = None  # its (st_dev, st_ino)
clean_last_pid = None  # its content when init and this process were last the only ones left
START_DIR = "/"

# With -c, sys.path[0] is the working directory (/tmp): the function must not import from there.
if sys.path and sys.path[0] == "":
    del sys.path[0]

# The only state kept between activations.
loaded = {"path": None, "module": None}  # the function's code path and its module
env_keys_set = set()  # environment keys the previous activation set, removed before the next


class BadRequest(Exception):
    pass


def encode(obj):
    """One protocol line; raises if obj is not strict JSON (NaN, sets, lone surrogates...)."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (text + "\n").encode("utf-8")


def failure(status, error):
    """A failure response line; the error is forced to one line of valid UTF-8."""
    error = " ".join(str(error).split("\n")).encode("utf-8", "replace").decode("utf-8")
    return encode({"status": status, "error": error})


def describe(exc):
    """'<ExceptionType>: <message>', or only the type when the message is empty."""
    try:
        message = str(exc)
    except Exception:
        message = ""
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def parse(line):
    """The request object of one line, checked for the fields the launcher relies on."""
    try:
        request = json.loads(line)
    except ValueError as e:
        raise BadRequest(f"not JSON: {e}")
    if not isinstance(request, dict):
        raise BadRequest("not a JSON object")
    if not isinstance(request.get("value"), dict):
        raise BadRequest("'value' must be a JSON object")
    for key in ("code", "main", "activation_id", "action_name", "namespace", "api_host"):
        if request.get(key) is not None and not isinstance(request[key], str):
            raise BadRequest(f"'{key}' must be a string")
    env = request.get("env") or {}
    if not isinstance(env, dict) or not all(isinstance(v, str) for v in env.values()):
        raise BadRequest("'env' must be an object of strings")
    return request


def load(path):
    """Runs the function's code (a .py file, or a directory with __main__.py) in a fresh module."""
    modules_before = set(sys.modules)
    try:
        if os.path.isdir(path):
            if path not in sys.path:
                sys.path.insert(0, path)  # so __main__.py can import its siblings
            file = os.path.join(path, "__main__.py")
        else:
            file = path
        with open(file, "rb") as f:
            source = f.read()
        # Not "__main__", so the function's `if __name__ == "__main__":` block does not run.
        module = types.ModuleType("__flint_action__")
        module.__file__ = file
        sys.modules[module.__name__] = module  # lets pickle and dataclasses find its classes
        exec(compile(source, file, "exec"), module.__dict__)
    except BaseException:
        # Forget what the failed attempt imported, so a fixed sibling module is read again.
        for name in set(sys.modules) - modules_before:
            del sys.modules[name]
        raise
    loaded["path"], loaded["module"] = path, module


def set_environment(request):
    """Sets this activation's __OW_* and env variables; drops those of the previous one."""
    for key in env_keys_set:
        os.environ.pop(key, None)
    env_keys_set.clear()
    deadline = request.get("deadline")
    if isinstance(deadline, float) and deadline.is_integer():
        deadline = int(deadline)
    values = {
        "__OW_ACTIVATION_ID": request.get("activation_id"),
        "__OW_ACTION_NAME": request.get("action_name"),
        "__OW_NAMESPACE": request.get("namespace"),
        "__OW_DEADLINE": None if deadline is None else str(deadline),
        "__OW_API_HOST": request.get("api_host"),
    }
    values.update(request.get("env") or {})
    for key, value in values.items():
        if value is not None:
            os.environ[key] = value
            env_keys_set.add(key)


def activate(line):
    """Runs one activation and returns its response line."""
    try:
        request = parse(line)
    except BadRequest as e:
        return failure("developer error", f"bad request: {e}")
    path, main_name = request.get("code"), request.get("main") or "main"
    if path and path != loaded["path"]:
        try:
            load(path)
        except BaseException as e:
            traceback.print_exc()
            return failure("developer error", f"cannot load {path}: {describe(e)}")
    if loaded["module"] is None:
        return failure("developer error", "no function loaded: the request has no 'code'")
    main = getattr(loaded["module"], main_name, None)
    if not callable(main):
        failed_path, loaded["path"], loaded["module"] = loaded["path"], None, None  # load again
        return failure("developer error", f"cannot load {failed_path}: no callable named '{main_name}'")
    set_environment(request)
    try:
        result = main(request["value"])
    except BaseException as e:  # SystemExit and KeyboardInterrupt too: the launcher lives on
        traceback.print_exc()
        return failure("application error", describe(e))
    if not isinstance(result, dict):
        return failure("developer error", f"the action did not return a JSON object: {type(result).__name__}")
    try:
        return encode({"status": "success", "result": result})
    except Exception as e:
        return failure("developer error", f"the action did not return a JSON object: {describe(e)}")


def last_pid():
    """The last pid the sandbox's pid namespace handed out (to a process or a thread), or None when
    the descriptor is not the file opened at the start (the function closed it; its number may now
    be another file's)."""
    try:
        st = os.fstat(LAST_PID_FD)
        if (st.st_dev, st.st_ino) != LAST_PID_ID:
            return None
        return os.pread(LAST_PID_FD, 32, 0)
    except (OSError, TypeError):  # not open
        return None


def kill_leftovers():
    """Kills every other process of this uid (in the sandbox's pid namespace), then reaps ours.
    kill(-1) walks every process on the host (~0.3 ms with a thousand sandboxes about), so it is
    sent only when the namespace handed out a pid since it was last left with init and this
    process alone: with no new pid there is no new process (short of pid_max of them in between,
    32,768 or more, which only a function that works against its own clean-up would start; ADR 0002)."""
    global clean_last_pid
    killed = KILL_ALL and (clean_last_pid is None or last_pid() != clean_last_pid)
    if killed:
        try:
            os.kill(-1, signal.SIGKILL)  # spares the caller itself and pid 1
        except ProcessLookupError:
            pass
    while True:
        try:
            # After kill(-1) every child is dying: wait for each; otherwise take only the exited.
            pid, _ = os.waitpid(-1, 0 if KILL_ALL else os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            break
    if killed:  # else the namespace is as it was left: clean_last_pid holds
        clean_last_pid = last_pid()  # the dying cannot fork: nothing new comes after this


def remove(path):
    """Removes a file, link or directory tree without following links; chmods dirs back to u+rwx."""
    if stat.S_ISDIR(os.lstat(path).st_mode):
        os.chmod(path, 0o700)  # the function may have made it unreadable or unwritable
        for entry in os.scandir(path):
            remove(entry.path)
        os.rmdir(path)
    else:
        os.unlink(path)


def reset_tmp(quiet=False):
    """Empties the tmp directory; a note on stderr names what could not be removed."""
    failed = []
    try:
        for entry in os.scandir(TMP):
            try:
                remove(entry.path)
            except Exception as e:
                failed.append(f"{entry.path} ({describe(e)})")
    except OSError as e:
        failed.append(f"{TMP} ({describe(e)})")
    if failed and not quiet:
        os.write(2, f"flint: could not empty {TMP}: {', '.join(failed)}\n".encode("utf-8", "replace"))


def finish():
    """What follows every activation, in this order, before its response is sent."""
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except Exception:
            pass  # the function may have closed or replaced it
    kill_leftovers()
    reset_tmp()
    try:
        os.chdir(START_DIR)  # the function may have moved into a directory that is now gone
    except OSError:
        pass
    os.write(1, MARKER)
    os.write(2, MARKER)


def warm_up():
    """Runs one activation of a built-in function from a file, as a stem cell's interpreter would
    for a new function, then forgets it: the first real activation then finds the loader, the
    compiler and the clean-up warm (it costs several times a warm one otherwise). No markers: no
    activation's logs are being read yet."""
    path = os.path.join(TMP, ".flint-warm-up.py")
    try:
        with open(path, "w") as f:
            f.write("import json\ndef main(args):\n    return {'ok': json.dumps(args)}\n")
        activate(encode({"value": {"warm": True}, "code": path, "activation_id": "warm-up",
                         "action_name": "/flint/warm-up", "namespace": "flint", "deadline": 0}))
    except Exception:
        pass  # a warm-up that fails costs only speed
    loaded["path"], loaded["module"] = None, None
    sys.modules.pop("__flint_action__", None)
    kill_leftovers()
    reset_tmp(quiet=True)  # its note would land in the first activation's logs


def serve():
    os.set_inheritable(3, False)  # programs the function runs must not hold the channel open
    channel = socket.socket(fileno=3)
    requests = channel.makefile("rb")
    warm_up()
    channel.sendall(encode({"ready": True, "python": platform.python_version()}))
    for line in requests:  # ends at EOF: the invoker is done with this sandbox
        response = activate(line)
        finish()
        channel.sendall(response)
    sys.exit(0)


def start():
    global KILL_ALL, START_DIR, LAST_PID_FD, LAST_PID_ID
    KILL_ALL = not NO_KILL_ALL and in_flint_sandbox()
    if KILL_ALL:
        try:
            LAST_PID_FD = os.open("/proc/sys/kernel/ns_last_pid", os.O_RDONLY)  # not inherited
            st = os.fstat(LAST_PID_FD)
            LAST_PID_ID = (st.st_dev, st.st_ino)
        except OSError:
            pass  # then kill(-1) after every activation
    START_DIR = os.getcwd()
    serve()


# Started by a zygote (sandbox-runtime's zygote.py, prepended): it forks a copy into each sandbox,
# which calls start() there. Started on its own: start() here.
if "flint_zygote_main" in globals():
    flint_zygote_main(start)
else:
    start()
