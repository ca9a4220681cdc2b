// Who is at the other end, for the per-address sign-in limit and the session record.
// X-Forwarded-For is written by whoever sends the request: it is believed only when the
// socket belongs to a proxy named in FERRY_TRUSTED_PROXIES, and then only as far as the
// proxies go: read from the right (each proxy appends the address it saw), the first
// address that is not a trusted proxy is the client. Without trusted proxies the
// socket's address is the client's, whatever the headers say.
import net from "node:net";
import { getEnv, type TTrustedProxy } from "../env.ts";

/** "::ffff:10.0.0.1" (a v4 client on a dual-stack socket) as "10.0.0.1"; "1.2.3.4:5678" and "[::1]:80" without the port. */
export function normalizeAddress(raw: string): string | null {
  let a = raw.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(a);
  if (bracketed) a = bracketed[1]!;
  else if (/^\d{1,3}(\.\d{1,3}){3}:\d+$/.test(a)) a = a.slice(0, a.lastIndexOf(":"));
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(a);
  if (mapped) a = mapped[1]!;
  return net.isIP(a) ? a.toLowerCase() : null;
}

export function trustedProxyList(proxies: TTrustedProxy[]): net.BlockList {
  const list = new net.BlockList();
  for (const p of proxies) list.addSubnet(p.address, p.prefix, p.family);
  return list;
}

let cached: { from: TTrustedProxy[]; list: net.BlockList } | undefined;
function envProxies(): net.BlockList {
  const from = getEnv().FERRY_TRUSTED_PROXIES;
  if (cached?.from !== from) cached = { from, list: trustedProxyList(from) };
  return cached.list;
}

const isTrusted = (list: net.BlockList, address: string) => list.check(address, net.isIP(address) === 6 ? "ipv6" : "ipv4");

/**
 * The client's address. `peer` is the socket's address (null when unknown: then so is
 * the client, since no header can stand in for it); `forwardedFor` the X-Forwarded-For
 * header(s).
 */
export function clientAddress(options: { peer: string | null | undefined; forwardedFor?: string | null }, proxies: net.BlockList = envProxies()): string | null {
  const peer = options.peer ? normalizeAddress(options.peer) : null;
  if (!peer) return null;
  if (!isTrusted(proxies, peer)) return peer;
  const hops = (options.forwardedFor ?? "").split(",").map((h) => h.trim()).filter(Boolean);
  let client = peer;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = normalizeAddress(hops[i]!);
    // a hop that is no address cannot be a proxy of ours: the chain is not believed past it
    if (!hop) return client;
    client = hop;
    if (!isTrusted(proxies, hop)) return hop;
  }
  // every hop is a trusted proxy: the left-most is as far as anyone can tell
  return client;
}
