import { describe, expect, it } from 'vitest';
import { checkStorageUri, gcsBucketNameProblem, resolveStorageUri } from './storage-uri.js';

const checkedValue = (text: string) => {
  const result = checkStorageUri(text);
  return 'value' in result ? result.value : `error: ${result.error}`;
};

describe('checkStorageUri', () => {
  it.each([
    ['gs://my-bucket', 'gs://my-bucket'],
    ['gs://my-bucket/', 'gs://my-bucket'],
    ['gs://my-bucket/relay/staging/', 'gs://my-bucket/relay/staging'],
    ['gs://acme.example.com/x', 'gs://acme.example.com/x'],
    ['file:///var/lib/relay', 'file:///var/lib/relay'],
    ['file:///var/lib/relay/', 'file:///var/lib/relay'],
    ['file:///var/lib/a/../relay', 'file:///var/lib/relay'],
    ['file:///tmp/my%20dir', 'file:///tmp/my%20dir'],
    ['file://./.finding-relay', 'file://./.finding-relay'],
    ['file://../shared/', 'file://../shared'],
  ])('accepts %j as %j', (text, expected) => {
    expect(checkedValue(text)).toBe(expected);
  });

  it.each([
    ['s3://bucket', 'expected gs://bucket'],
    ['gs://', 'invalid bucket name'],
    ['gs://ab', 'invalid bucket name: use 3 to 63'],
    ['gs://My-Bucket', 'invalid bucket name: use lower-case'],
    ['gs://-bucket', 'invalid bucket name'],
    ['gs://google-things', 'reserved'],
    ['gs://goog-things', 'reserved'],
    ['gs://192.168.1.1', 'IP address'],
    ['gs://bucket//x', 'empty'],
    ['gs://bucket/a/../b', '".."'],
    ['file://relative/path', 'expected gs://bucket'],
    ['file://host/path', 'expected gs://bucket'],
    ['/var/lib/relay', 'expected gs://bucket'],
    ['file:///a%2Fb', 'expected gs://bucket'],
  ])('rejects %j', (text, fragment) => {
    expect(checkedValue(text)).toContain(fragment);
  });
});

describe('gcsBucketNameProblem', () => {
  it('allows dotted names up to 222 characters with parts up to 63', () => {
    const part = 'a'.repeat(63);
    expect(gcsBucketNameProblem([part, part, part].join('.'))).toBeUndefined();
    expect(gcsBucketNameProblem('a'.repeat(64))).toContain('3 to 63');
    expect(gcsBucketNameProblem(`${'a'.repeat(64)}.com`)).toContain('1 to 63');
    expect(gcsBucketNameProblem('a..b')).toContain('1 to 63');
    expect(gcsBucketNameProblem('my_bucket-1')).toBeUndefined();
  });
});

describe('resolveStorageUri', () => {
  it('resolves relative file URIs against cwd and leaves others alone', () => {
    expect(resolveStorageUri('file://./.finding-relay', '/srv/app')).toBe('file:///srv/app/.finding-relay');
    expect(resolveStorageUri('file://../shared', '/srv/app')).toBe('file:///srv/shared');
    expect(resolveStorageUri('file://.', '/srv/my app')).toBe('file:///srv/my%20app');
    expect(resolveStorageUri('gs://b/p', '/srv/app')).toBe('gs://b/p');
    expect(resolveStorageUri('file:///x', '/srv/app')).toBe('file:///x');
  });
});
