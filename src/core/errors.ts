/**
 * The one errors module: every failure the library reports is a LeptonError with a stable
 * `LEPTON_ERR_*` code, and each code maps to exactly one HTTP status and one CLI exit code here.
 */

/** Stable error codes → HTTP status. Codes are part of the public API: never rename one. */
export const ERROR_STATUS = {
  LEPTON_ERR_INVALID_ARGUMENT: 400,
  LEPTON_ERR_INVALID_JSON: 400,
  LEPTON_ERR_INVALID_INPUT: 400,
  LEPTON_ERR_SHAPE_MISMATCH: 400,
  LEPTON_ERR_DTYPE: 400,
  LEPTON_ERR_CSV: 400,
  LEPTON_ERR_IMAGE_DECODE: 400,
  LEPTON_ERR_UNSUPPORTED: 400,
  LEPTON_ERR_UNAUTHENTICATED: 401,
  LEPTON_ERR_FORBIDDEN: 403,
  LEPTON_ERR_NOT_FOUND: 404,
  LEPTON_ERR_MODEL_NOT_FOUND: 404,
  LEPTON_ERR_PHOTON_NOT_FOUND: 404,
  LEPTON_ERR_DEPLOYMENT_NOT_FOUND: 404,
  LEPTON_ERR_DATASET_MISSING: 404,
  LEPTON_ERR_METHOD_NOT_ALLOWED: 405,
  LEPTON_ERR_REQUEST_TIMEOUT: 408,
  LEPTON_ERR_CONFLICT: 409,
  LEPTON_ERR_PAYLOAD_TOO_LARGE: 413,
  LEPTON_ERR_IMAGE_TOO_LARGE: 413,
  LEPTON_ERR_UNSUPPORTED_MEDIA_TYPE: 415,
  LEPTON_ERR_CORRUPT_FILE: 422,
  LEPTON_ERR_INTEGRITY: 422,
  LEPTON_ERR_DECRYPT: 422,
  LEPTON_ERR_RATE_LIMITED: 429,
  LEPTON_ERR_QUEUE_FULL: 429,
  LEPTON_ERR_INTERNAL: 500,
  LEPTON_ERR_IO: 500,
  LEPTON_ERR_ENGINE: 500,
  LEPTON_ERR_UPSTREAM: 502,
  LEPTON_ERR_OVERLOADED: 503,
  LEPTON_ERR_NOT_READY: 503,
  LEPTON_ERR_NO_REPLICA: 503,
  /** A rank of a distributed training group died or vanished (src/parallel). */
  LEPTON_ERR_PEER_LOST: 503,
  LEPTON_ERR_DEADLINE_EXCEEDED: 504,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface LeptonErrorOptions {
  /** Extra, non-secret facts a caller can act on (field name, expected shape…). Sent to clients. */
  details?: Record<string, unknown>;
  /** Seconds a client should wait before retrying (429/503). */
  retryAfter?: number;
  cause?: unknown;
}

/** Base class of every error the library throws on purpose. */
export class LeptonError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;
  readonly retryAfter: number | undefined;

  constructor(code: ErrorCode, message: string, options: LeptonErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LeptonError';
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.details = options.details;
    this.retryAfter = options.retryAfter;
  }

  /** The wire envelope every HTTP error uses: `{"error": {"code", "message"}}`. */
  toJSON(): ErrorEnvelope {
    const error: ErrorEnvelope['error'] = { code: this.code, message: this.message };
    if (this.details !== undefined) error.details = this.details;
    return { error };
  }
}

export interface ErrorEnvelope {
  error: { code: ErrorCode; message: string; details?: Record<string, unknown> };
}

/** Shorthand for the most common case: a caller passed something unusable. */
export function invalidArgument(message: string, details?: Record<string, unknown>): LeptonError {
  return new LeptonError('LEPTON_ERR_INVALID_ARGUMENT', message, details ? { details } : {});
}

export function isLeptonError(err: unknown): err is LeptonError {
  return err instanceof LeptonError;
}

/**
 * Wrap anything thrown into a LeptonError at a boundary (HTTP, CLI). Unknown throws become
 * LEPTON_ERR_INTERNAL with a generic message, so no stack or internal detail leaks to clients.
 */
export function toLeptonError(err: unknown): LeptonError {
  if (err instanceof LeptonError) return err;
  return new LeptonError('LEPTON_ERR_INTERNAL', 'internal error', { cause: err });
}

/** CLI exit code for an error: 2 for a caller's mistake (4xx), 1 for everything else. */
export function exitCodeFor(err: LeptonError): number {
  return err.status >= 400 && err.status < 500 ? 2 : 1;
}
