import { describe, expect, it } from 'vitest';
import { checkStateUri, DEV_STATE_URI, parseStateUri, resolveStateUri, stateUriType } from './state-uri.js';

const checkedValue = (text: string) => {
  const result = checkStateUri(text);
  return 'value' in result ? result.value : `error: ${result.error}`;
};

describe('checkStateUri', () => {
  it.each([
    ['sqlite:///var/lib/relay/state.db', 'sqlite:///var/lib/relay/state.db'],
    ['sqlite:///var/lib/a/../relay//state.db', 'sqlite:///var/lib/relay/state.db'],
    ['sqlite:///tmp/my dir/state.db', 'sqlite:///tmp/my dir/state.db'],
    ['sqlite://./state.db', 'sqlite://./state.db'],
    [DEV_STATE_URI, DEV_STATE_URI],
    ['sqlite://../shared/state.db', 'sqlite://../shared/state.db'],
    ['firestore://-/(default)', 'firestore://-/(default)'],
    ['firestore://my-project-1/relay-state', 'firestore://my-project-1/relay-state'],
    ['firestore://example.com:my-project/(default)/', 'firestore://example.com:my-project/(default)'],
  ])('accepts %j as %j', (text, expected) => {
    expect(checkedValue(text)).toBe(expected);
  });

  it.each([
    ['sqlite://state.db', 'expected sqlite:///'],
    ['sqlite:relative.db', 'expected sqlite:///'],
    ['/var/lib/state.db', 'expected sqlite:///'],
    ['file:///var/lib/state.db', 'expected sqlite:///'],
    ['sqlite:///var/lib/', 'names a directory'],
    ['sqlite://./..', 'names a directory'],
    ['sqlite://./a/../..', 'names a directory'],
    ['sqlite:///x.db?mode=ro', '? or #'],
    ['sqlite:///x\u0000.db', 'control characters'],
    ['firestore://-', 'expected firestore://PROJECT/DATABASE'],
    ['firestore://-/(default)/x', 'expected firestore://PROJECT/DATABASE'],
    ['firestore://My_Project/(default)', 'invalid project id'],
    ['firestore://-/DB', 'invalid database id'],
    ['firestore://-/ab', 'invalid database id'],
  ])('rejects %j', (text, fragment) => {
    expect(checkedValue(text)).toContain(fragment);
  });

  it('never repeats the value in an error', () => {
    expect(checkedValue('sqlite://secret-looking-thing')).not.toContain('secret-looking-thing');
  });
});

describe('resolveStateUri', () => {
  it('resolves a relative sqlite path against the working directory and leaves others alone', () => {
    expect(resolveStateUri(DEV_STATE_URI, '/srv/app')).toBe('sqlite:///srv/app/.finding-relay/state.db');
    expect(resolveStateUri('sqlite://../x.db', '/srv/app')).toBe('sqlite:///srv/x.db');
    expect(resolveStateUri('sqlite:///abs.db', '/srv/app')).toBe('sqlite:///abs.db');
    expect(resolveStateUri('firestore://-/(default)', '/srv/app')).toBe('firestore://-/(default)');
  });
});

describe('parseStateUri', () => {
  it('names the backend and where it is', () => {
    expect(parseStateUri('sqlite:///var/lib/state.db')).toEqual({
      backend: 'sqlite',
      path: '/var/lib/state.db',
    });
    expect(parseStateUri('firestore://-/(default)')).toEqual({
      backend: 'firestore',
      project: '-',
      database: '(default)',
    });
    expect(() => parseStateUri('redis://x')).toThrow(TypeError);
  });
});

describe('stateUriType', () => {
  it('parses through zod and describes the accepted forms', () => {
    const type = stateUriType();
    expect(type.schema.parse('sqlite:///a/b/../c.db')).toBe('sqlite:///a/c.db');
    expect(type.schema.safeParse('nope').success).toBe(false);
    expect(type.kind).toMatchObject({ type: 'string', form: expect.stringContaining('firestore://PROJECT') });
  });
});
