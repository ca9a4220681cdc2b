// The bounds every mapping expression runs within, whatever an admin writes: CEL has no
// loops or recursion, so an expression's time is bounded by its size, the nesting of its
// list macros (map, filter, exists…) and the length of the lists and strings it walks.
// Each of those is capped here; a regular expression runs on RE2 (re2js), in time linear
// in its input, so no pattern can backtrack catastrophically.
export const EXPRESSION_LIMITS = {
  /** characters in one expression's source */
  maxSourceLength: 2_000,
  /** parse-time limits handed to cel-js */
  maxAstNodes: 400,
  maxDepth: 32,
  maxListElements: 64,
  maxMapEntries: 256,
  maxCallArguments: 8,
  /** list macros (map, filter, exists, all, exists_one) nested in one another */
  maxMacroNesting: 2,
  /** values a function returns or takes from one LDAP attribute, or a split makes */
  maxListLength: 1_000,
  /** characters in any string a function returns; longer is an error, not a truncation */
  maxStringLength: 65_536,
  /** characters in a regular expression pattern */
  maxPatternLength: 500,
  /** function calls one evaluation may make (mapping functions and macro bodies' calls) */
  maxCalls: 20_000,
} as const;
