import kafkajs from 'kafkajs';

/**
 * Producer throughput with acks=all: `batches` sends of `batchSize` 1 KiB records (20 000 by default), `inFlight` sends
 * at a time, to a topic of `partitions` partitions (RF 3, min.insync.replicas 2) created for it.
 * Returns records per second.
 */
export async function produceThroughput(brokers: string[], topic: string, options = { batches: 200, batchSize: 100, inFlight: 4, partitions: 6 }): Promise<number> {
  const kafka = new kafkajs.Kafka({ clientId: 'bench', brokers, logLevel: kafkajs.logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: options.partitions, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }], waitForLeaders: false });
  // kafkajs's own wait for leaders gives up after a few seconds on a busy machine; wait for them here.
  for (let tries = 0; ; tries++) {
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] }).catch(() => undefined);
    if (metadata?.topics[0]?.partitions.length === options.partitions && metadata.topics[0].partitions.every((p) => p.leader >= 0)) break;
    if (tries > 120) throw new Error(`topic ${topic} has no leader for every partition after 60 s`);
    await new Promise((r) => setTimeout(r, 500));
  }
  await admin.disconnect();
  const producer = kafka.producer({ createPartitioner: kafkajs.Partitioners.DefaultPartitioner });
  await producer.connect();
  const value = Buffer.alloc(1024, 'x');
  const batch = Array.from({ length: options.batchSize }, (_, i) => ({ key: String(i), value }));
  await producer.send({ topic, acks: -1, messages: batch }); // warm-up: connections and metadata
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: options.inFlight }, async () => {
    while (next++ < options.batches) await producer.send({ topic, acks: -1, messages: batch });
  }));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await producer.disconnect();
  return (options.batches * options.batchSize) / seconds;
}
