import kafkajs from 'kafkajs';

/** An acknowledged write: the value, and where Kafka said it put it. */
export interface Ack {
  value: string;
  partition: number;
  offset: string;
}

/**
 * A producer sending numbered messages one at a time with acks=all and idempotence, recording every
 * acknowledgement and counting failures (a send that fails is not acknowledged, so it may or may
 * not be stored, but at most once).
 */
export class NumberedProducer {
  readonly acks: Ack[] = [];
  /** The values whose send failed. */
  readonly failed = new Set<string>();
  failures = 0;
  private next = 0;
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly producer: kafkajs.Producer;

  constructor(brokers: string[], private readonly topic: string, private readonly run: string) {
    const kafka = new kafkajs.Kafka({ clientId: `e2e-producer-${run}`, brokers, logLevel: kafkajs.logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 3000 }, connectionTimeout: 3000, requestTimeout: 10_000 });
    // Idempotent: a send retried after a broker dies is stored once, so a duplicate is a real fault.
    this.producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1, createPartitioner: kafkajs.Partitioners.DefaultPartitioner });
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

  /** The send number of one of this producer's values, or undefined for another producer's. */
  sequenceOf(value: string): number | undefined {
    const prefix = `${this.run}-`;
    return value.startsWith(prefix) ? Number(value.slice(prefix.length)) : undefined;
  }

  private async sendOne(): Promise<void> {
    const value = `${this.run}-${this.next++}`;
    try {
      const [meta] = await this.producer.send({ topic: this.topic, acks: -1, messages: [{ key: value, value }] });
      this.acks.push({ value, partition: meta!.partition, offset: meta!.baseOffset! });
    } catch {
      this.failures++;
      this.failed.add(value);
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

/**
 * What breaks "every acknowledged message arrived exactly once, in order": an acknowledged message
 * that is not in the partition Kafka acknowledged it in, a message of this producer stored twice, or
 * a partition whose messages are not in the order they were sent (one at a time). The offset an
 * acknowledgement reports is not compared: after a retry the client may report another offset for
 * the same stored record.
 */
export function deliveryProblems(producer: NumberedProducer, records: Map<number, Map<string, string>>): string[] {
  const problems: string[] = [];
  const stored = new Map<string, string[]>();
  for (const [partition, byOffset] of records) {
    let last = -1;
    const offsets = [...byOffset.keys()].sort((x, y) => (BigInt(x) < BigInt(y) ? -1 : 1));
    for (const offset of offsets) {
      const value = byOffset.get(offset)!;
      const sequence = producer.sequenceOf(value);
      if (sequence === undefined) continue;
      stored.set(value, [...(stored.get(value) ?? []), `${partition}/${offset}`]);
      if (sequence < last) problems.push(`partition ${partition} holds ${value} after a later message`);
      last = Math.max(last, sequence);
    }
  }
  for (const [value, places] of stored) if (places.length > 1) problems.push(`${value} is stored ${places.length} times: at ${places.join(', ')}`);
  for (const a of producer.acks) {
    const places = stored.get(a.value) ?? [];
    if (places.some((p) => p.startsWith(`${a.partition}/`))) continue;
    // What the reported offset holds tells a lost write from an acknowledgement of another send's record.
    const there = records.get(a.partition)?.get(a.offset);
    const holds = there === undefined ? 'nothing' : `${there}${producer.failed.has(there) ? ', whose send failed' : ''}`;
    problems.push(`${a.value} acknowledged in partition ${a.partition} (offset ${a.offset}) is not there${places.length ? `; found at ${places.join(', ')}` : ''}; ${a.partition}/${a.offset} holds ${holds}`);
  }
  return problems;
}

/**
 * Acknowledgements whose value is stored once in the acknowledged partition but at another offset
 * than the client reported: not a lost write, a misreported offset, listed so a run shows how often
 * the client does it.
 */
export function misreportedOffsets(producer: NumberedProducer, records: Map<number, Map<string, string>>): string[] {
  const out: string[] = [];
  for (const a of producer.acks) {
    const byOffset = records.get(a.partition);
    if (!byOffset || byOffset.get(a.offset) === a.value) continue;
    const stored = [...byOffset].find(([, value]) => value === a.value);
    if (stored) out.push(`${a.value}: reported ${a.partition}/${a.offset}, stored at ${a.partition}/${stored[0]} (${a.partition}/${a.offset} holds ${byOffset.get(a.offset) ?? 'nothing'})`);
  }
  return out;
}
