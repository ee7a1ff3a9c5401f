import net from 'node:net';

/** Asks the kernel for a free TCP port on `host`. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Throws a clear error when `port` on `host` is already taken by another process. */
export function assertPortFree(port: number, what: string, host = '127.0.0.1'): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'EADDRINUSE'
        ? new Error(`port ${port} on ${host}, asked for ${what}, is already in use by another process: free it, or choose another port (or none, to let Capstan pick a free one)`)
        : err);
    });
    server.listen(port, host, () => server.close(() => resolve()));
  });
}
