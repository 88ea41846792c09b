package dev.flint.gateway.triggers;

/**
 * A CDI event fired after a trigger's document changed: created, updated, deleted, or a rule
 * linked, unlinked, enabled or disabled. It is the seam for trigger feeds (issue #9): a feed
 * manager observes it, reads the trigger's {@code feed} annotation and its active rules, and
 * starts or stops consuming. Fired on the thread that made the change, after the write is durable
 * and while that trigger's lock is held (so observers see one trigger's changes in order): observers
 * must be quick and must not wait for another thread that writes the same trigger.
 *
 * @param namespace the trigger's namespace
 * @param name the trigger's name
 * @param deleted whether the trigger is gone
 */
public record TriggerChange(String namespace, String name, boolean deleted) {
}
