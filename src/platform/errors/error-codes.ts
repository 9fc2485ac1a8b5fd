/**
 * The catalogue of every error code the API returns, with its HTTP status and
 * title. A new code without a status does not compile. Codes are stable: clients
 * and the web app translate them; never rename one.
 */
export const ERROR_CODES = {
  validation_failed: { status: 400, title: 'The request is not valid' },
  malformed_json: { status: 400, title: 'The request body is not valid JSON' },
  invalid_cursor: { status: 400, title: 'The pagination cursor is not valid' },
  invalid_idempotency_key: { status: 400, title: 'The Idempotency-Key header is not valid' },
  bad_request: { status: 400, title: 'The request cannot be processed' },
  unauthenticated: { status: 401, title: 'Authentication is required' },
  invalid_credentials: { status: 401, title: 'Email or password is incorrect' },
  link_invalid: { status: 401, title: 'This link is invalid, expired or already used' },
  forbidden: { status: 403, title: 'You are not allowed to do this' },
  csrf_failed: { status: 403, title: 'The CSRF token is missing or wrong' },
  scope_insufficient: { status: 403, title: 'This API key is read-only' },
  not_found: { status: 404, title: 'Not found' },
  route_not_found: { status: 404, title: 'No such endpoint' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  conflict: { status: 409, title: 'The request conflicts with the current state' },
  duplicate: { status: 409, title: 'This already exists' },
  organisation_ambiguous: { status: 409, title: 'This email belongs to several organisations' },
  idempotency_in_progress: { status: 409, title: 'A request with this Idempotency-Key is still being processed' },
  payload_too_large: { status: 413, title: 'The request body is too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported content type' },
  idempotency_key_reused: { status: 422, title: 'This Idempotency-Key was used with a different request' },
  import_invalid: { status: 422, title: 'The file has errors; nothing was imported' },
  encoding_invalid: { status: 422, title: 'The file is not in the expected character encoding' },
  unprocessable: { status: 422, title: 'The request cannot be applied' },
  ml_insufficient_data: { status: 422, title: 'Not enough data to train a model' },
  ml_single_class: { status: 422, title: 'The training data holds only one outcome' },
  ml_invalid_input: { status: 422, title: 'The model input holds missing or infinite values' },
  ml_schema_mismatch: { status: 422, title: 'The input features do not match the model' },
  file_type_not_allowed: { status: 415, title: 'This file type is not accepted (PDF, JPEG or PNG, checked from its content)' },
  justification_already_reviewed: { status: 409, title: 'This justification has already been reviewed' },
  sessions_not_justifiable: { status: 422, title: 'Some sessions cannot be justified by you' },
  seal_invalid: { status: 422, title: 'This PKCS#12 cannot be used as the organisation seal' },
  export_not_ready: { status: 409, title: 'The export is not finished yet' },
  rate_limited: { status: 429, title: 'Too many requests' },
  internal_error: { status: 500, title: 'Internal error' },
  service_unavailable: { status: 503, title: 'Service unavailable' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;
