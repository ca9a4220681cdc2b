// `npm start`: the console and the worker over the embedded PostgreSQL (or DATABASE_URL).
// Channels are created with `npm run channel -- apply <file>` or in the console.
import { launch, onShutdown } from "./launch.ts";

const ferry = await launch();
console.log(`Ferry is running: console http://127.0.0.1:${ferry.port}/  (Ctrl-C stops)`);
onShutdown(ferry.stop);
