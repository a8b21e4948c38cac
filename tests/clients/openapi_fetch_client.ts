// A TypeScript client as an app team writes it: types generated from the live schema by
// openapi-typescript (generated/schema.d.ts), calls through openapi-fetch, no hand-written
// URL or JSON shape. test_openapi_typescript.py type-checks it (tsc, strict), then runs it:
//
//   node generated/out/openapi_fetch_client.js BASE_URL VIDEO_FILE
//
// It signs up, uploads the video, lists the sessions, reads one and its thumbnail URL,
// registers a webhook, and prints one JSON line of what it saw.
import { readFile } from "node:fs/promises";
import { basename } from "node:path";

import createClient, { type Middleware } from "openapi-fetch";

import type { components, paths } from "./generated/schema.js";

type SessionDetail = components["schemas"]["SessionDetail"];
type Session = components["schemas"]["Session"];

const [baseUrl, videoPath] = process.argv.slice(2);
if (!baseUrl || !videoPath) throw new Error("usage: BASE_URL VIDEO_FILE");

const client = createClient<paths>({ baseUrl });

function check<T>(what: string, result: { data?: T; error?: unknown; response: Response }): T {
  if (result.data === undefined) {
    throw new Error(`${what}: ${result.response.status} ${JSON.stringify(result.error)}`);
  }
  return result.data;
}

const email = `ts-client-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
const signup = check(
  "sign-up",
  await client.POST("/api/v1/auth/signup/", {
    body: { email, password: "a long enough passphrase 7", display_name: "TS" },
  }),
);
const access: string = signup.tokens.access;
const bearer: Middleware = {
  onRequest({ request }) {
    request.headers.set("Authorization", `Bearer ${access}`);
    return request;
  },
};
client.use(bearer);

// Multipart: the schema's `video` is the file; the serializer turns the path into its bytes.
const bytes = await readFile(videoPath);
const uploaded: SessionDetail = check(
  "upload",
  await client.POST("/api/v1/sessions/", {
    body: { video: videoPath, title: "from openapi-fetch", started_at: new Date().toISOString() },
    bodySerializer(body) {
      const form = new FormData();
      form.append("video", new Blob([bytes], { type: "video/mp4" }), basename(body.video));
      form.append("title", body.title ?? "");
      if (body.started_at) form.append("started_at", body.started_at);
      return form;
    },
  }),
);

const page = check(
  "list",
  await client.GET("/api/v1/sessions/", { params: { query: { ordering: ["-started_at"], page_size: 10 } } }),
);
const listed: Session[] = page.results;
const detail: SessionDetail = check(
  "detail",
  await client.GET("/api/v1/sessions/{id}/", { params: { path: { id: uploaded.id } } }),
);
const thumbnail: string | null = detail.thumbnail_url;

const webhook = check(
  "webhook",
  await client.POST("/api/v1/webhooks/", { body: { url: "http://127.0.0.1:9/hook" } }),
);
const deliveries = check(
  "deliveries",
  await client.GET("/api/v1/webhooks/{id}/deliveries/", { params: { path: { id: webhook.id } } }),
);

const missing = await client.GET("/api/v1/sessions/{id}/", { params: { path: { id: 999999999 } } });

console.log(
  JSON.stringify({
    status: uploaded.status,
    listed: listed.map((s) => s.id),
    uploaded: uploaded.id,
    title: detail.title,
    thumbnail,
    secret: webhook.secret.startsWith("whsec_"),
    deliveries: deliveries.count,
    missing: { status: missing.response.status, code: missing.error?.errors[0]?.code },
  }),
);
