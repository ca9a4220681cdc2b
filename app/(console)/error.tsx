"use client";
// A page that failed on the server (the database is down, say): say so, offer a retry.
import { Banner, Button } from "@/components/ui/primitives";

export default function ConsoleError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div style={{ marginTop: 24 }}>
      <Banner tone="red" title="This page could not be shown" action={<Button onClick={reset}>Try again</Button>}>
        {error.digest ? `The console's log has the details (reference ${error.digest}).` : error.message}
      </Banner>
    </div>
  );
}
