import { detailRoute } from "../../records";

export const dynamic = "force-dynamic";
export const GET = detailRoute("group");
