import net from 'node:net';

/**
 * Forwards TCP connections from `listen` to `target`. The API server listens on loopback only; pods
 * reach it through this forwarder on the pod network's gateway (as `kubernetes.default.svc:443`).
 */
export async function forwardTcp(listen: { host: string; port: number }, target: { host: string; port: number }): Promise<net.Server> {
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    client.pipe(upstream).pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close);
    upstream.on('error', close);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, resolve);
  });
  return server;
}
