/*
 * What init's event loop (init.c) shares with the pre-started process (prestart.c) and with
 * attached code and lends (attach.c): the one run, the control socket and its message buffers,
 * and the steps each calls of the others. Only those three files include it.
 */
#ifndef INIT_STATE_H
#define INIT_STATE_H

#include "flint-init.h"

#include <sys/resource.h>

struct run {
    pid_t child;        /* the prepared or running child, 0 when none */
    int sock;           /* init's end of the socketpair to that child */
    int mntns;          /* the child's mount namespace: its root is built there, code attached */
    bool rooted;        /* its fresh root is mounted */
    bool active;        /* an exec request was handed to the child */
    bool timed_out;
    bool killed;        /* the JVM asked for it */
    bool lost;          /* the request never reached the run process: it had died */
    bool lent;          /* the run process was let go: a zygote's copy takes its namespaces (ADR 0015) */
    int watch;          /* the pidfd of that copy once it runs, else -1; init ends the run when it exits */
    bool prestarted;    /* the child exec'd a PRESTART request and waits for its start text */
    int start_fd;       /* the write end of the pipe on that process's fd 3, else -1 */
    int status_fd;      /* the read end of the pipe on its fd 4, where a pre-started shell reports
                           its exit status before it exits (finish_early), else -1 */
    bool status_done;   /* that pipe gave what it will give (a report, or something else): not
                           polled any more, but kept open, so that a later write is no SIGPIPE */
    char prep_error[ERR_MAX];
    char stage[16];     /* of the last child error: "prepare" or "exec" */
    struct rusage before;
};

/* init.c */
extern const struct config *cfg;
extern int ctl, own_mntns;
extern struct run run;
extern struct msg *in, *out;
void kill_all_and_reap(void);
void discard_child(const char *why);
void fork_child(void);
void forget_child(void);
void stop_timer(void);
void reply_failed_run(const char *error);
bool prepare_run(void);
void set_timer(const struct msg *req);

/* prestart.c: the process started ahead of its request, and a run's early end (ADR 0017) */
extern struct msg *spare;
extern pid_t ending;
void drop_prestarted(void);
void prestart(struct msg *req);
void queue_prestart(void);
void prestart_queued(void);
void start_prestarted(struct msg *req);
void on_status(void);
void reaped_early(void);
void await_early_end(void);

/* attach.c: code attached for good (ADR 0009), namespaces lent to a zygote's copy (ADR 0015) */
extern char attach_path[64];
extern char attach_error[ERR_MAX + 16];
void on_attach(struct msg *req);
void lend(void);

#endif
