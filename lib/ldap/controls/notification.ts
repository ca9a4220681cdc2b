// Active Directory's change notification (LDAP_SERVER_NOTIFICATION_OID,
// 1.2.840.113556.1.4.528, [MS-ADTS] 3.1.1.3.4.1.9): a search that never ends and returns
// an object each time it changes (its attributes as asked). No value. AD accepts it only
// with the filter (objectClass=*), scope base, one level or subtree, and a limited
// number per connection (5 by default). Samba implements it in its LDAP server.
import { Control } from "ldapts";

export const NOTIFICATION_OID = "1.2.840.113556.1.4.528";

export class NotificationControl extends Control {
  static readonly type = NOTIFICATION_OID;
  constructor() {
    // critical: a directory that cannot notify must say so, not answer a plain search
    super(NOTIFICATION_OID, { critical: true });
  }
}
