// Drives tus-js-client (the dashboard's own, frontend/node_modules) from Node for
// test_tus_js_client.py. Prints one JSON line.
//
//   node tus_js_upload.cjs ENDPOINT TOKEN FILE CHUNK_BYTES STOP_AFTER_CHUNKS
//       starts an upload and aborts it after STOP_AFTER_CHUNKS chunks: {"url", "offset"}
//   node tus_js_upload.cjs ENDPOINT TOKEN FILE CHUNK_BYTES resume UPLOAD_URL
//       a new Upload given only the URL: asks the server's offset and sends the rest:
//       {"url", "offset", "resumedFrom"}
const fs = require("fs");
const path = require("path");
const { createRequire } = require("module");

const frontend = path.resolve(__dirname, "..", "..", "frontend", "package.json");
const tus = createRequire(frontend)("tus-js-client");

const [endpoint, token, file, chunkArg, mode, uploadUrl] = process.argv.slice(2);
const chunkSize = Number(chunkArg);
const data = fs.readFileSync(file);

function fail(error) {
  console.log(JSON.stringify({ error: String(error) }));
  process.exit(1);
}

const options = {
  endpoint,
  chunkSize,
  headers: { Authorization: `Bearer ${token}` },
  metadata: { filename: path.basename(file), title: "tus-js-client" },
  retryDelays: null,
  onError: fail,
};

if (mode === "resume") {
  let resumedFrom = null;
  const upload = new tus.Upload(data, {
    ...options,
    uploadUrl,
    onChunkComplete(chunk, sent) {
      if (resumedFrom === null) resumedFrom = sent - chunk;
    },
    onSuccess() {
      console.log(JSON.stringify({ url: upload.url, offset: data.length, resumedFrom }));
    },
  });
  upload.start();
} else {
  const stopAfter = Number(mode);
  let chunks = 0;
  const upload = new tus.Upload(data, {
    ...options,
    onChunkComplete(chunk, sent) {
      chunks += 1;
      if (chunks === stopAfter) {
        upload.abort(false).then(() => {
          console.log(JSON.stringify({ url: upload.url, offset: sent }));
        }, fail);
      }
    },
    onSuccess() {
      fail("the upload finished before it was stopped");
    },
  });
  upload.start();
}
