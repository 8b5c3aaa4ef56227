/**
 * Named errors. Core code throws these; `functions/core/http-response.ts` maps them to HTTP
 * in one place, and ingest records a PostRejected against the object key.
 */

/** A post that can never be published as uploaded. Permanent: retrying cannot help. */
export class PostRejected extends Error {
  readonly name = 'PostRejected';
  constructor(
    message: string,
    /** 1-based line in the uploaded file, where the problem has one. */
    readonly line?: number,
    readonly column?: number,
  ) {
    super(message);
  }

  /** `line 3, column 7: what is wrong`: the form errors are recorded and printed in. */
  describe(): string {
    if (this.line === undefined) return this.message;
    const where = this.column === undefined ? `line ${this.line}` : `line ${this.line}, column ${this.column}`;
    return `${where}: ${this.message}`;
  }
}

export class BadRequest extends Error {
  readonly name = 'BadRequest';
}

export class NotFound extends Error {
  readonly name = 'NotFound';
}

/** The thing existed and was removed on purpose (deleted or unpublished post). */
export class Gone extends Error {
  readonly name = 'Gone';
}

/**
 * Storage did not answer in time, refused for load, or could not be reached. Transient:
 * the read side answers 503 with Retry-After; ingest throws so the event is retried.
 */
export class StorageUnavailable extends Error {
  readonly name = 'StorageUnavailable';
}
