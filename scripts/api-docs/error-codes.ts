/** The protocol's error codes as the documents describe them: meaning, retryable, HTTP status. */
import { BridgeError, ERROR_CODES, HTTP_STATUS, type ErrorCode } from '../../src/errors.js';
import { ERROR_MEANINGS } from './wire-schemas.js';

/** Whether a code is retryable, asked of BridgeError itself so the table cannot drift from it. */
export function isRetryable(code: ErrorCode): boolean {
  const error = new (class extends BridgeError {
    readonly code = code;
  })('');
  return error.retryable;
}

export interface ErrorCodeDoc {
  readonly code: ErrorCode;
  readonly meaning: string;
  readonly retryable: boolean;
  readonly httpStatus: number;
}

export const ERROR_CODE_DOCS: readonly ErrorCodeDoc[] = ERROR_CODES.map((code) => ({
  code,
  meaning: ERROR_MEANINGS[code],
  retryable: isRetryable(code),
  httpStatus: HTTP_STATUS[code],
}));

/** A markdown table of the codes, for descriptions. */
export function errorCodeTable(): string {
  const rows = ERROR_CODE_DOCS.map((doc) => `| \`${doc.code}\` | ${doc.meaning} | ${doc.retryable ? 'yes' : 'no'} | ${doc.httpStatus} |`);
  return ['| code | meaning | retryable | HTTP status |', '|---|---|---|---|', ...rows].join('\n');
}

/** The codes an HTTP status stands for. */
export function codesForStatus(status: number): ErrorCode[] {
  return ERROR_CODES.filter((code) => HTTP_STATUS[code] === status);
}
