package dev.flint.sandbox;

import java.util.List;
import java.util.Set;

/** Linux capability names and their bit numbers (linux/capability.h), for {@link SandboxSpec#capabilities()}. */
public final class Capabilities {
    private static final List<String> NAMES = List.of(
            "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
            "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
            "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK",
            "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
            "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
            "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE",
            "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
            "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
            "CAP_CHECKPOINT_RESTORE");

    /**
     * What a run may keep: Docker's default set (moby oci/caps/defaults.go). Anything beyond it
     * would let a run reach its sandbox's init, which is the host's root (CAP_SYS_PTRACE opens
     * /proc/1/mem), or the sandbox's shared state (CAP_NET_ADMIN changes the network namespace
     * every later run uses), so it is refused.
     */
    public static final Set<String> GRANTABLE = Set.of(
            "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
            "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
            "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE");

    private Capabilities() {
    }

    /** The bit of a capability name, or -1 when unknown. */
    public static int bit(String name) {
        return NAMES.indexOf(name);
    }

    /** The mask flint-init takes for a set of names. */
    public static long mask(Set<String> names) {
        long mask = 0;
        for (String n : names) {
            int bit = bit(n);
            if (bit < 0) {
                throw new SandboxException.InvalidSpec("capabilities", "unknown capability " + n,
                        "names look like CAP_NET_BIND_SERVICE");
            }
            mask |= 1L << bit;
        }
        return mask;
    }
}
