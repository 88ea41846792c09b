/*
 * Two requests that work on the run's namespaces instead of starting a run. An attach (ADR 0009):
 * a function's code, a detached read-only mount from the JVM, kept in init's root for good and
 * shown in every run's root from then on, the current one's included. A lend (ADR 0015): the
 * prepared run's namespaces handed to the JVM for a zygote's copy to join in place of an exec.
 */
#include "flint-init.h"
#include "init-state.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

char attach_path[64]; /* where attached code shows in each run's root; empty: none */
char attach_error[ERR_MAX + 16]; /* why an attach failed: the JVM may have sent runs after it */

/* The root of the run process that exists now was built before the attach: show the code there
 * too, from a copy of init's mount (a detached tree can only be copied in its own namespace). */
static int attach_to_current_run(void)
{
    int tree = open_tree(AT_FDCWD, ATTACH_SOURCE, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    if (tree < 0)
        return fail("copy attached code");
    if (setns(run.mntns, CLONE_NEWNS) < 0) {
        close(tree);
        return fail("enter the run's mount namespace");
    }
    int rc = attach_point(attach_path);
    if (rc == 0 && move_mount(tree, "", AT_FDCWD, attach_path, MOVE_MOUNT_F_EMPTY_PATH) < 0)
        rc = fail("attach code on %s", attach_path);
    close(tree);
    if (setns(own_mntns, CLONE_NEWNS) < 0)
        _exit(1); /* init must not serve another run from someone else's root */
    return rc;
}

/* Binds the sandbox to a function's code for good: a read-only mount the JVM detached from the
 * host's tree, kept in init's root and bound into every run's root from now on. */
static int attach(struct msg *req)
{
    const char *path = msg_get(req, "path");
    if (attach_path[0]) {
        errno = 0;
        return fail("code is attached already, at %s", attach_path);
    }
    if (req->nfds != (msg_get(req, "then") ? 2 : 1) || !path || path[0] != '/' || strchr(path + 1, '/') ||
        strlen(path) >= sizeof attach_path ||
        strcmp(path, "/.") == 0 || strcmp(path, "/..") == 0 || !path[1]) {
        errno = EINVAL;
        return fail("bad attach request");
    }
    if (move_mount(req->fds[0], "", AT_FDCWD, ATTACH_SOURCE, MOVE_MOUNT_F_EMPTY_PATH) < 0)
        return fail("attach code");
    snprintf(attach_path, sizeof attach_path, "%s", path);
    if (run.mntns >= 0 && run.rooted)
        return attach_to_current_run();
    return 0;
}

/* An attach, answered ATTACHED unless "quiet" (the JVM does not wait: a run sent behind it fails
 * with the attach's error); or, when it carries "then" and a second descriptor (the JVM's end
 * of an instance's channel), that text written there once the code is in the instance's root, and
 * no answer: the instance's first request, which names the code, then reaches it without a round
 * trip to the JVM between the attach and the send. A failed attach is answered either way. The
 * request is small (the JVM sends larger ones itself) and sent without waiting: init never blocks
 * on an instance's socket. An instance that is gone (EPIPE) is not answered: its DONE says why. */
void on_attach(struct msg *req)
{
    const char *then = msg_get(req, "then");
    if (attach(req) < 0) {
        snprintf(attach_error, sizeof attach_error, "attach failed: %s", g_err);
        send_error(ctl, g_err);
    } else if (!then) {
        if (!msg_get(req, "quiet")) {
            msg_start(out, OP_ATTACHED);
            msg_send(ctl, out);
        }
    } else {
        size_t len = strlen(then);
        ssize_t n = send(req->fds[1], then, len, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n != (ssize_t)len && !(n < 0 && (errno == EPIPE || errno == ECONNRESET))) {
            fail("code attached, but its first request could not be handed to the instance");
            send_error(ctl, g_err);
        }
    }
    msg_close_fds(req);
}

/* The prepared run's namespaces, for a zygote's copy to join in place of an exec (ADR 0015): its
 * mount namespace (the fresh root) and ipc namespace, and init's uts, net, cgroup and pid ones. The
 * JVM then sends an exec request with watch=1 and the copy's pidfd, and init ends the run when
 * that copy exits, as it would for its own run process. */
void lend(void)
{
    if (attach_error[0] || run.active || run.lent) {
        errno = 0;
        fail("%s", attach_error[0] ? attach_error : run.lent ? "lent already" : "sandbox busy: one run at a time");
        send_error(ctl, g_err);
        return;
    }
    drop_prestarted();
    if (!prepare_run()) {
        send_error(ctl, run.prep_error);
        return;
    }
    char ipc[64];
    snprintf(ipc, sizeof ipc, "/proc/%d/ns/ipc", run.child);
    const char *own[] = { "/proc/self/ns/uts", "/proc/self/ns/net", "/proc/self/ns/cgroup", "/proc/self/ns/pid" };
    msg_start(out, OP_LENT);
    out->fds[out->nfds++] = fcntl(run.mntns, F_DUPFD_CLOEXEC, 3);
    out->fds[out->nfds++] = open(ipc, O_RDONLY | O_CLOEXEC);
    for (size_t i = 0; i < sizeof own / sizeof *own; i++)
        out->fds[out->nfds++] = open(own[i], O_RDONLY | O_CLOEXEC);
    bool ok = true;
    for (int i = 0; i < out->nfds; i++)
        ok = ok && out->fds[i] >= 0;
    if (ok) {
        /* The run process goes (its namespaces live on through these descriptors and init's own
         * copy of the mount namespace): no process of the run's uid may be left for the copy's
         * kill(-1) to reach, and init watches the copy itself. */
        kill(run.child, SIGKILL);
        while (waitpid(run.child, NULL, 0) < 0 && errno == EINTR) {
        }
        close(run.sock);
        run.sock = -1;
        run.child = 0;
        run.lent = true;
        msg_send(ctl, out);
    } else {
        send_error(ctl, "init: cannot open the run's namespaces");
    }
    msg_close_fds(out);
}
