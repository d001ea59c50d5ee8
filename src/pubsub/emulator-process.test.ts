import { describe, expect, it } from 'vitest';
import {
  EmulatorNotFoundError,
  emulatorBinaryCandidates,
  resolveEmulatorBinary,
} from './emulator-process.js';

describe('resolveEmulatorBinary', () => {
  it('uses PUBSUB_EMULATOR_BIN alone when set', () => {
    expect(emulatorBinaryCandidates({ PUBSUB_EMULATOR_BIN: '/x/emu', HOME: '/home/u' })).toEqual(['/x/emu']);
    expect(resolveEmulatorBinary({ PUBSUB_EMULATOR_BIN: '/x/emu' }, (p) => p === '/x/emu')).toBe('/x/emu');
  });

  it('looks in CLOUDSDK_ROOT_DIR, then ~/google-cloud-sdk, then the system SDKs', () => {
    const candidates = emulatorBinaryCandidates({ CLOUDSDK_ROOT_DIR: '/sdk', HOME: '/home/u' });
    expect(candidates.slice(0, 3)).toEqual([
      '/sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator',
      '/home/u/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator',
      '/usr/lib/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator',
    ]);
    const second = candidates[1] as string;
    expect(resolveEmulatorBinary({ CLOUDSDK_ROOT_DIR: '/sdk', HOME: '/home/u' }, (p) => p === second)).toBe(
      second,
    );
  });

  it('says how to get the emulator when it is nowhere', () => {
    let error: unknown;
    try {
      resolveEmulatorBinary({ PUBSUB_EMULATOR_BIN: '/nowhere/emu' }, () => false);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EmulatorNotFoundError);
    const message = (error as Error).message;
    expect(message).toContain('apt-get install google-cloud-cli-pubsub-emulator');
    expect(message).toContain('gcloud components install pubsub-emulator');
    expect(message).toContain('docker compose up pubsub');
    expect(message).toContain('PUBSUB_EMULATOR_HOST');
    expect(message).toContain('/nowhere/emu');
  });
});
