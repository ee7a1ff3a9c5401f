import { randomBytes } from 'node:crypto';

/**
 * A random id in Kafka's form (16 bytes, base64url without padding), as `kafka-storage random-uuid`
 * prints it: cluster ids and controller directory ids. Like Kafka, it never starts with `-`, which
 * the tools' argument parsing would take for an option.
 */
export function kafkaUuid(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}
