// A TCP proxy in front of a directory, for the push-mode tests: `outage(ms)` drops every
// open connection and refuses new ones for a while — what a client sees when the
// directory restarts.
import net from "node:net";

export type TTcpProxy = { port: number; url: string; target: { host: string; port: number } | null; outage(ms: number): Promise<void>; stop(): Promise<void> };

export async function startTcpProxy(): Promise<TTcpProxy> {
  const sockets = new Set<net.Socket>();
  let down = false;
  const proxy: TTcpProxy = {
    port: 0,
    url: "",
    target: null,
    async outage(ms) {
      down = true;
      for (const s of sockets) s.destroy();
      sockets.clear();
      await new Promise((r) => setTimeout(r, ms));
      down = false;
    },
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = net.createServer((client) => {
    if (down || !proxy.target) return void client.destroy();
    const upstream = net.connect(proxy.target.port, proxy.target.host);
    sockets.add(client).add(upstream);
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", close).on("close", close);
    upstream.on("error", close).on("close", close);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  proxy.port = (server.address() as net.AddressInfo).port;
  proxy.url = `ldap://127.0.0.1:${proxy.port}`;
  return proxy;
}
