import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/** Where the server extension listens, below the server's base URL. */
export const API_NAMESPACE = 'jupyter-mlops/api';

/**
 * An error reply of the REST API: `{"code", "message"}` and the HTTP status.
 * `details` is the whole parsed reply, for fields some routes add (export's `cell`).
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {}
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/**
 * Call the server extension (the extension template's `requestAPI`): authenticated by
 * the server connection settings, JSON in and out, errors as `ApiError`.
 */
export async function requestAPI<T>(
  endPoint = '',
  init: RequestInit = {},
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<T> {
  const url = URLExt.join(settings.baseUrl, API_NAMESPACE, endPoint);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (error) {
    throw new ApiError(
      0,
      'network_error',
      `Cannot reach the Jupyter server: ${(error as Error).message}`
    );
  }
  const text = await response.text();
  let data: unknown = null;
  if (text.length > 0) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!response.ok) {
    const details: Record<string, unknown> =
      data !== null && typeof data === 'object' && !Array.isArray(data)
        ? (data as Record<string, unknown>)
        : {};
    const code = typeof details.code === 'string' ? details.code : 'http_' + response.status;
    const message =
      typeof details.message === 'string'
        ? details.message
        : `The jupyter-mlops server extension answered ${response.status} ${response.statusText}. Is it installed and enabled (jupyter server extension list)?`;
    throw new ApiError(response.status, code, message, details);
  }
  return data as T;
}
