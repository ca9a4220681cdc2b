// SCIM 2.0 as it travels on the wire (RFC 7643 schemas, RFC 7644 messages): the URNs and
// the PATCH operation shape that the mapping (which builds resources and operations) and
// the client (which sends them and reads the answers) both speak. It imports nothing, so
// both can import it without either knowing the other.

/** RFC 7643 §4.1: the core User resource */
export const USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User";
/** RFC 7643 §4.2: the core Group resource */
export const GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group";
/** RFC 7643 §4.3: the enterprise User extension (employeeNumber, department, manager…) */
export const ENTERPRISE_USER_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/** RFC 7644 §3.5.2: a PATCH request body */
export const PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/** RFC 7644 §3.4.2: a query's answer */
export const LIST_RESPONSE_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
/** RFC 7644 §3.12: an error answer (status, scimType, detail) */
export const ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error";

/** One operation of a PATCH request (RFC 7644 §3.5.2). */
export type TPatchOp = { op: "add" | "replace" | "remove"; path?: string; value?: unknown };
