/*
 * IsolationIT's seccomp probe: tries syscalls a function must not have and prints "<name> <errno
 * name>" (or "<name> ok") for each. Built static by the test and copied into the sandbox's image.
 * Arguments are chosen so that, without the filter, most calls would succeed or fail differently
 * (EFAULT, EBADF, EACCES): an EPERM then comes from seccomp. x86-64 Linux.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void report(const char *name, long rc)
{
    printf("%s %s\n", name, rc < 0 ? strerrorname_np(errno) : "ok");
}

/* clone with flags; a child that does get made exits at once. */
static long try_clone(unsigned long flags)
{
    long rc = syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
    if (rc == 0)
        _exit(0);
    if (rc > 0)
        waitpid(rc, NULL, 0);
    return rc;
}

int main(void)
{
    char params[256] = {0};
    /* what a function may do: the probe works, and the filter is not deny-all */
    report("getpid", syscall(SYS_getpid));
    report("socket-inet", socket(AF_INET, SOCK_STREAM, 0));
    report("clone-plain", try_clone(0));
    /* keyrings are not namespaced */
    report("keyctl", syscall(SYS_keyctl, 0 /* GET_KEYRING_ID */, -3 /* session */, 0));
    report("add_key", syscall(SYS_add_key, "user", "flint-probe", "x", 1, -3));
    report("request_key", syscall(SYS_request_key, "user", "flint-probe", NULL, 0));
    /* kernel attack surface */
    report("bpf", syscall(SYS_bpf, 0, NULL, 0));
    report("perf_event_open", syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0));
    report("userfaultfd", syscall(SYS_userfaultfd, 1 /* UFFD_USER_MODE_ONLY */ | O_CLOEXEC));
    report("io_uring_setup", syscall(SYS_io_uring_setup, 1, params));
    report("socket-alg", socket(38 /* AF_ALG */, SOCK_SEQPACKET, 0));
    report("socket-vsock", socket(40 /* AF_VSOCK */, SOCK_STREAM, 0));
    report("socket-packet", socket(AF_PACKET, SOCK_RAW, 0));
    report("personality-exec", personality(READ_IMPLIES_EXEC));
    report("open_by_handle_at", syscall(SYS_open_by_handle_at, AT_FDCWD, NULL, 0));
    report("kexec_load", syscall(SYS_kexec_load, 0, 0, NULL, 0));
    report("finit_module", syscall(SYS_finit_module, -1, "", 0));
    report("swapon", syscall(SYS_swapon, "/tmp/none", 0));
    /* namespaces and mounts: what Flint's own set-up needs, and a run must not */
    report("clone-newuser", try_clone(CLONE_NEWUSER));
    report("clone-newns", try_clone(CLONE_NEWNS));
    report("clone3", syscall(SYS_clone3, NULL, 0));
    report("unshare-user", unshare(CLONE_NEWUSER));
    report("setns", setns(0, 0));
    report("mount", mount("none", "/tmp", "tmpfs", 0, NULL));
    report("umount2", umount2("/proc", MNT_DETACH));
    report("pivot_root", syscall(SYS_pivot_root, ".", "."));
    report("sethostname", sethostname("x", 1));
    report("fsopen", syscall(SYS_fsopen, "tmpfs", 0));
    report("open_tree", syscall(SYS_open_tree, AT_FDCWD, "/", 0));
    report("mount_setattr", syscall(SYS_mount_setattr, -1, "", 0, NULL, 0));
    report("move_mount", syscall(SYS_move_mount, -1, "", -1, "", 0));
    struct { unsigned long long cur, max; } lim;
    report("prlimit-self", syscall(SYS_prlimit64, 0, 7 /* RLIMIT_NOFILE */, NULL, &lim));
    report("prlimit-init", syscall(SYS_prlimit64, 1, 7 /* RLIMIT_NOFILE */, NULL, &lim));
    return 0;
}
