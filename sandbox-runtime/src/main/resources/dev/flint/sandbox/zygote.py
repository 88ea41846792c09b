# Flint zygote (ADR 0015): the prelude of a runtime program that the sandbox runtime starts once per
# image (flint-init's zygote.c: its own mount namespace on the image's layers, the host's pid
# namespace, root) and that forks a copy of itself into a sandbox for each request, so that every
# copy shares the program's imported heap copy-on-write.
#
# The program defines its own entry point and then calls flint_zygote_main(entry): the zygote
# answers requests until the JVM closes fd 3; each copy gives up everything a Flint run process
# gives up (child.c, harden.c) and only then calls entry() inside the sandbox.
#
# Wire format on fd 3 (SOCK_SEQPACKET), as flint-init's: one op byte, NUL-terminated key=value
# fields, descriptors as SCM_RIGHTS.
#   JVM -> zygote  F uid= gid= nofile= cwd=; fds: stdin, stdout, stderr, channel, then the
#                  sandbox's mnt, ipc, uts, net, cgroup and pid namespaces, then one cgroup.procs
#                  file opened for writing per cgroup hierarchy
#   zygote -> JVM  R (ready, once); P pid= (the copy's host pid), fd: its pidfd; E error=
import array  # socket's send_fds needs it: imported here, never after joining a sandbox
import ctypes
import gc
import os
import resource
import signal
import socket
import sys
import traceback


def flint_zygote_main(entry):
    libc = ctypes.CDLL(None, use_errno=True)
    _check(libc, libc.prctl(4, 0, 0, 0, 0), "set not dumpable")  # PR_SET_DUMPABLE: exec reset it
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    ctl = socket.socket(fileno=3)
    with os.fdopen(4, "rb") as f:
        run_filter = f.read()  # struct sock_filter[]: the run seccomp filter every run installs
    # The intermediate processes are reaped by the kernel; a copy, orphaned when its intermediate
    # exits, goes to the nearest subreaper, the flint-init factory, which reaps it at its end.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    gc.freeze()  # what is imported now stays shared: the collector never writes to it
    ctl.send(b"R")
    while True:
        data, fds, _, _ = socket.recv_fds(ctl, 65536, 64)
        if not data:
            os._exit(0)  # the JVM is gone
        try:
            _fork_copy(libc, ctl, data, fds, run_filter, entry)
        except Exception as e:
            ctl.send(_message(b"E", error=f"zygote: {e}"))
        finally:
            for fd in fds:
                os.close(fd)


def _message(op, **fields):
    return op + b"".join(f"{k}={v}".encode() + b"\0" for k, v in fields.items())


def _fields(data):
    return dict(f.decode().split("=", 1) for f in data[1:].split(b"\0") if f)


def _check(libc, rc, what):
    if rc != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _fork_copy(libc, ctl, data, fds, run_filter, entry):
    if data[:1] != b"F" or len(fds) < 11:
        raise ValueError("bad fork request")
    fields = _fields(data)
    done_r, done_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(done_r)
        try:
            _join(libc, ctl, fields, fds, run_filter, entry)
        except BaseException as e:
            try:
                ctl.send(_message(b"E", error=f"zygote: {e}"))
            finally:
                os._exit(127)
        os._exit(0)
    os.close(done_w)
    os.read(done_r, 1)  # end of file: the intermediate process answered and exited
    os.close(done_r)


_NAMESPACES = (0x08000000, 0x04000000, 0x40000000, 0x02000000, 0x20000000)  # ipc uts net cgroup pid


def _join(libc, ctl, fields, fds, run_filter, entry):
    """In the intermediate process: into the sandbox's cgroups and namespaces, then one more fork
    (a pid namespace is entered by the children of whoever joined it)."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    stdio, mnt, namespaces, procs = fds[:4], fds[4], fds[5:10], fds[10:]
    for fd in procs:
        os.write(fd, b"0")  # this process, while it is still the host's
    for fd, kind in zip(namespaces, _NAMESPACES):
        _check(libc, libc.setns(fd, kind), f"join namespace {kind:#x}")
    _check(libc, libc.setns(mnt, 0x00020000), "join the run's mount namespace")  # root and cwd: the run's
    # Nothing below reads a file: the mount namespace is the sandbox's now, and this process root.
    pid = os.fork()
    if pid == 0:
        ctl.close()
        os.setsid()  # out of the zygote's process group and session: kill(0) reaches no other sandbox
        _run(libc, fields, stdio, run_filter, entry)
    pidfd = os.pidfd_open(pid)
    socket.send_fds(ctl, [_message(b"P", pid=pid)], [pidfd])


def _run(libc, fields, stdio, run_filter, entry):
    """The copy in the sandbox: hardened, then the program's entry point, then exit."""
    try:
        _become_run(libc, fields, stdio, run_filter)
    except BaseException as e:
        os.write(2, f"flint zygote: {e}\n".encode("utf-8", "replace"))
        os._exit(127)
    code = 0
    try:
        entry()
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except BaseException:
        traceback.print_exc()
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    os._exit(code)


def _become_run(libc, fields, stdio, run_filter):
    """What child.c and harden.c do to a run process before its exec, in the same order."""
    for target, fd in enumerate(stdio):
        os.dup2(fd, target)  # received descriptors are all above 3: none is overwritten
    os.closerange(4, 0x7FFFFFFF)  # the other received ones, the zygote's pipe (close_range: cheap)
    uid, gid, nofile = int(fields["uid"]), int(fields["gid"]), int(fields["nofile"])
    with open("/proc/self/oom_score_adj", "w") as f:
        f.write("0")
    cap = 0
    while libc.prctl(24, cap, 0, 0, 0) == 0:  # PR_CAPBSET_DROP each until EINVAL (past the last)
        cap += 1
    if ctypes.get_errno() != 22 or cap < 38:
        raise OSError(ctypes.get_errno(), f"drop capability {cap} from the bounding set")
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
    data = (ctypes.c_uint32 * 6)()  # effective, permitted, inheritable: none, twice (64 bits)
    _check(libc, libc.capset(header, data), "clear capabilities")
    _check(libc, libc.prctl(47, 4, 0, 0, 0), "clear ambient capabilities")  # PR_CAP_AMBIENT_CLEAR_ALL
    resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    _check(libc, libc.prctl(38, 1, 0, 0, 0), "set no_new_privs")  # PR_SET_NO_NEW_PRIVS

    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_char_p)]

    program = Program(len(run_filter) // 8, run_filter)
    _check(libc, libc.prctl(22, 2, ctypes.byref(program), 0, 0), "install seccomp filter")  # SECCOMP_MODE_FILTER
    # Dumpable as an exec'd run is (/proc/self readable by its own uid), only now that it is
    # filtered: until here the zygote's state was not.
    _check(libc, libc.prctl(4, 1, 0, 0, 0), "set dumpable")
    os.chdir(fields.get("cwd") or "/")
    if not os.getcwd().startswith("/"):  # a directory outside the root (CVE-2024-21626 class)
        raise OSError("working directory is outside the sandbox")
