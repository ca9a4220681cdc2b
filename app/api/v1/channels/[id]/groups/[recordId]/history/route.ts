import { historyRoute } from "../../../records";

export const dynamic = "force-dynamic";
export const GET = historyRoute("group");
