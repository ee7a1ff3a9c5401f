import { describe, expect, it } from 'vitest';
import { Reader, Writer } from '../../../../apps/kafka/admin/wire.js';
import { describeQuorumRequest, metadataRequest, unregisterBrokerRequest, KafkaApiError } from '../../../../apps/kafka/admin/requests.js';

describe('Kafka flexible-version encoding', () => {
  it.each([0, 1, 127, 128, 300, 16_383, 16_384, 2 ** 31 - 1])('round-trips the unsigned varint %i', (n) => {
    expect(new Reader(new Writer().uvarint(n).bytes()).uvarint()).toBe(n);
  });

  it('writes compact strings and arrays with length + 1, null as 0', () => {
    expect([...new Writer().compactString('ab').bytes()]).toEqual([3, 97, 98]);
    expect([...new Writer().compactString(null).bytes()]).toEqual([0]);
    expect([...new Writer().compactArray([1, 2], (w, v) => w.int32(v)).bytes()]).toEqual([3, 0, 0, 0, 1, 0, 0, 0, 2]);
    const r = new Reader(new Writer().compactString('topic').compactArray([7], (w, v) => w.int32(v)).uvarint(1).uvarint(0).uvarint(2).int16(9).bytes());
    expect(r.compactString()).toBe('topic');
    expect(r.compactArray((x) => x.int32())).toEqual([7]);
    r.tags(); // one tagged field of 2 bytes, skipped
  });

  it('parses a metadata answer with topic ids', () => {
    const id = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
    const body = new Writer()
      .int32(0)
      .compactArray([1], (w, b) => w.int32(b).compactString('10.0.0.1').int32(9092).compactString(null).tags())
      .compactString('cid').int32(1)
      .compactArray(['orders'], (w, name) => w.int16(0).compactString(name).uuid(id).bool(false)
        .compactArray([0], (x, p) => x.int16(0).int32(p).int32(1).int32(5).compactArray([1, 2], (y, v) => y.int32(v)).compactArray([1], (y, v) => y.int32(v)).compactArray([], (y, v: number) => y.int32(v)).tags())
        .int32(0).tags())
      .tags().bytes();
    const parsed = metadataRequest().parse(new Reader(body));
    expect(parsed).toEqual({
      clusterId: 'cid', controllerId: 1, brokers: [{ id: 1, host: '10.0.0.1', port: 9092 }],
      topics: [{ name: 'orders', topicId: id.toString('base64url'), internal: false, error: 0, partitions: [{ partition: 0, leader: 1, replicas: [1, 2], isr: [1], offline: [] }] }],
    });
  });

  it('asks for the metadata quorum partition and raises Kafka errors with their names', () => {
    const w = new Writer();
    describeQuorumRequest().body(w);
    const r = new Reader(w.bytes());
    expect(r.compactArray((x) => { const name = x.compactString(); const parts = x.compactArray((y) => { const p = y.int32(); y.tags(); return p; }); x.tags(); return [name, parts]; })).toEqual([['__cluster_metadata', [0]]]);
    const failed = new Writer().int32(0).int16(102).compactString('Broker ID 9 is not currently registered').tags().bytes();
    expect(() => unregisterBrokerRequest(9).parse(new Reader(failed))).toThrow(KafkaApiError);
    expect(() => unregisterBrokerRequest(9).parse(new Reader(failed))).toThrow('BROKER_ID_NOT_REGISTERED (Broker ID 9 is not currently registered)');
  });
});
