package dev.flint.cli;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code flint topic ...}: Kafka topics of the server's broker, for users of the embedded one, who
 * have no Kafka tools: create, list, describe (partitions, end offsets, each consumer group's lag),
 * delete, produce (a record per stdin line), consume.
 */
@Command(name = "topic", mixinStandardHelpOptions = true, description = "Kafka topics on the server's broker.",
        subcommands = {TopicCommand.Create.class, TopicCommand.ListTopics.class, TopicCommand.Describe.class,
                TopicCommand.Delete.class, TopicCommand.Produce.class, TopicCommand.Consume.class})
final class TopicCommand {

    /** What every verb has: the command's writers and the Kafka options. */
    abstract static class Verb implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        KafkaOptions kafka;

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        /** Kafka's own error, unwrapped, as a one-line failure with a hint. */
        static RuntimeException failure(String what, Throwable e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof ApiClient.ApiException api) {
                return api; // ours already: what was missing and what to do
            }
            if (cause instanceof UnknownTopicOrPartitionException) {
                return new ApiClient.ApiException(404, what + ": no such topic", "see: flint topic list");
            }
            if (cause instanceof TopicExistsException) {
                return new ApiClient.ApiException(409, what + ": the topic exists", "see: flint topic describe");
            }
            return new ApiClient.ApiException(what + ": " + cause.getMessage(), "check that Kafka is up (./flint server prints where)");
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a topic.")
    static final class Create extends Verb {
        @Parameters(paramLabel = "NAME")
        String name;
        @Option(names = "--partitions", defaultValue = "1", description = "Partitions (default ${DEFAULT-VALUE}).")
        int partitions;

        @Override
        public Integer call() {
            if (partitions < 1 || partitions > 10_000) {
                throw new ApiClient.ApiException(400, "--partitions " + partitions + " is outside 1..10000", "e.g. --partitions 3");
            }
            try (Admin admin = Admin.create(kafka.client())) {
                admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get();
            } catch (InterruptedException | ExecutionException | RuntimeException e) {
                throw failure("create " + name, e);
            }
            out().println("created " + name + " (" + partitions + " partitions)");
            out().flush();
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List topics.")
    static final class ListTopics extends Verb {
        @Override
        public Integer call() {
            try (Admin admin = Admin.create(kafka.client())) {
                for (String t : new java.util.TreeSet<>(admin.listTopics().names().get())) {
                    out().println(t);
                }
            } catch (InterruptedException | ExecutionException | RuntimeException e) {
                throw failure("list", e);
            }
            out().flush();
            return 0;
        }
    }

    @Command(name = "describe", mixinStandardHelpOptions = true,
            description = "A topic's partitions with their end offsets, and each consumer group's committed offsets and lag.")
    static final class Describe extends Verb {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            try (Admin admin = Admin.create(kafka.client())) {
                TopicDescription d = admin.describeTopics(List.of(name)).allTopicNames().get().get(name);
                Map<TopicPartition, OffsetSpec> latest = new TreeMap<>(java.util.Comparator.comparingInt(TopicPartition::partition));
                d.partitions().forEach(p -> latest.put(new TopicPartition(name, p.partition()), OffsetSpec.latest()));
                Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(latest).all().get();
                out().println(name + ": " + d.partitions().size() + " partitions");
                long total = 0;
                for (TopicPartition tp : latest.keySet()) {
                    long end = ends.get(tp).offset();
                    total += end;
                    out().printf("  partition %d: end offset %d%n", tp.partition(), end);
                }
                out().println("  records written: " + total);
                Collection<ConsumerGroupListing> groups = admin.listConsumerGroups().all().get();
                for (ConsumerGroupListing g : groups) {
                    Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(g.groupId())
                            .partitionsToOffsetAndMetadata().get();
                    long lag = 0;
                    boolean reads = false;
                    for (TopicPartition tp : latest.keySet()) {
                        OffsetAndMetadata c = committed.get(tp);
                        if (c != null) {
                            reads = true;
                            lag += Math.max(0, ends.get(tp).offset() - c.offset());
                        }
                    }
                    if (reads) {
                        out().printf("  group %s: lag %d%n", g.groupId(), lag);
                    }
                }
            } catch (InterruptedException | ExecutionException | RuntimeException e) {
                throw failure("describe " + name, e);
            }
            out().flush();
            return 0;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a topic and its records.")
    static final class Delete extends Verb {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            try (Admin admin = Admin.create(kafka.client())) {
                admin.deleteTopics(List.of(name)).all().get();
            } catch (InterruptedException | ExecutionException | RuntimeException e) {
                throw failure("delete " + name, e);
            }
            out().println("deleted " + name);
            out().flush();
            return 0;
        }
    }

    @Command(name = "produce", mixinStandardHelpOptions = true,
            description = "Send one record per line of stdin (UTF-8), each acknowledged by Kafka before the command ends.",
            footer = {"", "Example: seq 3 | ./flint topic produce ev --key k"})
    static final class Produce extends Verb {
        @Parameters(paramLabel = "NAME")
        String name;
        @Option(names = "--key", paramLabel = "K", description = "The key of every record (none by default).")
        String key;

        @Override
        public Integer call() throws Exception {
            Properties p = kafka.client();
            p.put("acks", "all");
            p.put("enable.idempotence", "true");
            p.put("linger.ms", "5");
            p.put("max.block.ms", "15000");
            long sent = 0;
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
                 BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                List<java.util.concurrent.Future<?>> pending = new ArrayList<>();
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    pending.add(producer.send(new ProducerRecord<>(name, key, line)));
                    sent++;
                }
                producer.flush();
                for (java.util.concurrent.Future<?> f : pending) {
                    f.get();
                }
            } catch (ExecutionException | RuntimeException e) {
                throw failure("produce to " + name, e);
            }
            spec.commandLine().getErr().println("flint: sent " + sent + " records to " + name);
            spec.commandLine().getErr().flush();
            return 0;
        }
    }

    @Command(name = "consume", mixinStandardHelpOptions = true,
            description = "Print records of a topic (values, or one JSON object per record with --json); stops after --max "
                    + "records or when none came for --idle.")
    static final class Consume extends Verb {
        @Parameters(paramLabel = "NAME")
        String name;
        @Option(names = "--from-beginning", description = "Start at the first record (default: only new ones).")
        boolean fromBeginning;
        @Option(names = "--max", paramLabel = "N", defaultValue = "0", description = "Stop after N records (0: no limit).")
        long max;
        @Option(names = "--idle", paramLabel = "DURATION", defaultValue = "5s", description = "Stop when nothing came for this long (default ${DEFAULT-VALUE}).")
        Duration idle;
        @Option(names = "--json", description = "One JSON object per record: topic, partition, offset, key, value, timestamp.")
        boolean json;

        @Override
        public Integer call() {
            Properties p = kafka.client();
            long printed = 0;
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
                List<TopicPartition> parts = consumer.partitionsFor(name, Duration.ofSeconds(15)).stream()
                        .map(i -> new TopicPartition(name, i.partition())).toList();
                if (parts.isEmpty()) {
                    throw new ApiClient.ApiException(404, "consume " + name + ": no such topic", "see: flint topic list");
                }
                consumer.assign(parts); // no group: reading changes nobody's committed offsets
                if (fromBeginning) {
                    consumer.seekToBeginning(parts);
                } else {
                    consumer.seekToEnd(parts);
                }
                long lastRecord = System.nanoTime();
                while ((max == 0 || printed < max) && System.nanoTime() - lastRecord < idle.toNanos()) {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                        print(r);
                        lastRecord = System.nanoTime();
                        if (++printed == max) {
                            break;
                        }
                    }
                }
            } catch (RuntimeException e) {
                if (e instanceof ApiClient.ApiException) {
                    throw e;
                }
                throw failure("consume " + name, e);
            }
            out().flush();
            return 0;
        }

        private void print(ConsumerRecord<String, String> r) {
            if (!json) {
                out().println(r.value());
                return;
            }
            var o = ApiClient.JSON.createObjectNode();
            o.put("topic", r.topic()).put("partition", r.partition()).put("offset", r.offset());
            o.put("key", r.key()).put("value", r.value()).put("timestamp", r.timestamp());
            out().println(o.toString());
        }
    }
}
