import { defineConfig } from "prisma/config";

// Only `prisma generate` uses this; the datasource URL is resolved at run time by lib/db.
export default defineConfig({ schema: "prisma/schema.prisma" });
