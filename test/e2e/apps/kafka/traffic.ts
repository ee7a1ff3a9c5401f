import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import kafkajs from 'kafkajs';
import { kafkaRuntime } from '../../../../src/devcluster/index.js';
import { renderProperties } from '../../../../src/devcluster/apps/kafka-image.js';
import { resolveProgram } from '../../../../src/devcluster/node/images.js';

/** An acknowledged write: the value, and where Kafka said it put it. */
export interface Ack {
  value: string;
  partition: number;
  offset: string;
}

/** The Kafka version whose tools the test traffic runs. */
const toolVersion = '4.4.0';
/** Messages per second of a producer running in the background. */
const backgroundRate = 50;
/** Producers still running, stopped when the test file ends however it ends. */
const running = new Set<ChildProcess>();
let nextPrefix = 1;

/** One line of the verifiable producer's JSON output. */
interface ProducerEvent {
  name: string;
  value?: string;
  partition?: number;
  offset?: number;
  message?: string;
}

/**
 * A producer of numbered messages with acks=all and idempotence that records every acknowledgement
 * and every failed send (a failed send is not acknowledged: it may or may not be stored, at most once).
 *
 * It is Kafka's own verifiable producer (`kafka-verifiable-producer.sh`, the Java client), not kafkajs:
 * when a kafkajs send fails, kafkajs rolls its idempotent sequence number back, so after a failed send
 * the broker did store (a leader killed before it answered), the next message reuses that number. The
 * broker takes it for a retry, answers with the stored record's offset and drops it: an acknowledgement
 * of a write that never happened. The Java producer bumps its epoch instead (KIP-360).
 */
export class NumberedProducer {
  readonly acks: Ack[] = [];
  /** The values whose send failed, with the error. */
  readonly failed = new Map<string, string>();
  /** The integer every value of this producer starts with: values are `<prefix>.<send number>`. */
  private readonly prefix = nextPrefix++;
  private child: ChildProcess | undefined;
  private exited: Promise<void> | undefined;
  private shutdown = false;
  private readonly stderr: string[] = [];

  constructor(private readonly brokers: string[], private readonly topic: string, private readonly run: string) {}

  /** How many sends failed. */
  get failures(): number {
    return this.failed.size;
  }

  /** Sends `count` messages as fast as they are acknowledged, and waits for the last. */
  async sendBatch(count: number): Promise<void> {
    await this.spawn(['--max-messages', String(count)]);
    await this.exited;
  }

  /** Starts sending in the background until {@link stop}. */
  async start(): Promise<void> {
    await this.spawn(['--max-messages', '-1', '--throughput', String(backgroundRate)]);
  }

  /** Stops sending, waits for every message in flight to be acknowledged or to fail, and exits. */
  async stop(): Promise<void> {
    if (!this.child) return;
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    await this.exited;
  }

  /** What this producer did, for the test's log: how many sends were acknowledged and how many failed, and why. */
  summary(): string {
    const errors = [...new Set(this.failed.values())].slice(0, 3);
    return `${this.run}: ${this.acks.length} acknowledged, ${this.failures} failed${errors.length ? ` (${errors.join('; ')})` : ''}`;
  }

  /** The send number of one of this producer's values, or undefined for another producer's. */
  sequenceOf(value: string): number | undefined {
    const prefix = `${this.prefix}.`;
    return value.startsWith(prefix) ? Number(value.slice(prefix.length)) : undefined;
  }

  /** A value as a reader of a failure wants it: which run, which message. */
  label(value: string): string {
    const sequence = this.sequenceOf(value);
    return sequence === undefined ? value : `${this.run}-${sequence}`;
  }

  private async spawn(args: string[]): Promise<void> {
    const configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'capstan-e2e-producer-'));
    const config = path.join(configDir, 'producer.properties');
    // The tool sets retries=0 to show every failure; idempotence needs retries, as any real producer has.
    fs.writeFileSync(config, renderProperties({ 'client.id': `e2e-producer-${this.run}`, 'enable.idempotence': 'true', acks: 'all', retries: '2147483647', 'linger.ms': '0' }));
    await kafkaRuntime.ensure(toolVersion, () => undefined);
    // The command a pod of the apache/kafka image would run, as the local node resolves it.
    const [command, ...launch] = resolveProgram(kafkaRuntime.program(toolVersion), 'kafka-verifiable-producer.sh');
    const child = spawn(command!, [
      ...launch, '--bootstrap-server', this.brokers.join(','), '--topic', this.topic, '--acks', '-1',
      '--value-prefix', String(this.prefix), '--repeating-keys', '100', '--command-config', config, ...args,
    ], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KAFKA_HEAP_OPTS: '-Xmx128M' } });
    this.child = child;
    running.add(child);
    let started!: () => void;
    const startup = new Promise<void>((resolve) => (started = resolve));
    readline.createInterface({ input: child.stderr! }).on('line', (line) => {
      this.stderr.push(line);
      if (this.stderr.length > 20) this.stderr.shift();
    });
    const lines = readline.createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (!line.startsWith('{')) return;
      const event = JSON.parse(line) as ProducerEvent;
      if (event.name === 'startup_complete') started();
      else if (event.name === 'producer_send_success') this.acks.push({ value: event.value!, partition: event.partition!, offset: String(event.offset) });
      else if (event.name === 'producer_send_error') this.failed.set(event.value!, event.message ?? 'unknown error');
      else if (event.name === 'shutdown_complete') this.shutdown = true;
    });
    const closed = new Promise<void>((resolve) => lines.once('close', resolve));
    this.exited = new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code, signal) => {
        running.delete(child);
        fs.rmSync(configDir, { recursive: true, force: true });
        void closed.then(() => {
          if (this.shutdown) resolve();
          else reject(new Error(`the ${this.run} producer exited (${code ?? signal}) before shutting down cleanly: ${this.stderr.join('\n')}`));
        });
      });
    });
    await Promise.race([startup, this.exited]);
  }
}

/** Stops every producer still running: for `afterAll`, so a failed test leaves no JVM behind. */
export function killProducers(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}
process.once('exit', killProducers);

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
 * that is not at the partition and offset Kafka acknowledged it at, a message of this producer stored
 * twice, or a partition whose messages are not in the order they were sent.
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
      if (sequence < last) problems.push(`partition ${partition} holds ${producer.label(value)} after a later message`);
      last = Math.max(last, sequence);
    }
  }
  for (const [value, places] of stored) if (places.length > 1) problems.push(`${producer.label(value)} is stored ${places.length} times: at ${places.join(', ')}`);
  for (const a of producer.acks) {
    const there = records.get(a.partition)?.get(a.offset);
    if (there === a.value) continue;
    // What the acknowledged offset holds tells a lost write from an acknowledgement of another send's record.
    const places = stored.get(a.value) ?? [];
    const holds = there === undefined ? 'nothing' : `${producer.label(there)}${producer.failed.has(there) ? ', whose send failed' : ''}`;
    problems.push(`${producer.label(a.value)} acknowledged at ${a.partition}/${a.offset} is not there${places.length ? `; found at ${places.join(', ')}` : ''}; ${a.partition}/${a.offset} holds ${holds}`);
  }
  return problems;
}
