/** Small HTTP helpers against a running service (tests and the demo). */

export type Posted = { status: number; body: any };

/** POSTs a JSON body to `url` and returns status and parsed body. */
export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Posted> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

/** Runs a GraphQL query and returns `{data, errors}`. */
export async function graphql(baseUrl: string, query: string, variables: Record<string, unknown> = {}): Promise<any> {
  const { body } = await postJson(`${baseUrl}/graphql`, { query, variables });
  return body;
}

/** POSTs a signed message to the service (`POST /`) and returns its receipt; throws when it is refused. */
export async function postMessage(baseUrl: string, envelope: unknown): Promise<{ id: string }> {
  const response = await postJson(baseUrl, envelope);
  if (response.status !== 200) throw new Error(JSON.stringify(response.body));
  return response.body as { id: string };
}
