/**
 * An LDAP attribute description as a mapping names it (RFC 4512): a name (a letter, then
 * letters, digits, hyphens) or a numeric OID, with options such as ;binary or ;lang-fr.
 */
export const LDAP_ATTRIBUTE_NAME = /^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)+)(?:;[A-Za-z0-9-]+)*$/;
