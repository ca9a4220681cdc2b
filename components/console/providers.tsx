"use client";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { ToastProvider } from "@/components/ui/toasts";
import { ApiError, setCsrfToken } from "./api";
import { ViewerContext, type TClientViewer } from "./viewer-context";

export function Providers({ viewer, csrfToken, children }: { viewer: TClientViewer; csrfToken: string; children: ReactNode }) {
  if (typeof window !== "undefined") setCsrfToken(csrfToken);
  const [client] = useState(
    () =>
      new QueryClient({
        defaultOptions: {
          queries: {
            staleTime: 2_000,
            refetchOnWindowFocus: true,
            // 4xx answers will not change by asking again
            retry: (n, err) => !(err instanceof ApiError && err.status < 500) && n < 2,
          },
        },
      }),
  );
  return (
    <QueryClientProvider client={client}>
      <ViewerContext.Provider value={viewer}>
        <ToastProvider>{children}</ToastProvider>
      </ViewerContext.Provider>
    </QueryClientProvider>
  );
}
