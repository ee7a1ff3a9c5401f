import net from 'node:net';
import { Reader, Writer } from './wire.js';

/** A request of a flexible version: header v2 on the way out, header v1 on the way back. */
export interface FlexibleRequest<T> {
  apiKey: number;
  apiVersion: number;
  body: (w: Writer) => void;
  parse: (r: Reader) => T;
}

/** Raised when a broker cannot be reached or answers out of turn. */
export class KafkaConnectionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KafkaConnectionError';
  }
}

/**
 * One TCP connection to a broker that sends requests in turn and matches each response to its
 * correlation id. Used for the admin requests kafkajs does not have; `timeoutMs` bounds each one.
 */
export class KafkaConnection {
  private socket: net.Socket | undefined;
  private nextId = 1;
  private pending = new Map<number, { resolve: (b: Buffer) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private inbox = Buffer.alloc(0);

  constructor(readonly host: string, readonly port: number, private readonly clientId = 'capstan-kafka-operator', private readonly timeoutMs = 10_000) {}

  private connect(): Promise<net.Socket> {
    if (this.socket && !this.socket.destroyed) return Promise.resolve(this.socket);
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: this.host, port: this.port });
      socket.setTimeout(this.timeoutMs, () => socket.destroy(new Error(`no answer from ${this.host}:${this.port} within ${this.timeoutMs} ms`)));
      socket.once('connect', () => {
        socket.setTimeout(0);
        this.socket = socket;
        resolve(socket);
      });
      socket.on('data', (d: Buffer) => this.onData(d));
      socket.on('error', (err) => {
        reject(new KafkaConnectionError(`cannot reach the broker at ${this.host}:${this.port}: ${err.message}`, { cause: err }));
        this.failAll(err);
      });
      socket.on('close', () => this.failAll(new Error(`connection to ${this.host}:${this.port} closed`)));
    });
  }

  /** Sends one request and resolves with its parsed response. */
  async send<T>(request: FlexibleRequest<T>): Promise<T> {
    const socket = await this.connect();
    const id = this.nextId++;
    const header = new Writer().int16(request.apiKey).int16(request.apiVersion).int32(id).nullableString(this.clientId).tags();
    const body = new Writer();
    request.body(body);
    const payload = Buffer.concat([header.bytes(), body.bytes()]);
    const frame = Buffer.alloc(4 + payload.length);
    frame.writeInt32BE(payload.length);
    payload.copy(frame, 4);
    const response = await new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new KafkaConnectionError(`request ${request.apiKey} v${request.apiVersion} to ${this.host}:${this.port} had no answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      socket.write(frame);
    });
    const reader = new Reader(response);
    reader.int32(); // correlation id, matched already
    reader.tags();
    return request.parse(reader);
  }

  /** Closes the connection; pending requests fail. */
  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  private onData(data: Buffer): void {
    this.inbox = Buffer.concat([this.inbox, data]);
    while (this.inbox.length >= 4) {
      const size = this.inbox.readInt32BE(0);
      if (this.inbox.length < 4 + size) return;
      const message = this.inbox.subarray(4, 4 + size);
      this.inbox = this.inbox.subarray(4 + size);
      const id = message.readInt32BE(0);
      const waiter = this.pending.get(id);
      if (!waiter) continue;
      this.pending.delete(id);
      clearTimeout(waiter.timer);
      waiter.resolve(Buffer.from(message));
    }
  }

  private failAll(err: Error): void {
    for (const [id, waiter] of this.pending) {
      clearTimeout(waiter.timer);
      waiter.reject(new KafkaConnectionError(err.message, { cause: err }));
      this.pending.delete(id);
    }
    this.socket = undefined;
    this.inbox = Buffer.alloc(0);
  }
}
