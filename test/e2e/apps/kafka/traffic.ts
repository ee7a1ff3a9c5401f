import kafkajs from 'kafkajs';

/** An acknowledged write: the value, and where Kafka said it put it. */
export interface Ack {
  value: string;
  partition: number;
  offset: string;
}

/**
 * A producer sending numbered messages one at a time with acks=all, recording every acknowledgement
 * and counting failures (a send that fails is not acknowledged, so it may or may not be stored).
 */
export class NumberedProducer {
  readonly acks: Ack[] = [];
  failures = 0;
  private next = 0;
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly producer: kafkajs.Producer;

  constructor(brokers: string[], private readonly topic: string, private readonly run: string) {
    const kafka = new kafkajs.Kafka({ clientId: `e2e-producer-${run}`, brokers, logLevel: kafkajs.logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 3000 }, connectionTimeout: 3000, requestTimeout: 10_000 });
    this.producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: kafkajs.Partitioners.DefaultPartitioner });
  }

  /** Sends `count` messages and waits for them (no background loop). */
  async sendBatch(count: number): Promise<void> {
    await this.producer.connect();
    for (let i = 0; i < count; i++) await this.sendOne();
  }

  /** Starts sending in the background until {@link stop}. */
  async start(): Promise<void> {
    await this.producer.connect();
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        await this.sendOne();
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
  }

  /** Stops the background loop and disconnects. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    await this.producer.disconnect();
  }

  private async sendOne(): Promise<void> {
    const value = `${this.run}-${this.next++}`;
    try {
      const [meta] = await this.producer.send({ topic: this.topic, acks: -1, messages: [{ key: value, value }] });
      this.acks.push({ value, partition: meta!.partition, offset: meta!.baseOffset! });
    } catch {
      this.failures++;
    }
  }
}

/** Every record of `topic` from the start to its current end, by partition: offset → value. */
export async function readAll(brokers: string[], topic: string): Promise<Map<number, Map<string, string>>> {
  const kafka = new kafkajs.Kafka({ clientId: 'e2e-reader', brokers, logLevel: kafkajs.logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const remaining = new Map(ends.map((e) => [e.partition, BigInt(e.high)]));
  const records = new Map<number, Map<string, string>>(ends.map((e) => [e.partition, new Map()]));
  for (const [p, high] of remaining) if (high === 0n) remaining.delete(p);
  if (remaining.size === 0) return records;
  const consumer = kafka.consumer({ groupId: `e2e-reader-${Date.now()}-${Math.random().toString(16).slice(2)}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`reading ${topic} did not reach its end within 60 s (left: ${[...remaining.keys()].join(',')})`)), 60_000);
    void consumer.run({
      eachMessage: async ({ partition, message }) => {
        records.get(partition)!.set(message.offset, message.value?.toString() ?? '');
        if (BigInt(message.offset) + 1n >= (remaining.get(partition) ?? 0n)) remaining.delete(partition);
        if (remaining.size === 0) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return records;
}

/** The acknowledged writes that are not at their acknowledged partition and offset with their value. */
export function missingAcks(acks: readonly Ack[], records: Map<number, Map<string, string>>): Ack[] {
  return acks.filter((a) => records.get(a.partition)?.get(a.offset) !== a.value);
}
