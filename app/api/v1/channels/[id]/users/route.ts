import { listRoute } from "../records";

export const dynamic = "force-dynamic";
export const GET = listRoute("user");
