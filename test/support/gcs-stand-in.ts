/**
 * An in-memory stand-in for the GCS JSON API, faithful to what @google-cloud/storage 8.4.0 sends
 * (see /work/shared/notes/gcs-json-api.md): both path prefixes, multipart/media/resumable uploads,
 * strictly increasing generations, the four precondition params, crc32c + md5Hash on every object
 * (the client deletes an upload and fails without them) and GCS-shaped error bodies.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GcsStandIn {
  /** `http://127.0.0.1:PORT`: pass as `apiEndpoint` (or STORAGE_EMULATOR_HOST). */
  readonly url: string;
  close(): Promise<void>;
  /** Forgets every bucket, object and upload session. */
  reset(): void;
  /** While on, every request is answered 503 (for fault tests). */
  setUnavailable(on: boolean): void;
  /**
   * Stops the server (connections refused, open ones cut) while keeping every object, or listens
   * again on the same port: GCS unreachable rather than answering errors.
   */
  setStopped(on: boolean): Promise<void>;
  /** Requests received so far (including those answered 503). */
  readonly requests: number;
}

const CRC32C_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  return c >>> 0;
});

/** CRC32C (Castagnoli), as GCS reports it. */
export function crc32c(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of data) c = CRC32C_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** GCS's `crc32c` field: base64 of the big-endian 4-byte checksum. */
export function crc32cBase64(data: Uint8Array): string {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc32c(data));
  return out.toString('base64');
}

