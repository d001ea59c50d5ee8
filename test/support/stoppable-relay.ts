import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP relay in front of the emulator that can play the store stopped: `stop()` closes its
 * listening port (new connections are refused) and drops every open connection, as a server
 * process that went away does; `start()` listens on the same port again. Unlike killing the
 * emulator, what was committed before stays (as with Firestore itself: an outage loses no data).
 */
export interface StoppableRelay {
  /** `127.0.0.1:PORT`: what the workers are given as FIRESTORE_EMULATOR_HOST. */
  readonly host: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startStoppableRelay(target: string): Promise<StoppableRelay> {
  const [targetHost, targetPort] = target.split(':') as [string, string];
  const sockets = new Set<Socket>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  };
  let server = createRelayServer();
  function createRelayServer(): Server {
    return createServer((client) => {
      track(client);
      const upstream = connect(Number(targetPort), targetHost);
      track(upstream);
      upstream.on('close', () => client.destroy());
      client.on('close', () => upstream.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
    });
  }
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.removeListener('error', reject);
        resolve((server.address() as AddressInfo).port);
      });
    });
  const port = await listen(0);
  let up = true;
  const stop = async () => {
    if (!up) return;
    up = false;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of sockets) s.destroy();
    await closed;
  };
  return {
    host: `127.0.0.1:${port}`,
    stop,
    start: async () => {
      if (up) return;
      server = createRelayServer();
      await listen(port);
      up = true;
    },
    close: stop,
  };
}
