import type { KubeList, KubeObject, WatchEvent, WatchHandle, WatchOptions } from '../../../src/k8s/index.js';
import type { ListWatch } from '../../../src/controller/index.js';

/** One watch the informer opened, driven by the test. */
export interface FakeWatch {
  options: WatchOptions;
  send(event: WatchEvent): void;
  end(): void;
  fail(err: Error): void;
  stopped: boolean;
}

/** A scripted list/watch source for informer logic tests (no API server involved). */
export class FakeListWatch implements ListWatch {
  lists: { items: KubeObject[]; rv: string }[] = [];
  listCalls = 0;
  watches: FakeWatch[] = [];
  listError: Error | undefined;

  constructor(public items: KubeObject[], public rv: string) {}

  async list(): Promise<KubeList> {
    this.listCalls++;
    if (this.listError) throw this.listError;
    return { apiVersion: 'v1', kind: 'ConfigMapList', metadata: { resourceVersion: this.rv }, items: this.items.map((i) => structuredClone(i)) };
  }

  watch(options: WatchOptions, onEvent: (e: WatchEvent) => void): WatchHandle {
    let resolve!: () => void;
    let reject!: (e: Error) => void;
    const done = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const w: FakeWatch = {
      options,
      stopped: false,
      send: (e) => {
        if (!w.stopped) onEvent(e);
      },
      end: () => resolve(),
      fail: (err) => reject(err),
    };
    this.watches.push(w);
    return {
      stop: () => {
        w.stopped = true;
        resolve();
      },
      done,
    };
  }

  get lastWatch(): FakeWatch {
    return this.watches[this.watches.length - 1]!;
  }
}

/** A ConfigMap with a name, resourceVersion and labels. */
export function cm(name: string, rv: string, labels: Record<string, string> = {}, namespace = 'ns1'): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, resourceVersion: rv, labels, managedFields: [{ manager: 'x' }] } };
}

/** Polls until `check` is true (real timers). */
export async function until(check: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 2));
  }
}
