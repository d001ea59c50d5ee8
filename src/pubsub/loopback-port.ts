import { createServer } from 'node:net';

/**
 * Asks the OS for a free TCP port on a loopback address (listen on port 0, read it, close).
 * Another process may take the port before the caller binds it: callers retry on a bind failure.
 */
export function findFreeLoopbackPort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error(`could not read the port of a listener on ${host}`));
        return;
      }
      server.close((err) => (err ? reject(err) : resolve(address.port)));
    });
  });
}
