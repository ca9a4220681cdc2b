/** An expression went past one of its bounds (limits.ts) while it ran: its value is "no value", and the error is reported. */
export class ExpressionLimitError extends Error {}
