// A small client for /api/v1 with the browser's session: JSON in and out, the CSRF token on writes, and the
// API's error format ({"error": {"code", "message", "field"?}}) turned into an ApiError.

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public field?: string,
    /** The whole error object, for refusals that carry more (e.g. a conflict's `current_version`). */
    public details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export function csrfToken(): string {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  if (match) return decodeURIComponent(match[1]);
  const input = document.querySelector<HTMLInputElement>("input[name=csrfmiddlewaretoken]");
  return input?.value ?? "";
}

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface RequestOptions {
  keepalive?: boolean;
  signal?: AbortSignal;
}

export async function api<T = unknown>(method: Method, path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  let payload: BodyInit | undefined;
  if (body instanceof FormData) {
    payload = body;
  } else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  if (method !== "GET") headers["X-CSRFToken"] = csrfToken();
  const response = await fetch("/api/v1" + path, {
    method,
    headers,
    body: payload,
    credentials: "same-origin",
    keepalive: options.keepalive,
    signal: options.signal,
  });
  if (response.status === 204) return undefined as T;
  let data: any = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    const error = data?.error ?? {};
    const detail = typeof data?.detail === "string" ? data.detail : undefined;
    throw new ApiError(response.status, error.code ?? "http_" + response.status, error.message ?? detail ?? response.statusText, error.field, error);
  }
  return data as T;
}

/** The JSON that the server embedded in the page with Django's json_script filter. */
export function embeddedJson<T>(id: string): T | null {
  const element = document.getElementById(id);
  if (!element?.textContent) return null;
  try {
    return JSON.parse(element.textContent) as T;
  } catch {
    return null;
  }
}
