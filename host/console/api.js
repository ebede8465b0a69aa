// The console's only way to the server: the public HTTP API with the
// operator's bearer token, in the dialect each route speaks. Nothing here
// knows more than any other API client does.

/** Every call answers `{status, body}`; `body` is the parsed JSON or null. */
export function createApi(token) {
  async function request(path, { dialect, signal } = {}) {
    const headers = { Authorization: `Bearer ${token}`, Accept: "application/json" };
    if (dialect) headers["X-Contacts-Dialect"] = dialect;
    const res = await fetch(path, { headers, signal });
    const text = await res.text();
    let body = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    return { status: res.status, body };
  }

  const q = encodeURIComponent;
  return {
    /** The agent behind the token (HelperIQ `agents/me`). */
    me: () => request("/api/v1/agents/me", { dialect: "helperiq" }),
    /** Ranked search, at most 20 results (HelperIQ). */
    search: (text, signal) =>
      request(`/api/v1/contacts/search?q=${q(text)}`, { dialect: "helperiq", signal }),
    /** Caller id: the contact a number resolves to, and by which rule (BlueRockTEL). */
    lookup: (number) =>
      request(`/api/v1/contacts/numbers?phone_number=${q(number)}`, { dialect: "bluerocktel" }),
    /** A contact with its emails and phones (HelperIQ shape: phones carry e164). */
    contact: (id) => request(`/api/v1/contacts/${q(id)}`, { dialect: "helperiq" }),
    notes: (id) => request(`/api/v1/contacts/${q(id)}/notes`, { dialect: "helperiq" }),
    /** One page of the event outbox, oldest first. */
    events: (after, limit) => request(`/api/v1/events?after=${after}&limit=${limit}`),
  };
}

/** What to tell the operator about a failed call. */
export function failure(reply) {
  const body = reply.body || {};
  const message = body.message || (body.data && body.data.message);
  return message ? `${message} (HTTP ${reply.status})` : `The server answered HTTP ${reply.status}.`;
}
