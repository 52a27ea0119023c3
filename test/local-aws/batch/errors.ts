// Batch API errors in the shape AWS sends them: an HTTP status, the error type
// in the `x-amzn-ErrorType` header and `__type` in the JSON body, so the SDK
// raises the modelled exception class (ClientException, ServerException...).
export class BatchApiError extends Error {
  constructor(
    readonly errorType: string,
    message: string,
    readonly httpStatus = 400,
  ) {
    super(message);
  }
}

export function clientError(message: string): BatchApiError {
  return new BatchApiError("ClientException", message);
}

export function errorBody(error: BatchApiError): { headers: Record<string, string>; body: string } {
  return {
    headers: { "x-amzn-ErrorType": error.errorType, "content-type": "application/json" },
    body: JSON.stringify({ __type: error.errorType, message: error.message }),
  };
}
