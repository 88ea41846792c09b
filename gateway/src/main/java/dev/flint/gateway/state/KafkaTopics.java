package dev.flint.gateway.state;

import java.util.Collection;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/** Creating topics that may already exist, the one way the gateway's Kafka users do it. */
public final class KafkaTopics {
    private KafkaTopics() {
    }

    /**
     * Creates each topic unless it exists, waiting at most {@code timeoutMillis} in all. Each
     * topic's answer is checked on its own, so one that exists does not hide another's failure.
     */
    public static void createMissing(Admin admin, Collection<NewTopic> topics, long timeoutMillis)
            throws ExecutionException, TimeoutException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        for (var future : admin.createTopics(topics).values().values()) {
            try {
                future.get(Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
        }
    }
}
