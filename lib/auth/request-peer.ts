// The address at the other end of a request's TCP connection. Next.js does not hand it
// to route handlers (it only fills X-Forwarded-For with it when the client sent none,
// which anyone can), so the console's server (scripts/console-server.ts) runs each
// request inside runWithPeer() and the sign-in reads it back with requestPeer().
// The store lives on globalThis: the server and the route bundles Next.js compiles are
// separate module instances of this file.
import { AsyncLocalStorage } from "node:async_hooks";

const KEY = Symbol.for("ferry.requestPeer");
type TStore = AsyncLocalStorage<{ address: string | null }>;
const g = globalThis as typeof globalThis & { [KEY]?: TStore };
const store: TStore = (g[KEY] ??= new AsyncLocalStorage());

export function runWithPeer<T>(address: string | null | undefined, fn: () => T): T {
  return store.run({ address: address ?? null }, fn);
}

/** The socket's address of the request being handled, or undefined outside the console's server. */
export function requestPeer(): string | null | undefined {
  return store.getStore()?.address;
}
