package dev.flint.invoker;

/**
 * How an activation ended, with OpenWhisk's {@code response.statusCode}: 0 success, 1 application
 * error (the function returned an error), 2 developer error (the action's fault, also a timeout or
 * the memory limit), 3 platform (whisk internal) error.
 */
public enum Status {
    SUCCESS("success", 0),
    APPLICATION_ERROR("application error", 1),
    DEVELOPER_ERROR("developer error", 2),
    TIMEOUT("timeout", 2),
    MEMORY_LIMIT("memory limit exceeded", 2),
    PLATFORM_ERROR("platform error", 3);

    private final String text;
    private final int openWhiskCode;

    Status(String text, int openWhiskCode) {
        this.text = text;
        this.openWhiskCode = openWhiskCode;
    }

    /** Lower-case words for records, logs and metric tags, such as {@code memory limit exceeded}. */
    public String text() {
        return text;
    }

    /** OpenWhisk's {@code response.statusCode} for this status. */
    public int openWhiskCode() {
        return openWhiskCode;
    }

    /** True for {@link #SUCCESS} only. */
    public boolean success() {
        return this == SUCCESS;
    }
}
