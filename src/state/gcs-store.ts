import type { File, Storage } from '@google-cloud/storage';
import { assertValidKey, assertValidPrefix, compareKeys, isValidKey } from './keys.js';
import {
  oneByOne,
  PreconditionFailedError,
  type StateStore,
  type StoredObject,
  StoreUnavailableError,
} from './store.js';

export interface GcsStoreOptions {
  bucket: string;
  /** Object-name prefix under which every key lives (`''` for the bucket root). */
  prefix: string;
  /** The app's client. Its own retries should be off (`retryOptions.autoRetry: false`): retries live in one place. */
  storage: Storage;
}

/** How many times a read chases an object that changes between its metadata and its bytes. */
const PINNED_READ_ATTEMPTS = 5;

/**
 * A StateStore on a GCS bucket: create-if-absent and compare-and-swap are uploads with an
 * `ifGenerationMatch` precondition (0 = must not exist), so GCS itself arbitrates between workers.
 * Objects are small: simple (multipart) uploads, with the client's checksum validation kept on.
 */
export function createGcsStore({ bucket, prefix, storage }: GcsStoreOptions): StateStore {
  const base = prefix.replace(/^\/+|\/+$/g, '');
  const namePrefix = base ? `${base}/` : '';
  const location = `gs://${bucket}${base ? `/${base}` : ''}`;
  const gcsBucket = storage.bucket(bucket);
  const fileOf = (key: string, generation?: string) =>
    gcsBucket.file(namePrefix + key, generation === undefined ? {} : { generation: Number(generation) });

  const guard = async <T>(op: string, key: string, body: () => Promise<T>): Promise<T> => {
    if (op === 'list') assertValidPrefix(key);
    else assertValidKey(key);
    try {
      return await body();
    } catch (error) {
      if (error instanceof PreconditionFailedError || error instanceof StoreUnavailableError) throw error;
      const code = (error as { code?: unknown }).code;
      if (code === 412) throw new PreconditionFailedError(`${location}: ${op} "${key}": precondition failed`);
      const detail = error instanceof Error ? error.message.split('\n')[0]!.slice(0, 160) : String(error);
      // No `cause`: the client's error carries its request config, headers included.
      throw new StoreUnavailableError(
        `${location}: ${op} "${key}" failed: ${String(code ?? 'error')} ${detail}`,
      );
    }
  };

  const save = async (
    key: string,
    data: Buffer | string,
    ifGenerationMatch: string,
  ): Promise<StoredObject> => {
    const file = fileOf(key);
    const body = Buffer.from(data);
    await file.save(body, {
      resumable: false,
      contentType: 'application/octet-stream',
      preconditionOpts: { ifGenerationMatch },
    });
    const generation = file.metadata.generation;
    if (generation === undefined) throw new StoreUnavailableError(`${location}: no generation for "${key}"`);
    return { key, data: body, generation: String(generation) };
  };

  /** One request: the media download's x-goog-generation header names the generation of these bytes. */
  const readOnce = async (key: string): Promise<StoredObject | undefined | 'no-generation'> => {
    let generation: string | undefined;
    const stream = fileOf(key).createReadStream();
    stream.on('response', (response: { headers?: Record<string, unknown> }) => {
      const header = response.headers?.['x-goog-generation'];
      if (typeof header === 'string' && /^\d+$/.test(header)) generation = header;
    });
    const chunks = await stream.toArray().catch(notFoundAs(undefined));
    if (chunks === undefined) return undefined;
    if (generation === undefined) return 'no-generation';
    return { key, data: Buffer.concat(chunks as Buffer[]), generation };
  };

  /** Without that header: metadata, then the bytes of exactly that generation (gone = changed: again). */
  const readPinned = async (key: string): Promise<StoredObject | undefined> => {
    for (let attempt = 0; attempt < PINNED_READ_ATTEMPTS; attempt++) {
      const [metadata] = (await fileOf(key).getMetadata().catch(notFoundAs(undefined))) ?? [];
      if (metadata?.generation === undefined) return undefined;
      const generation = String(metadata.generation);
      const downloaded = await fileOf(key, generation).download().catch(notFoundAs(undefined));
      if (downloaded) return { key, data: downloaded[0], generation };
    }
    throw new StoreUnavailableError(`${location}: read "${key}": object kept changing`);
  };

  const singles: Omit<StateStore, 'readMany' | 'writeMany'> = {
    location,
    createIfAbsent: (key, data) => guard('createIfAbsent', key, () => save(key, data, '0')),
    read: (key) =>
      guard('read', key, async () => {
        const found = await readOnce(key);
        return found === 'no-generation' ? readPinned(key) : found;
      }),
    compareAndSwap: (key, generation, data) =>
      guard('compareAndSwap', key, async () => {
        // Generation 0 would mean "create"; a CAS always names an existing generation.
        if (!/^[1-9]\d*$/.test(generation))
          throw new PreconditionFailedError(`"${key}": no generation ${generation}`);
        return save(key, data, generation);
      }),
    delete: (key, generation) =>
      guard('delete', key, async () => {
        await fileOf(key).delete({
          ignoreNotFound: true,
          ...(generation === undefined ? {} : { ifGenerationMatch: generation }),
        });
      }),
    list: (listPrefix) =>
      guard('list', listPrefix, async () => {
        const [files] = await gcsBucket.getFiles({
          prefix: namePrefix + listPrefix,
          autoPaginate: true,
          fields: 'items(name),nextPageToken',
        });
        return files
          .map((f: File) => f.name.slice(namePrefix.length))
          .filter(isValidKey)
          .sort(compareKeys);
      }),
  };
  return { ...singles, ...oneByOne(singles) };
}

/** For `.catch`: an object's 404 becomes `value`; anything else (a missing bucket too) is rethrown. */
function notFoundAs<T>(value: T): (error: unknown) => T {
  return (error) => {
    const { code, message } = error as { code?: unknown; message?: unknown };
    if (code === 404 && !String(message).includes('bucket does not exist')) return value;
    throw error;
  };
}
