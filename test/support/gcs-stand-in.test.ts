import { Storage } from '@google-cloud/storage';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { crc32c, crc32cBase64, type GcsStandIn, startGcsStandIn } from './gcs-stand-in.js';

describe('crc32c', () => {
  it('matches the published Castagnoli check values', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(Buffer.alloc(0))).toBe(0);
    expect(crc32c(Buffer.alloc(32, 0))).toBe(0x8a9136aa); // RFC 3720 B.4
    expect(crc32c(Buffer.alloc(32, 0xff))).toBe(0x62a8ab43);
    expect(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => i)))).toBe(0x46dd794e);
    expect(crc32cBase64(Buffer.from('123456789'))).toBe(
      Buffer.from([0xe3, 0x06, 0x92, 0x83]).toString('base64'),
    );
  });
});

describe('GCS stand-in driven by @google-cloud/storage 8.4', () => {
  let gcs: GcsStandIn;
  let storage: Storage;
  beforeAll(async () => {
    gcs = await startGcsStandIn();
    storage = new Storage({ apiEndpoint: gcs.url, projectId: 'test', retryOptions: { autoRetry: false } });
  });
  afterAll(() => gcs.close());
  beforeEach(async () => {
    gcs.reset();
    gcs.setUnavailable(false);
    await storage.createBucket('b');
  });

  it('can stop listening (connections refused) and come back on the same port with its objects', async () => {
    await storage.bucket('b').file('kept').save('v');
    await gcs.setStopped(true);
    const refused = await fetch(`${gcs.url}/storage/v1/b/b`).then(
      () => undefined,
      (e: { cause?: { code?: string } }) => e.cause?.code,
    );
    expect(refused).toBe('ECONNREFUSED');
    await gcs.setStopped(false);
    expect((await storage.bucket('b').file('kept').download())[0].toString()).toBe('v');
  });

  it('creates buckets once and reports their existence', async () => {
    expect((await storage.bucket('b').exists())[0]).toBe(true);
    expect((await storage.bucket('other').exists())[0]).toBe(false);
    await expect(storage.createBucket('b')).rejects.toMatchObject({ code: 409 });
  });

  it('round-trips objects through resumable, multipart and chunked uploads', async () => {
    const bucket = storage.bucket('b');
    const binary = Buffer.from([0, 1, 2, 255, 254, 10, 13]);
    await bucket.file('dir/resumable.bin').save(binary);
    await bucket.file('dir/multi.txt').save('héllo ✓', { resumable: false, contentType: 'text/plain' });
    const big = Buffer.alloc(600 * 1024, 7);
    await bucket.file('dir/chunked.bin').save(big, { resumable: true, chunkSize: 256 * 1024 });
    expect((await bucket.file('dir/resumable.bin').download())[0]).toEqual(binary);
    expect((await bucket.file('dir/multi.txt').download())[0].toString()).toBe('héllo ✓');
    expect((await bucket.file('dir/chunked.bin').download())[0]).toEqual(big);
    const [meta] = await bucket.file('dir/multi.txt').getMetadata();
    expect(meta).toMatchObject({ name: 'dir/multi.txt', contentType: 'text/plain', size: '10' });
    expect(meta.crc32c).toBe(crc32cBase64(Buffer.from('héllo ✓')));
  });

  it('gives every write a new, strictly increasing generation', async () => {
    const file = storage.bucket('b').file('k');
    const seen: number[] = [];
    for (let i = 0; i < 3; i++) {
      await file.save(`v${i}`, { resumable: false });
      seen.push(Number((await file.getMetadata())[0].generation));
    }
    await file.delete();
    await file.save('again', { resumable: false });
    seen.push(Number((await file.getMetadata())[0].generation));
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('honours generation preconditions on uploads (both kinds) and deletes', async () => {
    const file = storage.bucket('b').file('pre/x');
    await file.save('one', { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } });
    const again = file.save('two', { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } });
    await expect(again).rejects.toMatchObject({ code: 412 });
    const resumable = file.save('two', { resumable: true, preconditionOpts: { ifGenerationMatch: 0 } });
    await expect(resumable).rejects.toMatchObject({ code: 412 });
    const generation = (await file.getMetadata())[0].generation!;
    await expect(
      file.save('stale', { resumable: false, preconditionOpts: { ifGenerationMatch: 1 } }),
    ).rejects.toMatchObject({ code: 412 });
    await file.save('three', { resumable: false, preconditionOpts: { ifGenerationMatch: generation } });
    await expect(file.delete({ ifGenerationMatch: generation })).rejects.toMatchObject({
      code: 412,
      errors: [expect.objectContaining({ reason: 'conditionNotMet' })],
    });
    expect((await file.download())[0].toString()).toBe('three');
    await file.delete({ ifGenerationMatch: (await file.getMetadata())[0].generation! });
    expect((await file.exists())[0]).toBe(false);
  });

  it('answers 404 for missing objects, and deletes can ignore it', async () => {
    const file = storage.bucket('b').file('missing');
    await expect(file.download()).rejects.toMatchObject({ code: 404 });
    await expect(file.delete()).rejects.toMatchObject({ code: 404 });
    await file.delete({ ignoreNotFound: true });
    await expect(storage.bucket('nope').file('x').getMetadata()).rejects.toMatchObject({ code: 404 });
  });

  it('lists by prefix, with a delimiter, and across pages', async () => {
    const bucket = storage.bucket('b');
    for (const name of ['pg/3', 'pg/1', 'pg/sub/a', 'pg/2', 'other/1'])
      await bucket.file(name).save('x', { resumable: false });
    const [all] = await bucket.getFiles({ prefix: 'pg/' });
    expect(all.map((f) => f.name)).toEqual(['pg/1', 'pg/2', 'pg/3', 'pg/sub/a']);
    const [page1, next] = await bucket.getFiles({ prefix: 'pg/', maxResults: 3, autoPaginate: false });
    expect(page1.map((f) => f.name)).toEqual(['pg/1', 'pg/2', 'pg/3']);
    expect(next).toHaveProperty('pageToken');
    const [page2, last] = await bucket.getFiles({ ...next, autoPaginate: false });
    expect(page2.map((f) => f.name)).toEqual(['pg/sub/a']);
    expect(last).toBeNull();
    const [, , response] = await bucket.getFiles({ prefix: 'pg/', delimiter: '/', autoPaginate: false });
    expect(response).toMatchObject({ prefixes: ['pg/sub/'] });
    expect((await bucket.getFiles({ prefix: 'none/' }))[0]).toEqual([]);
  });

  it('accepts the emulator-host paths without /storage/v1 and is loud about gaps', async () => {
    await storage.bucket('b').file('dir/a.txt').save('hello', { resumable: false });
    const media = await fetch(`${gcs.url}/b/b/o/dir%2Fa.txt?alt=media`);
    expect(await media.text()).toBe('hello');
    expect(media.headers.get('x-goog-hash')).toContain('crc32c=');
    const gap = await fetch(`${gcs.url}/storage/v1/b/b/o/dir%2Fa.txt/compose`, { method: 'POST' });
    expect(gap.status).toBe(501);
    expect(await gap.json()).toMatchObject({ error: { code: 501, errors: [{ reason: 'notImplemented' }] } });
  });

  it('answers 503 to everything while unavailable, and counts requests', async () => {
    const before = gcs.requests;
    gcs.setUnavailable(true);
    await expect(storage.bucket('b').file('x').getMetadata()).rejects.toMatchObject({ code: 503 });
    await expect(storage.bucket('b').file('x').save('y', { resumable: false })).rejects.toMatchObject({
      code: 503,
    });
    expect(gcs.requests).toBeGreaterThanOrEqual(before + 2);
    gcs.setUnavailable(false);
    gcs.reset();
    expect((await storage.bucket('b').exists())[0]).toBe(false);
  });
});
