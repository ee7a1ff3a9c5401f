import { Informer, Kinds, listWatchOf, type ListWatch, type Logger } from '../controller/index.js';
import { isApiError, type KubeClient, type KubeObject } from '../k8s/index.js';
import { secretsOf, type SecretGetter } from './credentials.js';

/** How one Secret is listed and watched: by default a watch of its namespace selected to its name. */
export type SecretListWatch = (namespace: string, name: string) => ListWatch;

/** One watched Secret: its informer, the Syncs that name it, and whether the agent may watch it at all. */
interface Watched {
  informer: Informer;
  users: Set<string>;
  /** The list was refused (the agent may only get Secrets): read it with a GET each time. */
  forbidden: boolean;
}

/**
 * The Secrets the Syncs name for their git credentials, each kept by its own watch selected to
 * that one name. An interval reconcile then reads its credentials without a request, and a rotated
 * Secret is seen as soon as it changes. Until a watch has synced, or where the agent may only get
 * Secrets, it reads them with a GET. A watch stops when no Sync names its Secret any more.
 */
export class SecretWatch {
  private readonly watched = new Map<string, Watched>();
  private readonly read: SecretGetter;

  constructor(
    client: KubeClient,
    private readonly logger: Logger,
    private readonly listWatchFor: SecretListWatch = (namespace, name) => listWatchOf(client, Kinds.Secret, { namespace, fieldSelector: `metadata.name=${name}` }),
  ) {
    this.read = secretsOf(client);
  }

  /** Secret `namespace/name` as it is now: from its watch once synced, else with a GET; `undefined` when it does not exist. */
  get = async (namespace: string, name: string): Promise<KubeObject | undefined> => {
    const w = this.watched.get(`${namespace}/${name}`);
    if (w && !w.forbidden && w.informer.hasSynced) return w.informer.store.getByName(namespace, name);
    return this.read(namespace, name);
  };

  /**
   * Records that Sync `user` names exactly the Secrets `ids` (`namespace/name`) now: each is
   * watched from here on, and a watch no Sync names any more is stopped.
   */
  retain(user: string, ids: readonly string[]): void {
    const keep = new Set(ids);
    for (const id of keep) {
      let w = this.watched.get(id);
      if (!w) this.watched.set(id, (w = this.start(id)));
      w.users.add(user);
    }
    for (const [id, w] of this.watched) {
      if (keep.has(id)) continue;
      w.users.delete(user);
      if (w.users.size === 0) {
        this.watched.delete(id);
        void w.informer.stop();
      }
    }
  }

  /** Stops every watch. */
  async stop(): Promise<void> {
    const all = [...this.watched.values()];
    this.watched.clear();
    await Promise.all(all.map((w) => w.informer.stop()));
  }

  private start(id: string): Watched {
    const [namespace, name] = id.split('/') as [string, string];
    const lw = this.listWatchFor(namespace, name);
    const w: Watched = { informer: undefined as unknown as Informer, users: new Set(), forbidden: false };
    const guarded: ListWatch = {
      list: async (options) => {
        try {
          return await lw.list(options);
        } catch (err) {
          if (isApiError(err, 403) && !w.forbidden) {
            w.forbidden = true;
            this.logger.info('may not watch Secret; reading it at each reconcile instead', { secret: `${namespace}/${name}` });
            void w.informer.stop();
          }
          throw err;
        }
      },
      watch: (options, onEvent) => lw.watch(options, onEvent),
    };
    w.informer = new Informer(guarded, { name: `secret ${namespace}/${name}`, logger: this.logger });
    w.informer.start();
    return w;
  }
}
