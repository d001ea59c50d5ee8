import { randomUUID } from 'node:crypto';
import { link, mkdir, open, readdir, readFile, unlink } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { assertValidKey, assertValidPrefix, compareKeys } from '../../state/keys.js';
import { PreconditionFailedError, type StateStore, StoreUnavailableError } from '../../state/store.js';

/** Where ledger objects go: the part of an object store the dry-run ledger needs (write once, list, read). */
export type LedgerStorage = Pick<StateStore, 'location' | 'createIfAbsent' | 'read' | 'list'>;

const TEMP_PREFIX = '.tmp-';

/**
 * The `file://` ledger: ordinary files under `root` (`ledger/ENV/YYYY/MM/DD/….jsonl`), exactly the
 * bytes written, so `jq` and anyone browsing the directory read plain JSON Lines (docs/contract.md §5).
 * A write goes to a synced temp file that is then hard-linked under its name, so a reader never
 * sees half an object and an existing object is never overwritten.
 */
export function createFileLedgerStorage(root: string): LedgerStorage {
  const pathOf = (key: string) => join(root, ...key.split('/'));
  const unavailable = (op: string, key: string, error: unknown) =>
    new StoreUnavailableError(
      `ledger ${op} "${key}" under ${root} failed: ${error instanceof Error ? error.message : String(error)}`,
    );

  return {
    location: `file://${root}`,
    async createIfAbsent(key, data) {
      assertValidKey(key);
      const target = pathOf(key);
      const temp = join(dirname(target), `${TEMP_PREFIX}${randomUUID()}`);
      const bytes = Buffer.from(data);
      try {
        await mkdir(dirname(target), { recursive: true });
        const handle = await open(temp, 'wx');
        try {
          await handle.writeFile(bytes);
          await handle.datasync();
        } finally {
          await handle.close();
        }
        await link(temp, target);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST')
          throw new PreconditionFailedError(`ledger object "${key}" already exists`);
        throw unavailable('write', key, error);
      } finally {
        await unlink(temp).catch(() => undefined);
      }
      return { key, data: bytes, generation: '1' };
    },
    async read(key) {
      assertValidKey(key);
      try {
        return { key, data: await readFile(pathOf(key)), generation: '1' };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw unavailable('read', key, error);
      }
    },
    async list(prefix) {
      assertValidPrefix(prefix);
      const base = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
      let files: string[];
      try {
        const entries = await readdir(join(root, ...base.split('/').filter(Boolean)), {
          recursive: true,
          withFileTypes: true,
        });
        files = entries
          .filter((e) => e.isFile() && !e.name.startsWith(TEMP_PREFIX))
          .map((e) => relative(root, join(e.parentPath, e.name)).split(sep).join('/'));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw unavailable('list', prefix, error);
      }
      return files.filter((key) => key.startsWith(prefix)).sort(compareKeys);
    },
  };
}