interface StoredObject {
  data: Buffer;
  generation: number;
  contentType: string;
  metadata?: Record<string, string>;
  created: string;
}
interface UploadSession {
  bucket: string;
  name: string;
  meta: ObjectMeta;
  query: URLSearchParams;
  chunks: Buffer[];
}
interface ObjectMeta {
  name?: string;
  contentType?: string;
  metadata?: Record<string, string>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

const PRECONDITION_MESSAGE = 'At least one of the pre-conditions you specified did not hold.';

export interface GcsStandInOptions {
  /** Send `x-goog-generation` on media downloads, as GCS does (default true); off to test clients without it. */
  mediaGenerationHeader?: boolean;
  /** Most list entries per page whatever maxResults asks (GCS may return fewer too); default 1000. */
  maxPageSize?: number;
}

export async function startGcsStandIn(options: GcsStandInOptions = {}): Promise<GcsStandIn> {
  const buckets = new Map<string, { created: string; objects: Map<string, StoredObject> }>();
  const sessions = new Map<string, UploadSession>();
  let nextGeneration = 1_700_000_000_000_001;
  let nextSession = 1;
  let unavailable = false;
  let requests = 0;
  let origin = '';

  const bucketOf = (name: string) => {
    const bucket = buckets.get(name);
    if (!bucket) throw new HttpError(404, 'notFound', 'The specified bucket does not exist.');
    return bucket;
  };

  const objectResource = (bucket: string, name: string, o: StoredObject) => {
    const enc = encodeURIComponent(name);
    return {
      kind: 'storage#object',
      id: `${bucket}/${name}/${o.generation}`,
      selfLink: `${origin}/storage/v1/b/${bucket}/o/${enc}`,
      mediaLink: `${origin}/download/storage/v1/b/${bucket}/o/${enc}?generation=${o.generation}&alt=media`,
      name,
      bucket,
      generation: String(o.generation),
      metageneration: '1', // no metadata patches here
      contentType: o.contentType,
      storageClass: 'STANDARD',
      size: String(o.data.length),
      md5Hash: createHash('md5').update(o.data).digest('base64'),
      crc32c: crc32cBase64(o.data),
      etag: `stand-in-${o.generation}`,
      timeCreated: o.created,
      updated: o.created,
      ...(o.metadata ? { metadata: o.metadata } : {}),
    };
  };

  /** Evaluates the four precondition params; a missing object has generation 0. */
  const checkPreconditions = (q: URLSearchParams, current: StoredObject | undefined) => {
    const gen = current?.generation ?? 0;
    const meta = current ? 1 : 0;
    const failed =
      (q.has('ifGenerationMatch') && Number(q.get('ifGenerationMatch')) !== gen) ||
      (q.has('ifGenerationNotMatch') && Number(q.get('ifGenerationNotMatch')) === gen) ||
      (q.has('ifMetagenerationMatch') && Number(q.get('ifMetagenerationMatch')) !== meta) ||
      (q.has('ifMetagenerationNotMatch') && Number(q.get('ifMetagenerationNotMatch')) === meta);
    if (failed) throw new HttpError(412, 'conditionNotMet', PRECONDITION_MESSAGE);
  };

  const findObject = (bucket: string, name: string, q: URLSearchParams) => {
    const o = bucketOf(bucket).objects.get(name);
    const wanted = q.get('generation');
    if (!o || (wanted !== null && Number(wanted) !== o.generation)) {
      throw new HttpError(404, 'notFound', `No such object: ${bucket}/${name}`);
    }
    checkPreconditions(q, o);
    return o;
  };

  /** Check and commit happen in one synchronous step, so concurrent conditional writes serialize. */
  const commit = (bucket: string, name: string, meta: ObjectMeta, q: URLSearchParams, data: Buffer) => {
    const objects = bucketOf(bucket).objects;
    checkPreconditions(q, objects.get(name));
    const o: StoredObject = {
      data,
      generation: nextGeneration++,
      contentType: meta.contentType ?? 'application/octet-stream',
      created: new Date().toISOString(),
      ...(meta.metadata ? { metadata: meta.metadata } : {}),
    };
    objects.set(name, o);
    return objectResource(bucket, name, o);
  };

  const list = (bucket: string, q: URLSearchParams) => {
    const prefix = q.get('prefix') ?? '';
    const delimiter = q.get('delimiter') ?? '';
    const max = Math.min(Number(q.get('maxResults') ?? 1000), options.maxPageSize ?? 1000);
    const after = q.has('pageToken') ? Buffer.from(q.get('pageToken')!, 'base64url').toString() : undefined;
    const objects = bucketOf(bucket).objects;
    // One sorted stream of entries (objects and collapsed prefixes), paged together.
    const entries = new Map<string, { prefix: true } | { item: StoredObject }>();
    for (const [name, o] of objects) {
      if (!name.startsWith(prefix)) continue;
      const cut = delimiter ? name.indexOf(delimiter, prefix.length) : -1;
      if (cut >= 0) entries.set(name.slice(0, cut + delimiter.length), { prefix: true });
      else entries.set(name, { item: o });
    }
    const names = [...entries.keys()]
      .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
      .filter((n) => after === undefined || Buffer.compare(Buffer.from(n), Buffer.from(after)) > 0);
    const page = names.slice(0, max);
    const items = page.flatMap((n) => {
      const e = entries.get(n)!;
      return 'item' in e ? [objectResource(bucket, n, e.item)] : [];
    });
    const prefixes = page.filter((n) => 'prefix' in entries.get(n)!);
    return {
      kind: 'storage#objects',
      ...(items.length ? { items } : {}),
      ...(prefixes.length ? { prefixes } : {}),
      ...(names.length > max ? { nextPageToken: Buffer.from(page.at(-1)!).toString('base64url') } : {}),
    };
  };

  const upload = (
    req: IncomingMessage,
    res: ServerResponse,
    bucket: string,
    q: URLSearchParams,
    body: Buffer,
  ) => {
    const type = q.get('uploadType');
    const name = q.get('name') ?? '';
    if (type === 'media') return json(res, 200, commit(bucket, name, {}, q, body));
    if (type === 'multipart') {
      const { meta, data } = parseMultipart(String(req.headers['content-type']), body);
      return json(res, 200, commit(bucket, meta.name ?? name, meta, q, data));
    }
    if (type === 'resumable') {
      const meta = (body.length ? JSON.parse(body.toString()) : {}) as ObjectMeta;
      const objectName = meta.name ?? name;
      checkPreconditions(q, bucketOf(bucket).objects.get(objectName)); // fail fast; again at the end
      const id = `s${nextSession++}`;
      const contentType = req.headers['x-upload-content-type'];
      sessions.set(id, {
        bucket,
        name: objectName,
        meta: { ...meta, ...(typeof contentType === 'string' && !meta.contentType ? { contentType } : {}) },
        query: q,
        chunks: [],
      });
      const location = `${origin}/upload/storage/v1/b/${bucket}/o?uploadType=resumable&name=${encodeURIComponent(objectName)}&upload_id=${id}`;
      res.writeHead(200, { location, 'content-length': 0 }).end();
      return;
    }
    throw new HttpError(501, 'notImplemented', `uploadType ${type} is not implemented by the stand-in`);
  };

  /** `bytes 0-*\/*` = whole object; `A-B/*` = a chunk (308); `A-B/N` = last chunk; `*\/*` = status. */
  const resumablePut = (req: IncomingMessage, res: ServerResponse, q: URLSearchParams, body: Buffer) => {
    const id = q.get('upload_id') ?? '';
    const session = sessions.get(id);
    if (!session) throw new HttpError(404, 'notFound', `No such upload session: ${id}`);
    const range = /^bytes (\*|(\d+)-(\d+|\*))\/(\*|\d+)$/.exec(String(req.headers['content-range'] ?? ''));
    if (body.length) session.chunks.push(body);
    const received = session.chunks.reduce((n, c) => n + c.length, 0);
    const total = range?.[4] === undefined || range[4] === '*' ? undefined : Number(range[4]);
    const whole = !range || range[3] === '*';
    if (whole || total === received) {
      sessions.delete(id);
      const data = Buffer.concat(session.chunks);
      return json(res, 200, commit(session.bucket, session.name, session.meta, session.query, data));
    }
    res.writeHead(308, received ? { range: `bytes=0-${received - 1}` } : {}).end();
  };

  const createBucket = (body: Buffer) => {
    const name = String((JSON.parse(body.toString() || '{}') as { name?: unknown }).name ?? '');
    if (!name) throw new HttpError(400, 'required', 'Required: bucket name');
    if (buckets.has(name)) throw new HttpError(409, 'conflict', 'You already own this bucket.');
    buckets.set(name, { created: new Date().toISOString(), objects: new Map() });
    return bucketResource(name, buckets.get(name)!.created);
  };

  const sendMedia = (res: ServerResponse, bucket: string, name: string, o: StoredObject) => {
    const resource = objectResource(bucket, name, o);
    const generationHeaders = { 'x-goog-generation': resource.generation, 'x-goog-metageneration': '1' };
    res
      .writeHead(200, {
        'content-type': o.contentType,
        'content-length': o.data.length,
        'x-goog-hash': `crc32c=${resource.crc32c},md5=${resource.md5Hash}`,
        'x-goog-stored-content-encoding': 'identity',
        ...(options.mediaGenerationHeader === false ? {} : generationHeaders),
      })
      .end(o.data);
  };

  const route = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const url = new URL(req.url ?? '/', origin);
    const q = url.searchParams;
    const isUpload = url.pathname.startsWith('/upload/storage/v1/');
    const path = url.pathname.replace(/^\/upload\/storage\/v1(?=\/)|^\/storage\/v1(?=\/)/, '');
    const parts = path.split('/').slice(1).map(decodeURIComponent);
    const method = req.method ?? 'GET';
    if (parts[0] !== 'b') throw notImplemented(method, url.pathname);
    const [, bucket, o, objectName, ...rest] = parts;
    if (rest.length) throw notImplemented(method, url.pathname);
    if (isUpload) {
      if (bucket === undefined || o !== 'o' || objectName !== undefined)
        throw notImplemented(method, url.pathname);
      if (method === 'POST') return upload(req, res, bucket, q, body);
      if (method === 'PUT') return resumablePut(req, res, q, body);
      throw notImplemented(method, url.pathname);
    }
    if (bucket === undefined && method === 'POST') return json(res, 200, createBucket(body));
    if (bucket === undefined) throw notImplemented(method, url.pathname);
    if (o === undefined) {
      if (method === 'GET') return json(res, 200, bucketResource(bucket, bucketOf(bucket).created));
      if (method === 'DELETE') {
        if (bucketOf(bucket).objects.size)
          throw new HttpError(409, 'conflict', 'The bucket you tried to delete is not empty.');
        buckets.delete(bucket);
        return void res.writeHead(204).end();
      }
      throw notImplemented(method, url.pathname);
    }
    if (o !== 'o') throw notImplemented(method, url.pathname);
    if (objectName === undefined) {
      if (method === 'GET') return json(res, 200, list(bucket, q));
      throw notImplemented(method, url.pathname);
    }
    if (method === 'GET') {
      const found = findObject(bucket, objectName, q);
      if (q.get('alt') === 'media') return sendMedia(res, bucket, objectName, found);
      return json(res, 200, objectResource(bucket, objectName, found));
    }
    if (method === 'DELETE') {
      findObject(bucket, objectName, q);
      bucketOf(bucket).objects.delete(objectName);
      return void res.writeHead(204).end();
    }
    throw notImplemented(method, url.pathname);
  };

