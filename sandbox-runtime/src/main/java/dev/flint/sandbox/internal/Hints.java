package dev.flint.sandbox.internal;

/** What to do about an error that flint-init reported, from the words of the failed step. */
final class Hints {
    private Hints() {
    }

    static String forNativeError(String error) {
        if (error.contains("attach to cgroup")) {
            return "the cgroup could not take the process: check the pids and cpuset limits of the parent cgroup";
        }
        if (error.contains("overlay")) {
            return "overlayfs refused the layers: each layer must be a directory on a file system overlayfs supports (not overlayfs itself)";
        }
        if (error.contains("bind") && error.contains("on")) {
            return "a layer directory could not be bound: check that it exists and is a directory";
        }
        if (error.contains("Operation not permitted")) {
            return "run as root on a kernel with user, pid, mount and network namespaces enabled";
        }
        if (error.contains("No space left") || error.contains("Cannot allocate memory")) {
            return "raise the memory or pids limit, or free host memory";
        }
        return "see docs/sandbox.md for the set-up steps and what each needs";
    }
}
