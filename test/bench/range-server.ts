// A read-only S3 stand-in for the download benchmark: serves one local file
// as `/<bucket>/<key>` to HeadObject and (ranged) GetObject, reading only the
// bytes asked for, as S3 does. moto reads the whole object for every ranged
// GET (about 0.5 ms per MiB of object), which turns a download of many
// small ranges into a test of moto; both sides are measured against this
// server too. No signatures are checked.
import { createReadStream, statSync } from "node:fs";
import { createServer } from "node:http";

export interface RangeServer {
  endpoint: string;
  close(): Promise<void>;
}

export async function startRangeServer(bucket: string, key: string, path: string): Promise<RangeServer> {
  const { size, mtime } = statSync(path);
  const etag = `"${size.toString(16)}-${mtime.getTime().toString(16)}"`;
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://localhost");
    if (decodeURIComponent(url.pathname) !== `/${bucket}/${key}`) {
      response.writeHead(404, { "Content-Type": "application/xml" }).end("<Error><Code>NoSuchKey</Code></Error>");
      return;
    }
    const headers = { ETag: etag, "Last-Modified": mtime.toUTCString(), "Accept-Ranges": "bytes", "Content-Type": "application/zip" };
    const range = /^bytes=(\d+)-(\d*)$/.exec(request.headers.range ?? "");
    const start = range ? Number(range[1]) : 0;
    const end = range?.[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
    const status = range ? 206 : 200;
    response.writeHead(status, { ...headers, "Content-Length": end - start + 1, ...(range ? { "Content-Range": `bytes ${start}-${end}/${size}` } : {}) });
    if (request.method === "HEAD") response.end();
    else createReadStream(path, { start, end }).pipe(response);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("range server has no port");
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
