// A loopback TCP proxy in front of the shared S3 server. Closing it is an S3
// outage as clients see one (open connections reset, new ones refused) without
// restarting the server, which other tests may be using at the same time.

import { connect, createServer, type Server, type Socket } from "node:net";

export class TcpProxy {
  readonly targetHost: string;
  readonly targetPort: number;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private _port = 0;
  /** Connections accepted and reset, for the report. */
  readonly stats = { accepted: 0, reset: 0, outages: 0 };

  /** listenPort 0 leaves the pick to the kernel. */
  constructor(target: { host: string; port: number }, listenPort = 0) {
    this.targetHost = target.host;
    this.targetPort = target.port;
    this._port = listenPort;
  }

  get port(): number {
    return this._port;
  }

  get isOpen(): boolean {
    return this.server !== undefined;
  }

  /** Starts listening; later calls reuse the port of the first. */
  async open(): Promise<void> {
    if (this.server) return;
    const server = createServer((client) => this.pipe(client));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this._port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
    const address = server.address();
    this._port = typeof address === "object" && address ? address.port : this._port;
    this.server = server;
  }

  /** The outage: stop listening (new connections are refused) and reset every open one. */
  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.stats.outages++;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) {
      this.stats.reset++;
      socket.resetAndDestroy();
    }
    this.sockets.clear();
    await closed;
  }

  private pipe(client: Socket): void {
    this.stats.accepted++;
    const upstream = connect(this.targetPort, this.targetHost);
    this.sockets.add(client);
    this.sockets.add(upstream);
    const drop = () => {
      this.sockets.delete(client);
      this.sockets.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
