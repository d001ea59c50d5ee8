import { Storage } from '@google-cloud/storage';
import { describe, expect, it } from 'vitest';
import { openLedgerStorage, parseStorageUri } from './open-ledger-storage.js';

describe('parseStorageUri', () => {
  it('reads gs:// and file:// forms', () => {
    expect(parseStorageUri('gs://my-bucket')).toEqual({ kind: 'gs', bucket: 'my-bucket', prefix: '' });
    expect(parseStorageUri('gs://my-bucket/relay/prod/')).toEqual({
      kind: 'gs',
      bucket: 'my-bucket',
      prefix: 'relay/prod',
    });
    expect(parseStorageUri('file:///var/lib/relay')).toEqual({
      kind: 'file',
      path: '/var/lib/relay',
      relative: false,
    });
    expect(parseStorageUri('file:///tmp/with%20space')).toMatchObject({ path: '/tmp/with space' });
    expect(parseStorageUri('file://./.finding-relay')).toEqual({
      kind: 'file',
      path: './.finding-relay',
      relative: true,
    });
  });

  it('refuses anything else', () => {
    for (const uri of [
      's3://b/p',
      'gs://',
      'gs://UPPER/p',
      'file://host/x',
      '/abs/path',
      'file:relative',
      '',
    ]) {
      expect(() => parseStorageUri(uri), uri).toThrow(TypeError);
    }
  });
});

describe('openLedgerStorage', () => {
  it('opens a gs store with the given client, and plain files at an absolute or resolved path', () => {
    const storage = new Storage({ apiEndpoint: 'http://127.0.0.1:9', projectId: 'test' });
    expect(openLedgerStorage('gs://bkt/p', { storage }).location).toBe('gs://bkt/p');
    expect(openLedgerStorage('file:///srv/state').location).toBe('file:///srv/state');
    expect(openLedgerStorage('file://./.finding-relay', { baseDir: '/work/app' }).location).toBe(
      'file:///work/app/.finding-relay',
    );
  });

  it('says what is missing instead of guessing', () => {
    expect(() => openLedgerStorage('gs://bkt/p')).toThrow(/Storage client/);
    expect(() => openLedgerStorage('file://./x')).toThrow(/base directory/);
  });
});
