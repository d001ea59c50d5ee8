import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readConfirmation } from './confirm.js';

const answer = (text: string) => readConfirmation(Readable.from([Buffer.from(text)]));

describe('readConfirmation', () => {
  it('accepts only y or yes on the first line', async () => {
    expect(await answer('y\n')).toBe(true);
    expect(await answer(' YES \nno\n')).toBe(true);
    expect(await answer('no\ny\n')).toBe(false);
    expect(await answer('\n')).toBe(false);
    expect(await answer('yep\n')).toBe(false);
  });

  it('takes end of input without an answer as no', async () => {
    expect(await answer('')).toBe(false);
  });

  it('takes an abort while waiting as no', async () => {
    const input = new PassThrough();
    const controller = new AbortController();
    const pending = readConfirmation(input, controller.signal);
    controller.abort();
    expect(await pending).toBe(false);
    input.destroy();
  });
});
