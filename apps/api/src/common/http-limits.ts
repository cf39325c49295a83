/** Largest request body the API reads; a larger one is refused with 413 before it is read whole. */
export const MAX_BODY_BYTES = 64 * 1024;
