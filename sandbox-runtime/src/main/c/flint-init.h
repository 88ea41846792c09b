/*
 * flint-init: the native helper of Flint's sandbox runtime.
 *
 * One binary, two roles (docs/sandbox.md has the whole story):
 *   factory  started once per runtime by the JVM with a control socket on fd 3; on each
 *            create request it clones a new init into fresh namespaces and replies with a pidfd.
 *   init     PID 1 of one sandbox: sets up the root, /dev and /proc, then parks; per exec request
 *            it hands the request to a child that has a fresh copy-on-write scratch root.
 *
 * Messages are SOCK_SEQPACKET datagrams: one op byte, then NUL-terminated "key=value" fields;
 * file descriptors travel as SCM_RIGHTS. Everything the JVM can do itself stays in Java.
 */
#ifndef FLINT_INIT_H
#define FLINT_INIT_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define MSG_MAX 65536
#define MAX_LAYERS 64
#define MSG_MAX_FDS MAX_LAYERS
#define MAX_CGROUPS 8
#define ERR_MAX 512

/* Op bytes of the protocol; the Java side (NativeProtocol.java) mirrors them. */
enum {
    OP_CREATE = 'C',   /* JVM -> factory: sandbox config, fd: the new init's control socket */
    OP_CREATED = 'P',  /* factory -> JVM: pid=, fd: pidfd of the init */
    OP_READY = 'R',    /* init -> JVM: set-up done, parked */
    OP_ERROR = 'E',    /* any -> JVM: error= names the step and the errno text */
    OP_EXEC = 'X',     /* JVM -> init -> child: timeout_ms=, cwd=, arg=..., env=...; fds: 0, 1, 2
                          and optionally 3 (a channel for runtimes that stay up between requests);
                          with watch=1 (after OP_LENT), fd: the pidfd of a zygote's copy that took
                          the lent namespaces, which init treats as the run's process */
    OP_ATTACH = 'A',   /* JVM -> init: path=; fd: a detached read-only mount (the function's code)
                          shown at path in the current run's root and in every later one */
    OP_ATTACHED = 'B', /* init -> JVM: the attach is done (else OP_ERROR) */
    OP_KILL = 'K',     /* JVM -> init: kill the current run */
    OP_DONE = 'D',     /* init -> JVM: how the run ended and what it used; early=1: a pre-started
                          process reported its status on fd 4, the rest was killed and is not reaped
                          yet (what the output pipes hold is all there is) */
    OP_ZYGOTE = 'Z',   /* JVM -> factory: mnt=, lower=..., cgroup=..., scratch=, arg=..., env=...; fd: the
                          zygote's control socket (zygote.c); answered like OP_CREATE */
    OP_LEND = 'L',     /* JVM -> init: the namespaces of the prepared run, for a zygote's copy to join */
    OP_LENT = 'N',     /* init -> JVM: fds: mnt, ipc, uts, net, cgroup, pid (else OP_ERROR) */
    OP_PRESTART = 'S', /* JVM -> init: as OP_EXEC with fds 0, 1, 2, but the next run's process execs now
                          and gets fd 3, a pipe that stays empty until OP_START, and fd 4, a pipe
                          where it may report its exit status ("N\n") to end the run before its exit;
                          no answer. During a run it is kept and done right after that run's OP_DONE */
    OP_START = 'T',    /* JVM -> init: timeout_ms=, text= (at most PIPE_BUF bytes): written to the
                          pre-started process's fd 3, then end of file; answered by OP_DONE, at once
                          with stage=prestart when nothing pre-started is there to take it */
    OP_GO = 'G',       /* factory -> new init: start; fds: with a user namespace, that namespace,
                          then an id-mapped mount of each layer */
};

struct msg {
    char buf[MSG_MAX];
    size_t len;
    int fds[MSG_MAX_FDS];
    int nfds;
};

/* proto.c */
int msg_send(int sock, const struct msg *m);
ssize_t msg_recv(int sock, struct msg *m); /* 0 on EOF */
void msg_start(struct msg *m, char op);
void msg_put(struct msg *m, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
const char *msg_next(const struct msg *m, const char *key, const char *after);
const char *msg_get(const struct msg *m, const char *key);
void msg_close_fds(struct msg *m);
/* Every value of key, NULL-terminated, pointing into m; NULL when more than max or out of memory. */
char **msg_collect(const struct msg *m, const char *key, int max, int *count);
int send_error(int sock, const char *error);

/* The sandbox as the factory received it. Paths are absolute host paths. */
struct config {
    const char *id;
    const char *mnt;                 /* empty host dir the init mounts its private root on */
    const char *lowers[MAX_LAYERS];  /* read-only layers, topmost first */
    int nlowers;
    unsigned long long scratch_bytes;
    unsigned long long scratch_inodes;
    const char *hostname;
    uid_t uid;
    gid_t gid;
    uint64_t caps;                   /* capabilities kept by run processes */
    uid_t userns_base;               /* 0: no user namespace */
    const char *cgroup_procs[MAX_CGROUPS];
    int ncgroups;
    bool prepare_ahead;              /* keep the next run's scratch root mounted in advance */
    unsigned long nofile;
    int idmapped[MAX_LAYERS];        /* with a user namespace: detached id-mapped mounts of the
                                        layers, made by the factory; else -1 */
    int userns_fd;                   /* the user namespace init joins at the end of set-up, or -1 */
    const char *memory_peak;         /* the cgroup's peak-memory file, or NULL: the JVM reads it */
    const char *memory_events;       /* the cgroup's file with its OOM-kill count, or NULL */
    const char *pids_current;        /* the cgroup's task count (pids.current), or NULL */
};
int config_parse(const struct msg *m, struct config *cfg, char *err);

/* Errors: a step sets the message and returns -1; the caller reports it. */
extern char g_err[ERR_MAX];
int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* factory.c */
int factory_main(int ctl);
int attach_and_announce(int ctl, const char *const *procs, int nprocs, pid_t pid, int pidfd);

/* zygote.c */
void handle_zygote(int ctl, struct msg *req, const struct sock_fprog *filter);

/* setup.c: the init's one-time set-up, steps in the order of docs/sandbox.md */
void init_main(const struct config *cfg, int ctl, const struct sock_fprog *filter) __attribute__((noreturn));
int pivot_into(const char *root);

/* init.c: the init's event loop */
void init_loop(const struct config *cfg, int ctl, const struct sock_fprog *filter)
    __attribute__((noreturn));

/* child.c: one run's process, from fresh scratch root to exec */
void child_main(const struct config *cfg, int sock, const struct sock_fprog *filter)
    __attribute__((noreturn));

/* runroot.c: the fresh root of one run, mounted by init in the run's mount namespace */
int mount_run_root(const struct config *cfg, int run_mntns, int own_mntns, const char *attach_path);
#define ATTACH_SOURCE "/.attach" /* where init keeps an attached mount, in its own root */
int attach_point(const char *path);

/* usage.c: a run's memory use, reported by init in DONE, and the cgroup's task count */
void usage_open(const struct config *cfg);
int usage_fds(int fds[3]);
bool usage_alone(void);
long usage_tasks(void);
void usage_put(struct msg *out);
void usage_reset(void);

/* harden.c */
int seccomp_build(struct sock_fprog *base, struct sock_fprog *run);
int drop_bounding_set(uint64_t keep_caps);
int drop_privileges(uid_t uid, gid_t gid, uint64_t keep_caps);
int set_rlimits(unsigned long nofile);
int write_file(const char *path, const char *text);

#endif
