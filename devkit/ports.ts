import net from "node:net";

/**
 * A TCP port on 127.0.0.1 that was free a moment ago. Prefer listening on port 0 directly
 * when the server is ours; this exists for children (slapd, a second process) that need a
 * number up front.
 */
export async function freePort(): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        server.close();
        reject(new Error("freePort: no TCP address"));
        return;
      }
      const { port } = address;
      server.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}
