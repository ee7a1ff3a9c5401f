/**
 * The `apache/kafka` image's conventions, as pure functions: which environment variables become
 * broker properties, which become JVM flags, and which main class each of the image's programs runs.
 * The image's own shell scripts are not used; these rules are what they do.
 */

/** Variables the image reads as options, never as properties (`KafkaDockerWrapper` skips them too). */
export const optionVariables = new Set([
  'KAFKA_VERSION', 'KAFKA_HEAP_OPTS', 'KAFKA_LOG4J_OPTS', 'KAFKA_OPTS', 'KAFKA_JMX_OPTS', 'KAFKA_JVM_PERFORMANCE_OPTS',
  'KAFKA_GC_LOG_OPTS', 'KAFKA_LOG4J_ROOT_LOGLEVEL', 'KAFKA_LOG4J_LOGGERS', 'KAFKA_TOOLS_LOG4J_LOGLEVEL', 'KAFKA_JMX_HOSTNAME',
]);

/** `KAFKA_FOO__BAR___BAZ` → `foo_bar-baz`: strip `KAFKA_`, lowercase, `___` → `-`, `__` → `_`, `_` → `.`. */
export function propertyName(variable: string): string {
  return variable
    .slice('KAFKA_'.length)
    .toLowerCase()
    .replace(/___/g, '\u0001')
    .replace(/__/g, '\u0002')
    .replace(/_/g, '.')
    .replace(/\u0001/g, '-')
    .replace(/\u0002/g, '_');
}

/** The broker properties the environment sets, in a stable order. */
export function propertiesFromEnv(env: Record<string, string | undefined>): Record<string, string> {
  const props: Record<string, string> = {};
  for (const name of Object.keys(env).sort()) {
    const value = env[name];
    if (!name.startsWith('KAFKA_') || optionVariables.has(name) || value === undefined) continue;
    props[propertyName(name)] = value;
  }
  return props;
}

/** A `.properties` file's text, escaping what the format needs escaped. */
export function renderProperties(props: Record<string, string>): string {
  const escape = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
  return Object.entries(props).map(([k, v]) => `${escape(k)}=${escape(v)}`).join('\n') + '\n';
}

/** The JVM flags of `kafka-run-class.sh` when the variables do not set them. */
export const defaultPerformanceOpts = '-server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 -Djava.awt.headless=true';

/** What kind of JVM a program starts: the broker, or a short-lived tool. */
export type JvmKind = 'server' | 'tool';

/** JVM flags from `KAFKA_HEAP_OPTS`, `KAFKA_JVM_PERFORMANCE_OPTS`, `KAFKA_GC_LOG_OPTS`, `KAFKA_JMX_OPTS`, `KAFKA_LOG4J_OPTS` and `KAFKA_OPTS`, with the scripts' defaults. */
export function jvmFlags(env: Record<string, string | undefined>, kind: JvmKind, log4jConfig: string): string[] {
  const words = (s: string | undefined) => (s ?? '').split(/\s+/).filter(Boolean);
  const heap = env.KAFKA_HEAP_OPTS ?? (kind === 'server' ? '-Xmx1G -Xms1G' : '-Xmx256M');
  // Tools start and exit within seconds: the JIT's later tiers only cost them time.
  const performance = env.KAFKA_JVM_PERFORMANCE_OPTS ?? (kind === 'server' ? defaultPerformanceOpts : '-XX:TieredStopAtLevel=1 -Djava.awt.headless=true');
  const log4j = env.KAFKA_LOG4J_OPTS ?? `-Dlog4j2.configurationFile=${log4jConfig}`;
  return [...words(heap), ...words(performance), ...words(env.KAFKA_GC_LOG_OPTS), ...words(env.KAFKA_JMX_OPTS), ...words(log4j), ...words(env.KAFKA_OPTS)];
}

/** The image's programs (`/opt/kafka/bin/*.sh`) and the main class each runs. */
export const programClasses: Record<string, { mainClass: string; kind: JvmKind }> = {
  'kafka-server-start.sh': { mainClass: 'kafka.Kafka', kind: 'server' },
  'kafka-storage.sh': { mainClass: 'kafka.tools.StorageTool', kind: 'tool' },
  'kafka-topics.sh': { mainClass: 'org.apache.kafka.tools.TopicCommand', kind: 'tool' },
  'kafka-console-producer.sh': { mainClass: 'org.apache.kafka.tools.ConsoleProducer', kind: 'tool' },
  'kafka-console-consumer.sh': { mainClass: 'org.apache.kafka.tools.consumer.ConsoleConsumer', kind: 'tool' },
  'kafka-verifiable-producer.sh': { mainClass: 'org.apache.kafka.tools.VerifiableProducer', kind: 'tool' },
  'kafka-metadata-quorum.sh': { mainClass: 'org.apache.kafka.tools.MetadataQuorumCommand', kind: 'tool' },
  'kafka-features.sh': { mainClass: 'org.apache.kafka.tools.FeatureCommand', kind: 'tool' },
  'kafka-reassign-partitions.sh': { mainClass: 'org.apache.kafka.tools.reassign.ReassignPartitionsCommand', kind: 'tool' },
  'kafka-leader-election.sh': { mainClass: 'org.apache.kafka.tools.LeaderElectionCommand', kind: 'tool' },
  'kafka-cluster.sh': { mainClass: 'org.apache.kafka.tools.ClusterTool', kind: 'tool' },
  'kafka-broker-api-versions.sh': { mainClass: 'org.apache.kafka.tools.BrokerApiVersionsCommand', kind: 'tool' },
  'kafka-configs.sh': { mainClass: 'org.apache.kafka.tools.ConfigCommand', kind: 'tool' },
  'kafka-acls.sh': { mainClass: 'org.apache.kafka.tools.AclCommand', kind: 'tool' },
  'kafka-log-dirs.sh': { mainClass: 'org.apache.kafka.tools.LogDirsCommand', kind: 'tool' },
  'kafka-consumer-groups.sh': { mainClass: 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand', kind: 'tool' },
};

/** One argument quoted for `sh`: the launcher hands the shell a command line to `exec`. */
export function shellQuote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}
