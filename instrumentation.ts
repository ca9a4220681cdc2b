// Runs once when the console's server starts (Node.js runtime only).
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { onConsoleStart } = await import("./instrumentation-node.ts");
    await onConsoleStart();
  }
}