  const server = createServer((req, res) => {
    requests++;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        if (unavailable) throw new HttpError(503, 'backendError', 'Service unavailable (stand-in fault).');
        route(req, res, Buffer.concat(chunks));
      } catch (error) {
        const e = error instanceof HttpError ? error : new HttpError(400, 'invalid', String(error));
        json(res, e.status, {
          error: {
            code: e.status,
            message: e.message,
            errors: [{ message: e.message, domain: 'global', reason: e.reason }],
          },
        });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;

  return {
    url: origin,
    close: () =>
      new Promise<void>((resolve, reject) => {
        if (!server.listening) return resolve(); // stopped by setStopped
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
    reset: () => {
      buckets.clear();
      sessions.clear();
    },
    setUnavailable: (on) => {
      unavailable = on;
    },
    setStopped: async (on) => {
      if (on === !server.listening) return;
      if (on) {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await closed;
      } else {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(port, '127.0.0.1', () => {
            server.off('error', reject);
            resolve();
          });
        });
      }
    },
    get requests() {
      return requests;
    },
  };
}

function notImplemented(method: string, path: string): HttpError {
  return new HttpError(501, 'notImplemented', `${method} ${path} is not implemented by the GCS stand-in`);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function bucketResource(name: string, created: string) {
  return {
    kind: 'storage#bucket',
    id: name,
    name,
    timeCreated: created,
    updated: created,
    metageneration: '1',
    location: 'US',
    storageClass: 'STANDARD',
    etag: 'CAE=',
  };
}

/** multipart/related: a JSON metadata part, then the media part (binary-safe). */
function parseMultipart(contentType: string, body: Buffer): { meta: ObjectMeta; data: Buffer } {
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
  if (!boundary) throw new HttpError(400, 'invalid', 'multipart upload without a boundary');
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Buffer[] = [];
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next < 0) break;
    const part = body.subarray(start, next);
    const headerEnd = part.indexOf('\r\n\r\n');
    // The part's content ends with the CRLF that precedes the next delimiter.
    parts.push(part.subarray(headerEnd + 4, part.length - 2));
    at = next;
  }
  if (parts.length !== 2) throw new HttpError(400, 'invalid', `multipart upload with ${parts.length} parts`);
  return { meta: JSON.parse(parts[0]!.toString()) as ObjectMeta, data: parts[1]! };
}
